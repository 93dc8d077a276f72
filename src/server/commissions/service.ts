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
        amount,
        currency: input.currency,
        rate_bp: input.rateBp,
        created_at: this.clock.now(),
      })
      .onConflict((oc) => oc.columns(["order_id", "kind"]).doNothing())
      .execute();
    return amount;
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
