import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, openTestDb } from "../../../test/support/db.js";
import { commerceFixture, orderBody } from "../../../test/support/fixtures.js";
import { insertBuyers, outcome as code } from "../../../test/support/game-fixtures.js";
import { vatIncluded } from "../catalog/index.js";
import type { DbHandle } from "../db/index.js";
import { CLAIM_USE_GRACE_MS, CouponService } from "./service.js";

// One database per backend (migrations are the slow part); every test has its own merchant, show and offer.
describe.each(backends)("coupon drops on %s", { timeout: 120_000 }, (backend) => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await openTestDb(backend);
  }, 120_000);
  afterAll(async () => handle?.close());

  async function setup(opts: { commissionBp?: number } = {}) {
    const f = await commerceFixture(handle, opts);
    const coupons = new CouponService(f.db, f.clock, f.outbox);
    coupons.subscribeToOrders(f.orders);
    const offer = await f.offers.create(f.show.id, f.product, { showPrice: 799, quantity: 50, durationSeconds: 3 * 3600, pin: true });
    const buyers = async (n: number) => (await insertBuyers(f, n)).map((a) => a.id);
    return { ...f, coupons, offer, buyers };
  }

  it("expires exactly N minutes after the drop", async () => {
    const f = await setup();
    const [a, b] = await f.buyers(2);
    const coupon = await f.coupons.drop(f.show.id, f.host.id, { code: "live10", percentBp: 1000, minutes: 10 });
    expect(coupon).toMatchObject({ code: "LIVE10", status: "active", expiresAt: "2026-06-01T18:10:00.000Z" });
    f.clock.advance(10 * 60_000 - 1);
    expect(await code(f.coupons.claim(f.show.id, "Live10", a))).toBe("ok");
    f.clock.advance(1);
    expect(await code(f.coupons.claim(f.show.id, "LIVE10", b))).toBe("coupon_expired");
    expect((await f.coupons.coupon(coupon.id)).status).toBe("expired");
  });

  it("gives the M-th claim and refuses the M+1-th under 40 concurrent claims", async () => {
    const f = await setup();
    const accounts = await f.buyers(40);
    const coupon = await f.coupons.drop(f.show.id, f.host.id, { code: "FIRST7", amount: 200, minutes: 5, maxClaims: 7 });
    const results = await Promise.all(accounts.map((id) => code(f.coupons.claim(f.show.id, "FIRST7", id))));
    expect(results.filter((r) => r === "ok")).toHaveLength(7);
    expect(results.filter((r) => r === "coupon_exhausted")).toHaveLength(33);
    expect(await f.coupons.coupon(coupon.id)).toMatchObject({ claims: 7, status: "exhausted" });
    const rows = await f.db.selectFrom("coupon_claims").select("account_id").where("coupon_id", "=", coupon.id).execute();
    expect(rows).toHaveLength(7);
  });

  it("lets an account claim and use a coupon once", async () => {
    const f = await setup();
    const [a] = await f.buyers(1);
    await f.coupons.drop(f.show.id, f.host.id, { code: "ONCE", percentBp: 500, minutes: 5 });
    const first = await f.coupons.claim(f.show.id, "ONCE", a);
    const again = await f.coupons.claim(f.show.id, "once", a);
    expect(again).toMatchObject({ replayed: true, claimedAt: first.claimedAt });
    expect((await f.coupons.coupon(first.coupon.id)).claims).toBe(1);
    expect(await code(f.orders.placeOrder(orderBody(f.offer.id, { coupon: "ONCE" }), "key-once-1", { accountId: a }))).toBe("ok");
    expect(await code(f.orders.placeOrder(orderBody(f.offer.id, { coupon: "ONCE" }), "key-once-2", { accountId: a }))).toBe("coupon_already_used");
    expect(await code(f.coupons.claim(f.show.id, "ONCE", a))).toBe("coupon_already_used");
    // The refused order left no trace: its stock decrement rolled back with it.
    expect((await f.offers.offer(f.offer.id)).remaining).toBe(49);
  });

  it("previews the discount and total an order would get, under the order's rules, and claims nothing", async () => {
    const f = await setup();
    const [a, b, c] = await f.buyers(3);
    const coupon = await f.coupons.drop(f.show.id, f.host.id, { code: "PEEK15", percentBp: 1500, minutes: 5, maxClaims: 1 });
    const offer = await f.offers.offer(f.offer.id);
    // 3 × 7.99 = 23.97; 15 % = 359.55 → 359 (rounded down, as at order time).
    expect(await f.coupons.preview(offer, "peek15", 3, a)).toEqual({
      offerId: offer.id,
      couponId: coupon.id,
      code: "PEEK15",
      kind: "percent",
      percentBp: 1500,
      quantity: 3,
      gross: 2397,
      discount: 359,
      total: 2038,
      currency: "EUR",
    });
    expect((await f.coupons.coupon(coupon.id)).claims).toBe(0);
    expect(await code(f.coupons.preview(offer, "NOPE", 1, a))).toBe("coupon_invalid");
    // The order records exactly what the preview showed.
    const { order } = await f.orders.placeOrder(orderBody(f.offer.id, { quantity: 3, coupon: "PEEK15" }), "key-peek-1", { accountId: a });
    expect(order.total).toBe(2038);
    expect(await code(f.coupons.preview(offer, "PEEK15", 1, a))).toBe("coupon_already_used");
    expect(await code(f.coupons.preview(offer, "PEEK15", 1, b))).toBe("coupon_exhausted"); // its one claim is taken
    await f.coupons.drop(f.show.id, f.host.id, { code: "EUR2", amount: 200, minutes: 5 });
    await f.coupons.claim(f.show.id, "EUR2", c);
    f.clock.advance(5 * 60_000);
    expect(await code(f.coupons.preview(offer, "EUR2", 1, b))).toBe("coupon_expired"); // not claimed in time
    expect((await f.coupons.preview(offer, "EUR2", 1, c)).total).toBe(599); // claimed in time: the grace applies
    f.clock.advance(CLAIM_USE_GRACE_MS);
    expect(await code(f.coupons.preview(offer, "EUR2", 1, c))).toBe("coupon_expired");
  });

  it("uses a coupon on one of two concurrent orders of the same account", async () => {
    const f = await setup();
    const [a] = await f.buyers(1);
    await f.coupons.drop(f.show.id, f.host.id, { code: "RACE", percentBp: 500, minutes: 5 });
    const results = await Promise.all(
      [0, 1, 2, 3].map((i) => code(f.orders.placeOrder(orderBody(f.offer.id, { coupon: "RACE" }), `key-race-${i}`, { accountId: a }))),
    );
    expect(results.filter((r) => r === "ok")).toHaveLength(1);
    expect(results.filter((r) => r === "coupon_already_used")).toHaveLength(3);
    const discounts = await f.db
      .selectFrom("order_discounts")
      .innerJoin("orders", "orders.id", "order_discounts.order_id")
      .select("order_id")
      .where("orders.offer_id", "=", f.offer.id)
      .execute();
    expect(discounts).toHaveLength(1);
  });

  it("takes the discount off the total, and VAT and commission follow the discounted total", async () => {
    const f = await setup({ commissionBp: 1000 });
    const [a, b] = await f.buyers(2);
    await f.coupons.drop(f.show.id, f.host.id, { code: "TENOFF", percentBp: 1000, minutes: 5 });
    await f.coupons.drop(f.show.id, f.host.id, { code: "FIVEEUR", amount: 500, minutes: 5 });
    const { order } = await f.orders.placeOrder(orderBody(f.offer.id, { quantity: 3, coupon: "tenoff" }), "key-disc-1", { accountId: a });
    // 3 × 7.99 = 23.97; 10 % = 2.397 → 2.39 off (rounded down) → 21.58
    expect(order).toMatchObject({ status: "paid", unitPrice: 799, total: 2158 });
    expect(order.vat).toBe(vatIncluded(2158, order.vatRateBp));
    expect(await f.coupons.orderDiscount(order.id)).toMatchObject({
      code: "TENOFF",
      kind: "percent",
      percentBp: 1000,
      gross: 2397,
      amount: 239,
      currency: "EUR",
    });
    expect((await f.orders.order(order.id)).total).toBe(2158);
    // Commission 10 % of the discounted 21.58, rounded down.
    expect(await f.commissions.showCommission(f.show.id)).toBe(215);

    const fixed = (await f.orders.placeOrder(orderBody(f.offer.id, { coupon: "FIVEEUR" }), "key-disc-2", { accountId: b })).order;
    expect(fixed.total).toBe(299);
    expect(await f.commissions.showCommission(f.show.id)).toBe(215 + 29);
    // The same key and body replay the same order; the coupon is not applied twice.
    const replay = await f.orders.placeOrder(orderBody(f.offer.id, { coupon: "FIVEEUR" }), "key-disc-2", { accountId: b });
    expect(replay).toMatchObject({ replayed: true, order: { id: fixed.id, total: 299 } });
  });

  it("refunds a discounted order pro rata and in full to the cent", async () => {
    const f = await setup();
    const [a] = await f.buyers(1);
    await f.coupons.drop(f.show.id, f.host.id, { code: "HALF", percentBp: 3333, minutes: 5 });
    const { order } = await f.orders.placeOrder(orderBody(f.offer.id, { quantity: 3, coupon: "HALF" }), "key-refund-1", { accountId: a });
    // 2397 − floor(2397 × 0.3333) = 2397 − 798 = 1599
    expect(order.total).toBe(1599);
    const partial = await f.orders.refund(order.id, { quantity: 1 });
    expect(partial.refundedAmount).toBe(533); // floor(1599 / 3)
    const full = await f.orders.refund(order.id);
    expect(full).toMatchObject({ status: "refunded", refundedAmount: 1599 });
    expect(await f.commissions.showCommission(f.show.id)).toBe(0);
  });

  it("frees a claim whose order lapsed, and honours a claim at checkout for a while after the window", async () => {
    const f = await setup();
    const [a] = await f.buyers(1);
    await f.coupons.drop(f.show.id, f.host.id, { code: "AGAIN", percentBp: 1000, minutes: 2 });
    const hold = (await f.orders.placeOrder(orderBody(f.offer.id, { coupon: "AGAIN", payment: undefined }), "key-again-1", { accountId: a })).order;
    expect(hold).toMatchObject({ status: "pending_payment", total: 720 });
    await f.orders.cancel(hold.id);
    // Past the claim window, within the grace: the claim made in time still applies.
    f.clock.advance(2 * 60_000 + CLAIM_USE_GRACE_MS - 1);
    expect((await f.orders.placeOrder(orderBody(f.offer.id, { coupon: "AGAIN" }), "key-again-2", { accountId: a })).order.total).toBe(720);
    const [b] = await f.buyers(1);
    expect(await code(f.orders.placeOrder(orderBody(f.offer.id, { coupon: "AGAIN" }), "key-again-3", { accountId: b }))).toBe("coupon_expired");
  });

  it("explains codes that do not apply", async () => {
    const f = await setup();
    const [a] = await f.buyers(1);
    await f.coupons.drop(f.show.id, f.host.id, { code: "USD5", amount: 500, currency: "USD", minutes: 5 });
    expect(await code(f.orders.placeOrder(orderBody(f.offer.id, { coupon: "NOPE" }), "key-inv-1", { accountId: a }))).toBe("coupon_invalid");
    expect(await code(f.orders.placeOrder(orderBody(f.offer.id, { coupon: "USD5" }), "key-inv-2", { accountId: a }))).toBe("coupon_invalid");
    expect(await code(f.orders.placeOrder(orderBody(f.offer.id, { coupon: "USD5" }), "key-inv-3"))).toBe("coupon_invalid");
    const ended = await f.coupons.drop(f.show.id, f.host.id, { code: "ENDED", percentBp: 100, minutes: 5 });
    await f.coupons.end(ended.id);
    expect(await code(f.coupons.claim(f.show.id, "ENDED", a))).toBe("coupon_expired");
    expect(await code(f.coupons.drop(f.show.id, f.host.id, { code: "ended", percentBp: 100, minutes: 5 }))).toBe("conflict");
    expect((await f.offers.offer(f.offer.id)).remaining).toBe(50);
  });
});
