import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commissionRulesBody } from "../../protocol/api.js";
import { type Backend, backends, openTestDb } from "../../../test/support/db.js";
import { commerceFixture, orderBody } from "../../../test/support/fixtures.js";
import type { DbHandle } from "../db/index.js";
import { PAYOUT_CLAIM_LEASE_MS, PayoutScheduler } from "./payout-scheduler.js";
import { PayoutService } from "./payouts.js";

const DAY = 24 * 3600 * 1000;

// One database per backend; every test has its own merchant (the scheduler pays every merchant with settings, so a
// test checks its own merchant's payouts, not totals).
describe.each(backends)("monthly payout scheduler on %s", (backend: Backend) => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await openTestDb(backend);
  }, 300_000);
  afterAll(async () => handle?.close());

  /** A merchant with payout settings and a host with an IBAN (fixture clock: 2026-06-01 18:00 UTC). */
  async function setup() {
    const f = await commerceFixture(handle, { commissionBp: 1000 });
    const payouts = new PayoutService(f.db, f.clock, f.accounts);
    await f.commissions.publishRuleSet(f.merchant.id, commissionRulesBody.parse({ percentBp: 1000, returnWindowDays: 14, payoutMinimum: 1 }), null);
    await payouts.setHostPayoutAccount(f.host.id, { holderName: "Host", iban: "DE89370400440532013000", bic: "COBADEFFXXX" });
    await payouts.setMerchantSettings(f.merchant.id, { debtorName: "Test Shop", iban: "DE89370400440532013000", bic: "COBADEFFXXX" });
    const newOffer = () => f.offers.create(f.show.id, f.product, { showPrice: 1199, quantity: 100, durationSeconds: 3600, pin: true });
    const node = () => new PayoutScheduler(f.db, f.clock, payouts, { methods: ["sepa"] });
    const mine = async () => (await payouts.list({ merchantId: f.merchant.id })).filter((p) => p.method === "sepa");
    return { ...f, payouts, newOffer, node, mine };
  }

  it("runs once per merchant and month from the 1st (UTC), across restarts and concurrent nodes, and pays what is available", async () => {
    const f = await setup();
    await f.orders.placeOrder(orderBody((await f.newOffer()).id, { quantity: 2 }), `k-sched-${backend}`);
    // A merchant without payout settings is never run.
    const other = await f.catalog.createMerchant("No bank yet");

    // June 1st: June's run happens; the commission is still pending, so it pays nothing — and June is done.
    const june = (await f.node().runDue()).find((r) => r.merchantId === f.merchant.id);
    expect(june).toMatchObject({ month: "2026-06", payouts: [] });
    f.clock.advance(15 * DAY);
    await f.commissions.matureDue();
    const [balance] = await f.commissions.balances(f.host.id);
    expect(balance.available).toBeGreaterThan(0);
    expect((await f.node().runDue()).find((r) => r.merchantId === f.merchant.id)).toBeUndefined(); // June 16th: June was run
    expect(await f.mine()).toEqual([]);

    // July 1st, just after midnight UTC: two nodes sweep at once, and a third starts later that day.
    f.clock.set("2026-07-01T00:00:30Z");
    const [a, b] = await Promise.all([f.node().runDue(), f.node().runDue()]);
    const july = [...a, ...b].filter((r) => r.merchantId === f.merchant.id);
    expect(july).toHaveLength(1);
    expect(july[0]).toMatchObject({ month: "2026-07", payouts: [{ hostAccountId: f.host.id, amount: balance.available, method: "sepa" }] });
    f.clock.advance(6 * 3600_000);
    expect((await f.node().runDue()).find((r) => r.merchantId === f.merchant.id)).toBeUndefined();
    expect(await f.mine()).toHaveLength(1);
    expect(await f.commissions.balances(f.host.id)).toEqual([{ currency: "EUR", pending: 0, available: 0, paid: balance.available }]);

    const history = await f.node().history(f.merchant.id);
    expect(history).toMatchObject([
      { month: "2026-07", status: "done", attempts: 1, result: { payouts: [july[0].payouts[0].id], batches: [july[0].payouts[0].batchId], skipped: 0 } },
      { month: "2026-06", status: "done", result: { payouts: [] } },
    ]);
    expect(await f.node().history(other.id)).toEqual([]);
  }, 300_000);

  it("takes over a claim left running by a node that died, after the lease, and never pays a balance twice", async () => {
    const f = await setup();
    f.clock.set("2026-08-01T00:00:00Z");
    await f.orders.placeOrder(orderBody((await f.newOffer()).id), `k-dead-${backend}`);
    f.clock.advance(15 * DAY);
    await f.commissions.matureDue();
    // A node claimed August's run (no node was up on the 1st: the first sweep later in the month takes it) and died
    // before finishing; whatever it paid would already have left `available`.
    await f.db
      .insertInto("payout_schedule_runs")
      .values({
        merchant_id: f.merchant.id,
        month: "2026-08",
        status: "running",
        claimed_by: "node_dead",
        claimed_at: f.clock.now(),
        finished_at: null,
        result: null,
      })
      .execute();
    f.clock.advance(PAYOUT_CLAIM_LEASE_MS - 1);
    expect((await f.node().runDue()).find((r) => r.merchantId === f.merchant.id)).toBeUndefined();
    f.clock.advance(1);
    const [taken] = (await f.node().runDue()).filter((r) => r.merchantId === f.merchant.id);
    expect(taken.payouts).toHaveLength(1);
    expect((await f.node().history(f.merchant.id))[0]).toMatchObject({ month: "2026-08", status: "done", attempts: 2 });
    // Done is final: later sweeps that month, however late, run nothing.
    f.clock.advance(10 * DAY);
    expect((await f.node().runDue()).find((r) => r.merchantId === f.merchant.id)).toBeUndefined();
    expect(await f.mine()).toHaveLength(1);
  }, 300_000);
});
