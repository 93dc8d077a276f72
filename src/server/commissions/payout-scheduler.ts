import type { Kysely } from "kysely";
import type { PayoutView } from "../../protocol/api.js";
import { type Db, scoped } from "../db/index.js";
import type { Clock } from "../platform/clock.js";
import { randomId } from "../platform/ids.js";
import type { PayoutService } from "./payouts.js";
import type { CommissionsTables } from "./schema.js";

/**
 * A claim still `running` (its node died mid-run) or `failed` is taken over after this long. Running again is safe:
 * a run pays only what is still available, under the merchant's advisory lock (PayoutService.run).
 */
export const PAYOUT_CLAIM_LEASE_MS = 15 * 60_000;

export interface ScheduledPayoutRun {
  merchantId: string;
  month: string;
  payouts: PayoutView[];
  skipped: number;
}

/** "YYYY-MM" of a moment, in UTC. */
export const payoutMonthOf = (d: Date) => d.toISOString().slice(0, 7);

/**
 * Monthly payouts: every merchant with payout settings (its bank account) gets one run per calendar month (UTC), due
 * from 00:00 on the 1st. The sweeper calls runDue() every minute on every node; a row per merchant and month, inserted
 * with a unique key, decides which node runs it, so a month is never run twice — across restarts and nodes alike. A
 * node that finds the month already claimed does nothing. If no node was up on the 1st, the first sweep later in
 * the month runs it.
 */
export class PayoutScheduler {
  readonly #node = randomId("node");
  private readonly db: Kysely<CommissionsTables>;

  constructor(
    db: Db,
    private readonly clock: Clock,
    private readonly payouts: PayoutService,
    private readonly opts: { methods: ("sepa" | "stripe")[]; log?: { error(obj: unknown, msg?: string): void } },
  ) {
    this.db = scoped(db);
  }

  /** Runs this month's payouts of every merchant not yet claimed; returns the runs this call made. */
  async runDue(): Promise<ScheduledPayoutRun[]> {
    const now = this.clock.now();
    const month = payoutMonthOf(now);
    const stale = new Date(now.getTime() - PAYOUT_CLAIM_LEASE_MS);
    const candidates = await this.db
      .selectFrom("merchant_payout_settings")
      .leftJoin("payout_schedule_runs", (j) =>
        j.onRef("payout_schedule_runs.merchant_id", "=", "merchant_payout_settings.merchant_id").on("payout_schedule_runs.month", "=", month),
      )
      .select(["merchant_payout_settings.merchant_id", "payout_schedule_runs.status", "payout_schedule_runs.claimed_at"])
      .orderBy("merchant_payout_settings.merchant_id")
      .execute();
    const runs: ScheduledPayoutRun[] = [];
    for (const c of candidates) {
      if (c.status === "done" || (c.claimed_at && new Date(c.claimed_at) > stale)) continue;
      if (!(await this.#claim(c.merchant_id, month, now, stale))) continue;
      runs.push(await this.#run(c.merchant_id, month));
    }
    return runs;
  }

  /** True when this node now holds the month's claim: a new row, or one whose lease ran out (never a `done` one). */
  async #claim(merchantId: string, month: string, now: Date, stale: Date): Promise<boolean> {
    const inserted = await this.db
      .insertInto("payout_schedule_runs")
      .values({ merchant_id: merchantId, month, status: "running", claimed_by: this.#node, claimed_at: now, finished_at: null, result: null })
      .onConflict((oc) => oc.columns(["merchant_id", "month"]).doNothing())
      .returning("merchant_id")
      .executeTakeFirst();
    if (inserted) return true;
    const taken = await this.db
      .updateTable("payout_schedule_runs")
      .set((eb) => ({ status: "running", claimed_by: this.#node, claimed_at: now, attempts: eb("attempts", "+", 1) }))
      .where("merchant_id", "=", merchantId)
      .where("month", "=", month)
      .where("status", "!=", "done")
      .where("claimed_at", "<=", stale)
      .returning("merchant_id")
      .executeTakeFirst();
    return !!taken;
  }

  async #run(merchantId: string, month: string): Promise<ScheduledPayoutRun> {
    const payouts: PayoutView[] = [];
    let skipped = 0;
    try {
      // SEPA in EUR first (the merchant's bank account is the payout setting); then Stripe Connect, when configured,
      // for the hosts SEPA skipped (no IBAN) — a balance paid by the first run is no longer available to the second.
      for (const method of this.opts.methods) {
        const r = await this.payouts.run(merchantId, { method, currency: "EUR" });
        payouts.push(...r.payouts);
        skipped += r.skipped.length;
      }
    } catch (err) {
      this.opts.log?.error({ err, merchantId, month }, "monthly payout run failed; retried after the claim's lease");
      await this.#finish(merchantId, month, "failed", { error: err instanceof Error ? err.message : String(err), payouts: payouts.map((p) => p.id) });
      return { merchantId, month, payouts, skipped };
    }
    await this.#finish(merchantId, month, "done", { payouts: payouts.map((p) => p.id), batches: [...new Set(payouts.map((p) => p.batchId))], skipped });
    return { merchantId, month, payouts, skipped };
  }

  async #finish(merchantId: string, month: string, status: "done" | "failed", result: unknown): Promise<void> {
    await this.db
      .updateTable("payout_schedule_runs")
      .set({ status, finished_at: this.clock.now(), result: JSON.stringify(result) })
      .where("merchant_id", "=", merchantId)
      .where("month", "=", month)
      .where("claimed_by", "=", this.#node)
      .execute();
  }

  /** The monthly runs of a merchant, newest first (operations and tests). */
  async history(merchantId: string): Promise<{ month: string; status: string; attempts: number; result: unknown }[]> {
    const rows = await this.db.selectFrom("payout_schedule_runs").selectAll().where("merchant_id", "=", merchantId).orderBy("month", "desc").execute();
    return rows.map((r) => ({ month: r.month, status: r.status, attempts: r.attempts, result: r.result ? JSON.parse(r.result) : null }));
  }
}
