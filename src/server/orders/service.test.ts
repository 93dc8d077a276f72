import { afterEach, describe, expect, it } from "vitest";
import { backends, openTestDb } from "../../../test/support/db.js";
import { commerceFixture, orderBody } from "../../../test/support/fixtures.js";
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

  it("asks for more than is left → sold_out, with the count left", async () => {
    const f = await setup(3);
    await f.orders.placeOrder(orderBody(f.offer.id, { quantity: 2 }), "key-short-1");
    expect(await code(f.orders.placeOrder(orderBody(f.offer.id, { quantity: 2 }), "key-short-2"))).toBe("sold_out");
    const { order } = await f.orders.placeOrder(orderBody(f.offer.id, { quantity: 1 }), "key-short-3");
    expect(order.status).toBe("paid");
  });

  it("fails orders stuck in pending_payment after a crash and gives their units back", async () => {
    const f = await setup(5);
    await f.db.transaction().execute(async (tx) => {
      await f.offers.take(tx, f.offer.id, 2);
      const now = f.clock.now();
      await tx
        .insertInto("orders")
        .values({ id: "ord_stuck", offer_id: f.offer.id, show_id: f.show.id, quantity: 2, unit_price: 799, total: 1598, currency: "EUR", buyer_name: "x", buyer_email: "x@x.de", shipping: "{}", status: "pending_payment", payment_ref: null, idempotency_key: "key-stuck", request_hash: "h", created_at: now, updated_at: now })
        .execute();
    });
    expect((await f.offers.offer(f.offer.id)).remaining).toBe(3);
    expect(await f.orders.recoverStalePending(60_000)).toBe(0);
    f.clock.advance(61_000);
    expect(await f.orders.recoverStalePending(60_000)).toBe(1);
    expect((await f.offers.offer(f.offer.id)).remaining).toBe(5);
    expect((await f.orders.order("ord_stuck")).status).toBe("payment_failed");
  });
});
