import { sql, type Transaction } from "kysely";
import type { Database, Db } from "../db/index.js";
import type { Clock } from "../platform/clock.js";
import { randomId } from "../platform/ids.js";

/**
 * Commission in minor units: floor(total × rate_bp / 10 000). Rounding is always down to the cent, so the host is
 * never paid a fraction that was not earned; the sub-cent remainder stays with the merchant. Integer arithmetic only.
 */
export function commissionFor(total: number, rateBp: number): number {
  return Math.floor((total * rateBp) / 10_000);
}

export class CommissionService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Writes the host's entry for a paid order in the caller's transaction. Unique (order_id, kind) makes it once-only. */
  async recordForOrder(
    tx: Transaction<Database>,
    input: { orderId: string; showId: string; hostAccountId: string; total: number; currency: string; rateBp: number },
  ): Promise<number> {
    const amount = commissionFor(input.total, input.rateBp);
    await tx
      .insertInto("ledger_entries")
      .values({
        id: randomId("led"),
        host_account_id: input.hostAccountId,
        show_id: input.showId,
        order_id: input.orderId,
        kind: "commission",
        refund_id: null,
        amount,
        currency: input.currency,
        rate_bp: input.rateBp,
        created_at: this.clock.now(),
      })
      .onConflict((oc) => oc.column("order_id").where("kind", "=", "commission").doNothing())
      .execute();
    return amount;
  }

  /**
   * A refund takes back the commission it paid for: floor(refund × rate) for a partial refund, and for the refund that
   * completes the order exactly what is left, so the order's entries sum to zero and no cent is lost to rounding.
   * Append-only: a reversal is a negative entry, never an edit. One per refund id.
   */
  async reverseForRefund(
    tx: Transaction<Database>,
    input: { orderId: string; refundId: string; refundAmount: number; completesRefund: boolean },
  ): Promise<number> {
    const entries = await tx.selectFrom("ledger_entries").selectAll().where("order_id", "=", input.orderId).execute();
    const original = entries.find((e) => e.kind === "commission");
    if (!original) return 0;
    const left = entries.reduce((sum, e) => sum + Number(e.amount), 0);
    const amount = input.completesRefund ? left : Math.min(left, commissionFor(input.refundAmount, original.rate_bp));
    if (amount <= 0) return 0;
    await tx
      .insertInto("ledger_entries")
      .values({
        id: randomId("led"),
        host_account_id: original.host_account_id,
        show_id: original.show_id,
        order_id: input.orderId,
        kind: "commission_reversal",
        refund_id: input.refundId,
        amount: -amount,
        currency: original.currency,
        rate_bp: original.rate_bp,
        created_at: this.clock.now(),
      })
      .execute();
    return -amount;
  }

  async showCommission(showId: string): Promise<number> {
    const row = await this.db
      .selectFrom("ledger_entries")
      .select(sql<number>`coalesce(sum(amount), 0)::bigint`.as("total"))
      .where("show_id", "=", showId)
      .executeTakeFirstOrThrow();
    return Number(row.total);
  }

  async hostBalance(hostAccountId: string, currency = "EUR"): Promise<number> {
    const row = await this.db
      .selectFrom("ledger_entries")
      .select(sql<number>`coalesce(sum(amount), 0)::bigint`.as("total"))
      .where("host_account_id", "=", hostAccountId)
      .where("currency", "=", currency)
      .executeTakeFirstOrThrow();
    return Number(row.total);
  }
}
