import fc from "fast-check";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commissionRulesBody } from "../../protocol/api.js";
import { type Backend, backends, openTestDb } from "../../../test/support/db.js";
import { commerceFixture, orderBody } from "../../../test/support/fixtures.js";
import type { DbHandle } from "../db/index.js";
import { AppError } from "../platform/errors.js";
import { refCookieValue } from "./attribution.js";
import { PayoutService, statementCsv } from "./payouts.js";
import { StripeConnectTransfers } from "./stripe-connect.js";
import { FakeTransfersApi } from "./stripe-connect-fake.js";
import { MemoryBus } from "../platform/bus.js";
import { until } from "../../../test/support/until.js";
import { CommissionService } from "./service.js";

const DAY = 24 * 3600 * 1000;
const IBANS = ["DE89370400440532013000", "GB82WEST12345698765432", "FR1420041010050500013M02606"];

const code = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (e: unknown) => (e instanceof AppError ? e.code : String(e)),
  );

async function setup(handle: DbHandle) {
  const f = await commerceFixture(handle, { commissionBp: 1000 });
  const payouts = new PayoutService(f.db, f.clock, f.accounts);
  const cohost = await f.accounts.createAccount({
    email: `co-${Math.random()}@t.test`,
    password: "pw-123456",
    displayName: "Co Host",
    role: "host",
    merchantId: f.merchant.id,
  });
  const third = await f.accounts.createAccount({
    email: `th-${Math.random()}@t.test`,
    password: "pw-123456",
    displayName: "Third",
    role: "host",
    merchantId: f.merchant.id,
  });
  const hosts = [f.host.id, cohost.id, third.id];
  for (const [i, id] of hosts.entries()) await payouts.setHostPayoutAccount(id, { holderName: `Host ${i}`, iban: IBANS[i]!, bic: "COBADEFFXXX" });
  await payouts.setMerchantSettings(f.merchant.id, { debtorName: "Test Shop", iban: "DE89370400440532013000", bic: "COBADEFFXXX" });
  const newOffer = () => f.offers.create(f.show.id, f.product, { showPrice: 1199, quantity: 100_000, durationSeconds: 7 * 24 * 3600, pin: true });
  return { ...f, payouts, cohost, third, hosts, newOffer };
}

