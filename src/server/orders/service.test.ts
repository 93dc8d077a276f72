import { afterEach, describe, expect, it } from "vitest";
import { backends, openTestDb } from "../../../test/support/db.js";
import { commerceFixture, orderBody } from "../../../test/support/fixtures.js";
import { commissionRulesBody } from "../../protocol/api.js";
import type { DbHandle } from "../db/index.js";
import { TEST_CARD_DECLINED } from "../payments/index.js";
import { AppError } from "../platform/errors.js";

const code = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (e: unknown) => (e instanceof AppError ? e.code : String(e)),
  );

describe.each(backends)("orders on %s", (backend) => {
  let handle: DbHandle;
  afterEach(async () => handle?.close());

  async function setup(quantity = 10, commissionBp = 1000) {
    handle = await openTestDb(backend);
    const f = await commerceFixture(handle, { commissionBp });
    const offer = await f.offers.create(f.show.id, f.product, { showPrice: 799, quantity, durationSeconds: 600, pin: true });
    return { ...f, offer };
  }

  it("never sells the 11th of 10 units under 50 concurrent checkouts", async () => {
    const f = await setup(10);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => code(f.orders.placeOrder(orderBody(f.offer.id), `key-concurrent-${i}`))));
    expect(results.filter((r) => r === "ok")).toHaveLength(10);
    expect(results.filter((r) => r === "sold_out")).toHaveLength(40);
    expect((await f.offers.offer(f.offer.id)).remaining).toBe(0);
    const paid = await f.db.selectFrom("orders").select("id").where("status", "=", "paid").execute();
    expect(paid).toHaveLength(10);
  });

  it("decides concurrent one-tap orders of one offer set-wise: every unit, order, history row and commission written once", async () => {
    const f = await setup(100, 1000);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        f.orders.placeOrder(orderBody(f.offer.id, { buyer: { name: `B${i}`, email: `b${i}@example.com` } }), `key-setwise-${i}`),
      ),
    );
    expect(results.every((r) => r.order.status === "paid")).toBe(true);
    expect((await f.offers.offer(f.offer.id)).remaining).toBe(70);
    expect(f.orders.tickStats().setWise).toBeGreaterThan(0);
    expect(f.orders.tickStats().fellBack).toBe(0);
    const paid = await f.db.selectFrom("orders").select(["id", "total"]).where("status", "=", "paid").execute();
    expect(paid).toHaveLength(30);
    for (const r of results) {
      const history = (await f.orders.history(r.order.id)).map((h) => h.type);
      expect(history).toEqual(["created", "paid"]);
    }
    // 30 × 799 × 10 %, rounded down per order.
    expect(await f.commissions.showCommission(f.show.id)).toBe(30 * 79);
  });

  it("gives each order of a confirmation tick the commission tier of the revenue paid before it, not after", async () => {
    const f = await setup(100, 1000);
    // 10 % until the show has taken 10 × 799, then 20 %, of the net (799 less 19 % VAT included = 671): of 20 orders,
    // the first ten in confirmation order earn 67 each and the last ten 134, however the ticks group them (one
    // statement marks a tick's orders paid).
    await f.commissions.publishRuleSet(
      f.merchant.id,
      commissionRulesBody.parse({ percentBp: 1000, tiers: [{ fromRevenue: 10 * 799, percentBp: 2000 }], payoutMinimum: 1 }),
      null,
    );
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        f.orders.placeOrder(orderBody(f.offer.id, { buyer: { name: `T${i}`, email: `t${i}@example.com` } }), `key-tier-${i}`),
      ),
    );
    expect(results.every((r) => r.order.status === "paid")).toBe(true);
    expect(f.orders.tickStats().setWise).toBeGreaterThan(0);
    expect(await f.commissions.showCommission(f.show.id)).toBe(10 * 67 + 10 * 134);
  });

  it("sells the last units of a tick that wants more than are left set-wise: each attempt in turn while they last", async () => {
    const f = await setup(5);
    // Attempts wanting more in all than the 5 units; on PostgreSQL they reach the tick in any order (each looks its key
    // up first), and on a loaded machine they may even reach it one at a time: rounds on a fresh offer, each checked in
    // full, until one had several attempts in a tick (the set-wise case this is about).
    for (let round = 0; round < 6 && f.orders.tickStats().setWise === 0; round++) {
      const offer = round === 0 ? f.offer : await f.offers.create(f.show.id, f.product, { showPrice: 799, quantity: 5, durationSeconds: 600, pin: true });
      const quantities = [2, 2, 2, 1, 1, 1];
      const results = await Promise.all(
        quantities.map((quantity, i) =>
          code(
            f.orders.placeOrder(orderBody(offer.id, { quantity, buyer: { name: `L${i}`, email: `last${round}-${i}@example.com` } }), `key-last-${round}-${i}`),
          ),
        ),
      );
      expect(results.every((r) => r === "ok" || r === "sold_out")).toBe(true);
      const sold = quantities.reduce((sum, q, i) => sum + (results[i] === "ok" ? q : 0), 0);
      const { remaining } = await f.offers.offer(offer.id);
      expect(sold + remaining).toBe(5);
      // In turn: an attempt was refused only when fewer units were left than it wanted, and units only ever decrease.
      for (const [i, q] of quantities.entries()) if (results[i] === "sold_out") expect(q).toBeGreaterThan(remaining);
      const paid = await f.db.selectFrom("orders").select(["quantity"]).where("status", "=", "paid").where("offer_id", "=", offer.id).execute();
      expect(paid.reduce((sum, o) => sum + o.quantity, 0)).toBe(sold);
      expect(f.orders.tickStats()).toMatchObject({ fellBack: 0 });
    }
    expect(f.orders.tickStats().setWise).toBeGreaterThan(0);
  });

  it("holds the per-buyer limit across the attempts of one tick, and gives the refused units back", async () => {
    const s = await setup(10);
    const offer = await s.offers.create(s.show.id, s.product, { showPrice: 799, quantity: 20, durationSeconds: 600, pin: true, perBuyerLimit: 2 });
    // Holds (the one test card would make every one-tap buyer the same): eight by one buyer (same email) and four by
    // others, in one turn of the event loop: one tick.
    const bodies = [
      ...Array.from({ length: 8 }, () => orderBody(offer.id, { payment: undefined })),
      ...Array.from({ length: 4 }, (_, i) => orderBody(offer.id, { payment: undefined, buyer: { name: `O${i}`, email: `other${i}@example.com` } })),
    ];
    const results = await Promise.all(bodies.map((b, i) => code(s.orders.placeOrder(b, `key-limit-tick-${i}`))));
    expect(results.slice(0, 8).filter((r) => r === "ok")).toHaveLength(2);
    expect(results.slice(0, 8).filter((r) => r === "limit_exceeded")).toHaveLength(6);
    expect(results.slice(8)).toEqual(["ok", "ok", "ok", "ok"]);
    // 12 units taken by the tick's one UPDATE, the 6 refused given back: 20 − 6 held.
    expect((await s.offers.offer(offer.id)).remaining).toBe(14);
    expect(s.orders.tickStats()).toMatchObject({ fellBack: 0 });
    expect(s.orders.tickStats().setWise).toBeGreaterThan(0);
  });

  it("prices the order at the show price and writes the host's commission, rounded down to the cent", async () => {
    const f = await setup(10, 1250);
    const { order } = await f.orders.placeOrder(orderBody(f.offer.id, { quantity: 3 }), "key-commission-1");
    expect(order).toMatchObject({ status: "paid", unitPrice: 799, total: 2397, currency: "EUR", quantity: 3 });
    // 2397 × 12.5 % = 299.625 → 299
    expect(await f.commissions.showCommission(f.show.id)).toBe(299);
    expect(await f.commissions.hostBalance(f.host.id)).toBe(299);
  });

  it("replays the same order for the same key and body, and refuses the key with another body", async () => {
    const f = await setup(10);
    const first = await f.orders.placeOrder(orderBody(f.offer.id), "key-replay-1");
    const again = await f.orders.placeOrder(orderBody(f.offer.id), "key-replay-1");
    expect(again.replayed).toBe(true);
    expect(again.order.id).toBe(first.order.id);
    expect((await f.offers.offer(f.offer.id)).remaining).toBe(9);
    expect(await code(f.orders.placeOrder(orderBody(f.offer.id, { quantity: 2 }), "key-replay-1"))).toBe("idempotency_mismatch");
  });

  it("forgets an Idempotency-Key after 24 hours: the same key then places a new order", async () => {
    const s = await setup(10);
    // An offer that outlasts the two days this test moves the clock by.
    const f = { ...s, offer: await s.offers.create(s.show.id, s.product, { showPrice: 799, quantity: 10, durationSeconds: 7 * 24 * 3600, pin: true }) };
    const first = await f.orders.placeOrder(orderBody(f.offer.id), "key-ttl-1");
    f.clock.advance(23 * 3600_000);
    expect((await f.orders.placeOrder(orderBody(f.offer.id), "key-ttl-1")).order.id).toBe(first.order.id);
    f.clock.advance(3600_000);
    const again = await f.orders.placeOrder(orderBody(f.offer.id, { quantity: 2 }), "key-ttl-1");
    expect(again.replayed).toBe(false);
    expect(again.order.id).not.toBe(first.order.id);
    // The sweeper retires keys in bulk too; the first order itself is untouched.
    f.clock.advance(25 * 3600_000);
    expect(await f.orders.retireOldIdempotencyKeys()).toBe(1);
    expect((await f.orders.order(first.order.id)).status).toBe("paid");
    expect((await f.offers.offer(f.offer.id)).remaining).toBe(7);
  });

  it("creates one order when the same key races itself", async () => {
    const f = await setup(10);
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => f.orders.placeOrder(orderBody(f.offer.id), "key-race-1")));
    const ids = new Set(results.flatMap((r) => (r.status === "fulfilled" ? [r.value.order.id] : [])));
    expect(ids.size).toBe(1);
    for (const r of results) if (r.status === "rejected") expect((r.reason as AppError).code).toBe("idempotency_in_progress");
    expect((await f.offers.offer(f.offer.id)).remaining).toBe(9);
  });

  it("restores stock when the card is declined, and replays the decline", async () => {
    const f = await setup(2);
    const body = orderBody(f.offer.id, { payment: { method: "test_card", number: TEST_CARD_DECLINED } });
    expect(await code(f.orders.placeOrder(body, "key-decline-1"))).toBe("payment_declined");
    expect((await f.offers.offer(f.offer.id)).remaining).toBe(2);
    expect(await code(f.orders.placeOrder(body, "key-decline-1"))).toBe("payment_declined");
    expect(await f.commissions.showCommission(f.show.id)).toBe(0);
  });

  it("refuses offers that are not pinned, not yet started or already over", async () => {
    const f = await setup(5);
    await f.offers.setPinned(f.offer.id, false);
    expect(await code(f.orders.placeOrder(orderBody(f.offer.id), "key-inactive-1"))).toBe("offer_not_active");
    await f.offers.setPinned(f.offer.id, true);
    f.clock.advance(601_000);
    expect(await code(f.orders.placeOrder(orderBody(f.offer.id), "key-inactive-2"))).toBe("offer_not_active");
    expect(await f.offers.closeExpired()).toBe(1);
    expect((await f.offers.offer(f.offer.id)).status).toBe("ended");
    expect(await code(f.orders.placeOrder(orderBody("ofr_doesnotexist"), "key-inactive-3"))).toBe("not_found");
  });

  it("sells an open offer that is not pinned while live (unless it sells only while pinned) and from the replay", async () => {
    const f = await setup(5);
    const other = await f.offers.create(f.show.id, f.product, { showPrice: 500, quantity: 3, durationSeconds: 600 });
    expect(await code(f.orders.placeOrder(orderBody(other.id), "key-replay-rule-0"))).toBe("offer_not_active"); // scheduled: only the pinned card
    await f.shows.setStatus(f.show.id, "live");
    expect((await f.orders.placeOrder(orderBody(other.id), "key-replay-rule-1")).order.status).toBe("paid");
    await f.db.updateTable("offers").set({ sells_only_while_pinned: true }).where("id", "=", other.id).execute();
    expect(await code(f.orders.placeOrder(orderBody(other.id), "key-replay-rule-1b"))).toBe("offer_not_pinned");
    await f.shows.setStatus(f.show.id, "offline");
    const { order } = await f.orders.placeOrder(orderBody(other.id), "key-replay-rule-2");
    expect(order).toMatchObject({ status: "paid", unitPrice: 500 });
    // Closed or expired offers stay unsellable after the show too.
    await f.offers.end(other.id);
    expect(await code(f.orders.placeOrder(orderBody(other.id), "key-replay-rule-3"))).toBe("offer_not_active");
  });

  it("asks for more than is left → sold_out, with the count left", async () => {
    const f = await setup(3);
    await f.orders.placeOrder(orderBody(f.offer.id, { quantity: 2 }), "key-short-1");
    expect(await code(f.orders.placeOrder(orderBody(f.offer.id, { quantity: 2 }), "key-short-2"))).toBe("sold_out");
    const { order } = await f.orders.placeOrder(orderBody(f.offer.id, { quantity: 1 }), "key-short-3");
    expect(order.status).toBe("paid");
  });

  it("expires one-tap orders stuck in pending_payment after a crash and gives their units back", async () => {
    const f = await setup(5);
    await f.db.transaction().execute(async (tx) => {
      await f.offers.inventory.reserve(tx, { kind: "offer", offerId: f.offer.id }, 2, f.outbox.batch());
      const now = f.clock.now();
      const lock = new Date(now.getTime() + 60_000);
      await tx
        .insertInto("orders")
        .values({
          id: "ord_stuck",
          offer_id: f.offer.id,
          show_id: f.show.id,
          quantity: 2,
          unit_price: 799,
          total: 1598,
          currency: "EUR",
          buyer_name: "x",
          buyer_email: "x@x.de",
          shipping: "{}",
          status: "pending_payment",
          payment_ref: null,
          idempotency_key: "key-stuck",
          request_hash: "h",
          hold_expires_at: lock,
          payment_lock_until: lock,
          created_at: now,
          updated_at: now,
        })
        .execute();
    });
    expect((await f.offers.offer(f.offer.id)).remaining).toBe(3);
    expect(await f.orders.expireHolds()).toBe(0);
    f.clock.advance(61_000);
    expect(await f.orders.expireHolds()).toBe(1);
    expect((await f.offers.offer(f.offer.id)).remaining).toBe(5);
    expect((await f.orders.order("ord_stuck")).status).toBe("expired");
  });

  it("holds units for the checkout timer, confirms on payment, and keeps the hold after a declined card", async () => {
    const f = await setup(3);
    const { payment: _, ...hold } = orderBody(f.offer.id, { quantity: 2 });
    const { order } = await f.orders.placeOrder(hold, "key-hold-1");
    expect(order.status).toBe("pending_payment");
    expect(order.holdExpiresAt).toBe(new Date(f.clock.now().getTime() + 5 * 60_000).toISOString());
    expect((await f.offers.offer(f.offer.id)).remaining).toBe(1);
    // Same key, same body: the same hold.
    expect((await f.orders.placeOrder(hold, "key-hold-1")).order.id).toBe(order.id);
    expect(await code(f.orders.pay(order.id, { number: TEST_CARD_DECLINED }))).toBe("payment_declined");
    expect((await f.orders.order(order.id)).status).toBe("pending_payment");
    expect((await f.offers.offer(f.offer.id)).remaining).toBe(1);
    f.clock.advance(4 * 60_000);
    const paid = await f.orders.pay(order.id, { number: "4242424242424242" });
    expect(paid).toMatchObject({ status: "paid", holdExpiresAt: null, total: 1598 });
    expect((await f.orders.pay(order.id, { number: "4242424242424242" })).status).toBe("paid"); // paying twice: same order
    expect(await f.commissions.showCommission(f.show.id)).toBe(159);
    f.clock.advance(10 * 60_000);
    expect(await f.orders.expireHolds()).toBe(0);
    expect((await f.offers.offer(f.offer.id)).remaining).toBe(1);
  });

  it("puts the units of a lapsed or abandoned hold back on sale, and refuses to pay it then", async () => {
    const f = await setup(2);
    const { payment: _, ...hold } = orderBody(f.offer.id);
    const a = (await f.orders.placeOrder(hold, "key-lapse-1")).order;
    const b = (await f.orders.placeOrder(hold, "key-lapse-2")).order;
    expect(await code(f.orders.placeOrder(hold, "key-lapse-3"))).toBe("sold_out");
    expect((await f.orders.cancel(b.id)).status).toBe("cancelled");
    expect((await f.offers.offer(f.offer.id)).remaining).toBe(1);
    f.clock.advance(5 * 60_000);
    expect(await f.orders.expireHolds()).toBe(1);
    expect((await f.orders.order(a.id)).status).toBe("expired");
    expect((await f.offers.offer(f.offer.id)).remaining).toBe(2);
    expect(await code(f.orders.pay(a.id, { number: "4242424242424242" }))).toBe("hold_expired");
    expect(await code(f.orders.cancel(a.id))).toBe("conflict");
  });

  it("charges a held order once when two payments race", async () => {
    const f = await setup(1);
    const { payment: _, ...hold } = orderBody(f.offer.id);
    const { order } = await f.orders.placeOrder(hold, "key-race-pay");
    const results = await Promise.all([1, 2, 3].map(() => code(f.orders.pay(order.id, { number: "4242424242424242" }))));
    expect(results.filter((r) => r === "ok").length).toBeGreaterThanOrEqual(1);
    for (const r of results) expect(["ok", "idempotency_in_progress"]).toContain(r);
    const entries = await f.db.selectFrom("ledger_entries").select("id").where("order_id", "=", order.id).execute();
    expect(entries).toHaveLength(1);
  });
});