/** Every invariant of the ledger, checked from the raw postings. */
async function checkLedger(f: Awaited<ReturnType<typeof setup>>, orderIds: string[]) {
  const postings = await f.db.selectFrom("ledger_postings").selectAll().where("merchant_id", "=", f.merchant.id).execute();
  // Every transaction sums to zero per currency.
  const unbalanced = await f.db
    .selectFrom("ledger_postings")
    .select(["transaction_id", "currency", sql<string>`sum(amount)`.as("s")])
    .groupBy(["transaction_id", "currency"])
    .having(sql`sum(amount)`, "!=", 0)
    .execute();
  expect(unbalanced).toEqual([]);
  // Balances (the service's and the view's) equal the sum of postings per account.
  const byAccount = new Map<string, number>();
  for (const p of postings) byAccount.set(p.account, (byAccount.get(p.account) ?? 0) + Number(p.amount));
  for (const id of f.hosts) {
    const b = (await f.commissions.balances(id)).find((x) => x.currency === "EUR") ?? { pending: 0, available: 0, paid: 0 };
    expect(b.pending).toBe(byAccount.get(`host:${id}:pending`) ?? 0);
    expect(b.available).toBe(byAccount.get(`host:${id}:available`) ?? 0);
    expect(b.paid).toBe(byAccount.get(`host:${id}:paid`) ?? 0);
    expect(b.pending).toBeGreaterThanOrEqual(0);
  }
  const view = await f.db.selectFrom("ledger_balances").selectAll().where("account", "like", `merchant:${f.merchant.id}:%`).execute();
  for (const v of view) expect(Number(v.balance)).toBe(byAccount.get(v.account));
  // No cent created or lost: the merchant's expense is exactly what the hosts hold in total.
  const hostsTotal = [...byAccount].filter(([a]) => a.startsWith("host:")).reduce((s, [, v]) => s + v, 0);
  expect((byAccount.get(`merchant:${f.merchant.id}:commission_expense`) ?? 0) + hostsTotal).toBe(0);
  for (const orderId of orderIds) {
    const o = await f.orders.order(orderId);
    const own = postings.filter((p) => p.order_id === orderId && p.host_account_id !== null);
    const perHost = new Map<string, number>();
    for (const p of own) perHost.set(p.host_account_id!, (perHost.get(p.host_account_id!) ?? 0) + Number(p.amount));
    const commission = await f.db
      .selectFrom("ledger_transactions")
      .selectAll()
      .where("order_id", "=", orderId)
      .where("kind", "=", "commission")
      .executeTakeFirst();
    if (o.status === "refunded") {
      // A full refund returns every host's total for the order to zero.
      for (const [, v] of perHost) expect(v).toBe(0);
    } else if (commission) {
      // The commission is the rule applied to the net with floor rounding, nothing more, nothing less.
      const net = o.total - o.vat;
      const expected = Math.min(net, Math.floor((net * commission.rate_bp!) / 10_000) + (commission.fixed_per_unit ?? 0) * o.quantity);
      const first = postings.filter((p) => p.transaction_id === commission.id && p.host_account_id !== null).reduce((s, p) => s + Number(p.amount), 0);
      expect(first).toBe(expected);
      const kept = [...perHost.values()].reduce((s, v) => s + v, 0);
      expect(kept).toBeGreaterThanOrEqual(0);
      expect(kept).toBeLessThanOrEqual(expected);
    }
  }
}

describe.each(backends)("commission ledger on %s", (backend: Backend) => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await openTestDb(backend);
  }, 300_000);
  afterAll(async () => handle?.close());

  it("announces a show's earnings at most once a gap, at once after a quiet gap, and again after the last order", async () => {
    const f = await setup(handle);
    const gapMs = 300;
    const bus = new MemoryBus();
    // It listens for order.paid on this bus from its construction on (as the server's does).
    const service = new CommissionService(f.db, f.clock, { bus, announceGapMs: gapMs });
    // When each announcement's reads start: the gap is kept between those (their publication comes after reads whose
    // length a loaded machine stretches, so the published times are not what the gap bounds).
    const reads: number[] = [];
    const read = service.showPendingEarnings.bind(service);
    service.showPendingEarnings = (showId) => {
      reads.push(performance.now());
      return read(showId);
    };
    const announced: { at: number; pending: number }[] = [];
    bus.subscribe("earnings.updated", (e) => announced.push({ at: performance.now(), pending: e.pending }));
    await f.shows.setStatus(f.show.id, "live");
    const offer = await f.newOffer();
    const paid = (orderId: string) =>
      bus.publish("order.paid", { showId: f.show.id, orderId, offerId: offer.id, quantity: 1, total: 1199, currency: "EUR", commission: 0 });
    // Five orders paid 60 ms apart (a trickle: each one's reads are done long before the next), the last one a real
    // order whose commission is in the ledger when it is announced.
    const paidAt: number[] = [];
    for (let i = 0; i < 4; i++) {
      paidAt.push(performance.now());
      await paid(`ord_${i}`);
      await new Promise((r) => setTimeout(r, 60));
    }
    const { order } = await f.orders.placeOrder(orderBody(offer.id), `k-announce-${backend}`);
    paidAt.push(performance.now());
    await paid(order.id);
    const expected = await f.commissions.showPendingEarnings(f.show.id);
    expect(expected).toBeGreaterThan(0);
    await until("the announcement after the last order", () => announced.some((a) => a.at > paidAt[4]! && a.pending === expected));
    await new Promise((r) => setTimeout(r, gapMs * 2));
    // The first read at once (in the paid event's own turn); then one per gap at most (a slow machine stretches the
    // five orders over more gaps). Timers fire late under load, never early: a gap is at least gapMs (1 ms rounding).
    expect(reads).toHaveLength(announced.length);
    expect(reads[0]! - paidAt[0]!).toBeLessThan(gapMs);
    expect(announced.length).toBeLessThanOrEqual(Math.floor((paidAt[4]! - paidAt[0]!) / gapMs) + 2);
    expect(announced.length).toBeLessThan(5);
    for (let i = 1; i < reads.length; i++) expect(reads[i]! - reads[i - 1]!).toBeGreaterThanOrEqual(gapMs - 1);
    expect(announced.at(-1)!.pending).toBe(expected);
  });

  it("splits by co-host shares under the merchant's rule version and stores the attribution", async () => {
    const f = await setup(handle);
    const rs = await f.commissions.publishRuleSet(f.merchant.id, commissionRulesBody.parse({ percentBp: 1000, fixedPerUnit: 25 }), null);
    await f.commissions.setShowHosts(f.show.id, f.merchant.id, [
      { accountId: f.host.id, shareBp: 5000 },
      { accountId: f.cohost.id, shareBp: 3000 },
      { accountId: f.third.id, shareBp: 2000 },
    ]);
    await f.shows.setStatus(f.show.id, "live");
    const offer = await f.newOffer();
    const { order } = await f.orders.placeOrder(orderBody(offer.id, { quantity: 3 }), `k-split-${backend}`);
    // 3 × 11.99 = 35.97 gross, 19 % VAT inside = 5.74 → net 30.23; 10 % = 302.3 → 302, + 3 × 0.25 = 377.
    expect(order.total).toBe(3597);
    const attribution = await f.commissions.attributionOf(order.id);
    expect(attribution).toMatchObject({ source: "live", ruleVersion: rs.version });
    expect(new Map(attribution!.hosts.map((h) => [h.accountId, h.shareBp]))).toEqual(
      new Map([
        [f.host.id, 5000],
        [f.cohost.id, 3000],
        [f.third.id, 2000],
      ]),
    );
    const tx = await f.db.selectFrom("ledger_transactions").selectAll().where("order_id", "=", order.id).executeTakeFirstOrThrow();
    expect(tx).toMatchObject({ kind: "commission", rule_version: rs.version, rate_bp: 1000, fixed_per_unit: 25 });
    const parts = await f.db.selectFrom("ledger_postings").select(["account", "amount"]).where("transaction_id", "=", tx.id).orderBy("amount").execute();
    // 377: 50 % = 188.5 → 188 (+1 remainder, largest share), 30 % = 113.1 → 113, 20 % = 75.4 → 75.
    expect(parts.map((p) => [p.account, Number(p.amount)])).toEqual([
      [`merchant:${f.merchant.id}:commission_expense`, -377],
      [`host:${f.third.id}:pending`, 75],
      [`host:${f.cohost.id}:pending`, 113],
      [`host:${f.host.id}:pending`, 189],
    ]);
    expect(await f.commissions.showPendingEarnings(f.show.id)).toBe(377);
    // The studio's split: the main host first, then by share, each amount the ledger's own (they add up to 377).
    expect((await f.commissions.showEarningsSplit(f.show.id)).map((h) => [h.accountId, h.shareBp, h.amount])).toEqual([
      [f.host.id, 5000, 189],
      [f.cohost.id, 3000, 113],
      [f.third.id, 2000, 75],
    ]);
    // A partial refund of one unit: floor(10.08 × 10 %) + 25 = 125, split 63/37/25.
    await f.orders.refund(order.id, { quantity: 1 });
    expect(await f.commissions.showCommission(f.show.id)).toBe(377 - 125);
    await f.orders.refund(order.id);
    expect(await f.commissions.showCommission(f.show.id)).toBe(0);
    await checkLedger(f, [order.id]);
    await f.shows.setStatus(f.show.id, "offline");
  }, 400_000);

  it("attributes by share link within the window (last touch), else to the show as live or replay", async () => {
    const f = await setup(handle);
    await f.commissions.publishRuleSet(f.merchant.id, commissionRulesBody.parse({ percentBp: 1000, attributionWindowDays: 7 }), null);
    await f.commissions.setShowHosts(f.show.id, f.merchant.id, [
      { accountId: f.host.id, shareBp: 5000 },
      { accountId: f.cohost.id, shareBp: 5000 },
    ]);
    const code = await f.commissions.shareCode(f.show.id, f.cohost.id);
    expect(await f.commissions.shareCode(f.show.id, f.cohost.id)).toBe(code);
    const offer = await f.newOffer();
    const opened = f.clock.now();
    f.clock.advance(6 * DAY);
    const viaLink = (await f.orders.placeOrder(orderBody(offer.id), `k-link-${backend}`, { referral: refCookieValue(code, opened) })).order;
    expect(await f.commissions.attributionOf(viaLink.id)).toMatchObject({
      source: "link",
      refCode: code,
      hosts: [{ accountId: f.cohost.id, shareBp: 10_000 }],
    });
    f.clock.advance(2 * DAY); // 8 days after the click: outside the window
    const offer2 = await f.newOffer();
    const late = (await f.orders.placeOrder(orderBody(offer2.id), `k-late-${backend}`, { referral: refCookieValue(code, opened) })).order;
    expect(await f.commissions.attributionOf(late.id)).toMatchObject({ source: "replay", refCode: null });
    expect((await f.commissions.attributionOf(late.id))!.hosts).toHaveLength(2);
    const forged = (await f.orders.placeOrder(orderBody(offer2.id), `k-forged-${backend}`, { referral: "notacode" })).order;
    expect((await f.commissions.attributionOf(forged.id))!.source).toBe("replay");
    // The link's host got the whole commission of that order.
    const perHost = await f.db.selectFrom("ledger_entries").select(["host_account_id", "amount"]).where("order_id", "=", viaLink.id).execute();
    expect(perHost.map((p) => p.host_account_id)).toEqual([f.cohost.id]);
    await checkLedger(f, [viaLink.id, late.id, forged.id]);
  }, 400_000);

  it("moves pending to available after the return window, pays out above the minimum, and carries a refund after payout as a negative balance", async () => {
    const f = await setup(handle);
    await f.commissions.publishRuleSet(f.merchant.id, commissionRulesBody.parse({ percentBp: 2000, returnWindowDays: 14, payoutMinimum: 300 }), null);
    const offer = await f.newOffer();
    const { order } = await f.orders.placeOrder(orderBody(offer.id, { quantity: 2 }), `k-pay-${backend}`);
    // 23.98 gross, VAT 3.83, net 20.15 → 20 % = 403.
    expect(await f.commissions.balances(f.host.id)).toEqual([{ currency: "EUR", pending: 403, available: 0, paid: 0 }]);
    // (The database is shared with the other tests: their orders mature too, so balances are checked, not counts.)
    f.clock.advance(13 * DAY);
    await f.commissions.matureDue();
    expect(await f.commissions.balances(f.host.id)).toEqual([{ currency: "EUR", pending: 403, available: 0, paid: 0 }]);
    f.clock.advance(1 * DAY);
    expect(await f.commissions.matureDue()).toBeGreaterThanOrEqual(1);
    expect(await f.commissions.matureDue()).toBe(0); // once
    expect(await f.commissions.balances(f.host.id)).toEqual([{ currency: "EUR", pending: 0, available: 403, paid: 0 }]);
    const run = await f.payouts.run(f.merchant.id, { method: "sepa", currency: "EUR" });
    expect(run.payouts).toMatchObject([{ hostAccountId: f.host.id, amount: 403, method: "sepa", status: "pending" }]);
    expect((await f.payouts.run(f.merchant.id, { method: "sepa", currency: "EUR" })).payouts).toEqual([]); // nothing left to pay
    expect(await f.commissions.balances(f.host.id)).toEqual([{ currency: "EUR", pending: 0, available: 0, paid: 403 }]);
    // Returned after the payout: the reversal comes out of available, which goes negative until new sales cover it.
    await f.orders.refund(order.id);
    expect(await f.commissions.balances(f.host.id)).toEqual([{ currency: "EUR", pending: 0, available: -403, paid: 403 }]);
    const month = f.clock.now().toISOString().slice(0, 7);
    const st = await f.payouts.statement(f.host.id, month);
    expect(st.closing).toEqual({ pending: 0, available: -403, paid: 403 });
    const csv = statementCsv(st);
    expect(csv.split("\r\n")[0]).toBe("date,kind,order,show,account,amount,currency");
    expect(csv).toContain("closing,,,available,-4.03,EUR");
    // A host below the minimum is not paid on demand, and says why.
    const second = await f.orders.placeOrder(orderBody((await f.newOffer()).id), `k-pay2-${backend}`);
    f.clock.advance(15 * DAY);
    await f.commissions.matureDue();
    const onDemand = await f.payouts.run(f.merchant.id, { method: "sepa", currency: "EUR", hostAccountId: f.host.id });
    expect(onDemand.payouts).toEqual([]);
    expect(onDemand.skipped[0]).toMatchObject({ hostAccountId: f.host.id, available: -403 + 201, code: "below_minimum", minimum: 300 });
    await checkLedger(f, [order.id, second.order.id]);
  }, 400_000);

  it("pays by Stripe Connect; a refused transfer moves the money back to available and marks the payout failed", async () => {
    const api = await new FakeTransfersApi().start();
    try {
      const f = await setup(handle);
      const stripe = new PayoutService(
        f.db,
        f.clock,
        f.accounts,
        new StripeConnectTransfers({ secretKey: "sk_test_123", apiBase: api.url, timeoutMs: 10_000 }),
      );
      await f.commissions.publishRuleSet(f.merchant.id, commissionRulesBody.parse({ percentBp: 1000, payoutMinimum: 1 }), null);
      await f.commissions.setShowHosts(f.show.id, f.merchant.id, [
        { accountId: f.host.id, shareBp: 5000 },
        { accountId: f.cohost.id, shareBp: 5000 },
      ]);
      await stripe.setHostPayoutAccount(f.host.id, { holderName: "Host", stripeAccountId: "acct_1Host000001" });
      await stripe.setHostPayoutAccount(f.cohost.id, { holderName: "Co", stripeAccountId: "acct_missing000" });
      const offer = await f.newOffer();
      const { order } = await f.orders.placeOrder(orderBody(offer.id, { quantity: 2 }), `k-stripe-${backend}`);
      f.clock.advance(15 * 24 * 3600 * 1000);
      await f.commissions.matureDue();
      const [hostBefore] = await f.commissions.balances(f.host.id);
      const [coBefore] = await f.commissions.balances(f.cohost.id);
      const run = await stripe.run(f.merchant.id, { method: "stripe", currency: "EUR" });
      const byHost = new Map(run.payouts.map((p) => [p.hostAccountId, p]));
      expect(byHost.get(f.host.id)).toMatchObject({ status: "sent", amount: hostBefore!.available });
      expect(byHost.get(f.cohost.id)).toMatchObject({ status: "failed", amount: coBefore!.available });
      expect(await f.commissions.balances(f.host.id)).toEqual([{ currency: "EUR", pending: 0, available: 0, paid: hostBefore!.available }]);
      expect(await f.commissions.balances(f.cohost.id)).toEqual([{ currency: "EUR", pending: 0, available: coBefore!.available, paid: 0 }]);
      expect(api.requests.filter((r) => r.path === "/v1/transfers").map((r) => r.key)).toEqual(expect.arrayContaining([`payout:${byHost.get(f.host.id)!.id}`]));
      // The third host has no Stripe account and nothing available: not paid, not listed as paid.
      expect(byHost.has(f.third.id)).toBe(false);
      await checkLedger(f, [order.id]);
    } finally {
      await api.stop();
    }
  }, 400_000);

  it("is append-only: postings and transactions cannot be changed or deleted", async () => {
    const f = await setup(handle);
    const offer = await f.newOffer();
    await f.orders.placeOrder(orderBody(offer.id), `k-ro-${backend}`);
    expect(await code(f.db.updateTable("ledger_postings").set({ amount: 1 }).execute())).toMatch(/append-only/);
    expect(await code(f.db.deleteFrom("ledger_transactions").execute())).toMatch(/append-only/);
  }, 200_000);

  it("keeps its invariants over random orders, partial and full refunds, passing time and payouts", async () => {
    const f = await setup(handle);
    await f.commissions.publishRuleSet(
      f.merchant.id,
      commissionRulesBody.parse({ percentBp: 1234, fixedPerUnit: 7, tiers: [{ fromRevenue: 5000, percentBp: 1777 }], payoutMinimum: 1 }),
      null,
    );
    await f.commissions.setShowHosts(f.show.id, f.merchant.id, [
      { accountId: f.host.id, shareBp: 3334 },
      { accountId: f.cohost.id, shareBp: 3333 },
      { accountId: f.third.id, shareBp: 3333 },
    ]);
    let offer = await f.newOffer();
    const orderIds: string[] = [];
    let n = 0;
    const op = fc.oneof(
      fc.record({ k: fc.constant("order" as const), q: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ k: fc.constant("partial" as const), i: fc.nat(), q: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ k: fc.constant("full" as const), i: fc.nat() }),
      fc.record({ k: fc.constant("time" as const), days: fc.integer({ min: 1, max: 20 }) }),
      fc.record({ k: fc.constant("payout" as const), method: fc.constantFrom("sepa" as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 3, maxLength: 12 }), async (ops) => {
        const mine: string[] = [];
        for (const o of ops) {
          if (o.k === "order") {
            const res = await f.orders.placeOrder(orderBody(offer.id, { quantity: o.q }), `k-prop-${backend}-${n++}`).catch(async () => {
              offer = await f.newOffer(); // the offer ran out of time: a new one
              return f.orders.placeOrder(orderBody(offer.id, { quantity: o.q }), `k-prop-${backend}-${n++}`);
            });
            mine.push(res.order.id);
          } else if ((o.k === "partial" || o.k === "full") && mine.length) {
            const id = mine[o.i % mine.length]!;
            const cur = await f.orders.order(id);
            if (cur.status === "refunded") continue;
            const left = cur.quantity - cur.refundedQuantity;
            await f.orders.refund(id, o.k === "full" ? {} : { quantity: Math.min(left, o.q) });
          } else if (o.k === "time") {
            f.clock.advance(o.days * DAY);
            await f.commissions.matureDue();
          } else if (o.k === "payout") {
            await f.payouts.run(f.merchant.id, { method: o.method, currency: "EUR" });
          }
        }
        orderIds.push(...mine);
        await checkLedger(f, mine);
      }),
      { numRuns: backend === "pglite" ? 12 : 8, seed: 20261125 },
    );
    await checkLedger(f, orderIds);
    // The sequences really exercised every path.
    const kinds = new Set((await f.db.selectFrom("ledger_transactions").select("kind").execute()).map((r) => r.kind));
    for (const k of ["commission", "reversal", "mature", "payout"]) expect(kinds, k).toContain(k);
  }, 1_200_000);
});
