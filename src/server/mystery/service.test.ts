import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, openTestDb } from "../../../test/support/db.js";
import { commerceFixture, orderBody } from "../../../test/support/fixtures.js";
import { outcome as code } from "../../../test/support/game-fixtures.js";
import type { OrderView } from "../../protocol/api.js";
import { fromHex } from "../../protocol/fairness.js";
import { drawMysteryUnit } from "../../protocol/mystery-draw.js";
import type { DbHandle } from "../db/index.js";
import { MysteryService, nodeFairnessCrypto } from "./service.js";

// One database per backend (migrations are the slow part); every test has its own merchant, show and pool.
describe.each(backends)("mystery pools on %s", { timeout: 120_000 }, (backend) => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await openTestDb(backend);
  }, 120_000);
  afterAll(async () => handle?.close());

  async function setup(quantities: [number, number, number] = [3, 5, 2], odds: [number, number, number] = [2000, 3000, 5000]) {
    const f = await commerceFixture(handle);
    const mystery = new MysteryService(f.db, f.clock, f.outbox, f.offers);
    mystery.subscribeToOrders(f.orders);
    const product = (title: string) =>
      f.catalog.createProduct({ merchantId: f.merchant.id, title, description: "", imageUrl: "", price: 2000, currency: "EUR" });
    const items = [await product("Gold pin"), await product("Tote bag"), await product("Sticker")].map((p, i) => ({
      product: p,
      oddsBp: odds[i],
      quantity: quantities[i],
    }));
    const odds_events: unknown[] = [];
    f.bus.subscribe("mystery.odds", (e) => void odds_events.push(e));
    const pool = await mystery.create(f.show.id, f.host.id, { title: "Surprise bag", showPrice: 999, durationSeconds: 3600, pin: true }, items);
    return { ...f, mystery, pool, odds_events };
  }

  it("refuses odds that do not sum to 10 000 basis points", async () => {
    const f = await commerceFixture(handle);
    const mystery = new MysteryService(f.db, f.clock, f.outbox, f.offers);
    const items = [5000, 4999].map((oddsBp) => ({ product: f.product, oddsBp, quantity: 1 }));
    await expect(mystery.create(f.show.id, f.host.id, { title: "Bad", showPrice: 100, durationSeconds: 60 }, items)).rejects.toMatchObject({
      code: "invalid_body",
      message: expect.stringMatching(/9999/),
    });
  });

  it("publishes the commitment and the odds before anyone buys", async () => {
    const f = await setup();
    expect(f.pool).toMatchObject({ status: "open", oddsVersion: 1, seed: null, soldOut: false, adultOnly: false });
    expect(f.pool.commitment).toMatch(/^[0-9a-f]{64}$/);
    expect(f.pool.items.map((i) => [i.title, i.oddsBp, i.currentOddsBp, i.remaining])).toEqual([
      ["Gold pin", 2000, 2000, 3],
      ["Tote bag", 3000, 3000, 5],
      ["Sticker", 5000, 5000, 2],
    ]);
    const offer = await f.offers.offer(f.pool.offerId);
    expect(offer).toMatchObject({ title: "Surprise bag", showPrice: 999, quantity: 10, pinned: true });
  });

  it("never draws an item past its stock under 30 concurrent paid orders, renormalises, and every draw re-runs from the revealed seed", async () => {
    const f = await setup();
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => code(f.orders.placeOrder(orderBody(f.pool.offerId), `key-mys-${i}`))));
    expect(results.filter((r) => r === "ok")).toHaveLength(10);
    expect(results.filter((r) => r === "sold_out")).toHaveLength(20);

    const audit = await f.mystery.audit(f.pool.id);
    expect(audit.draws).toHaveLength(10);
    const perItem = new Map<string, number>();
    for (const d of audit.draws) perItem.set(d.itemId, (perItem.get(d.itemId) ?? 0) + 1);
    // Every unit of every item went out exactly once: no item drawn past its stock.
    expect(f.pool.items.map((i) => perItem.get(i.id))).toEqual([3, 5, 2]);
    const after = await f.mystery.pool(f.pool.id);
    expect(after.items.every((i) => i.remaining === 0 && i.currentOddsBp === 0)).toBe(true);
    expect(after.soldOut).toBe(true);
    // Three items ran out: versions 1 (all), 2 and 3 (renormalised), 4 (empty); each published as mystery.odds.
    expect(audit.versions.map((v) => v.items.length)).toEqual([3, 2, 1, 0]);
    expect(after.oddsVersion).toBe(4);
    expect(f.odds_events.length).toBe(3);

    // The seed stays secret while the pool is open.
    expect(after.seed).toBeNull();
    const closed = await f.mystery.close(f.pool.id);
    expect(closed.status).toBe("closed");
    expect(closed.seed).toMatch(/^[0-9a-f]{64}$/);
    const seed = fromHex(closed.seed as string);
    expect(await nodeFairnessCrypto.sha256(seed).then((h) => Buffer.from(h).toString("hex"))).toBe(f.pool.commitment);
    for (const d of audit.draws) {
      const version = audit.versions.find((v) => v.version === d.oddsVersion);
      const again = await drawMysteryUnit(seed, d.orderId, d.unit, version?.items ?? [], nodeFairnessCrypto);
      expect({ item: again.item.id, ticket: again.ticket, hmac: again.hmac }).toEqual({ item: d.itemId, ticket: d.ticket, hmac: d.hmac });
    }
  });

  it("shows the renormalised odds when an item runs out", async () => {
    // Sticker (50 %) has one unit; the draws that follow use Gold 2000 : Tote 3000 → 40 % : 60 %.
    const f = await setup([20, 20, 1]);
    for (let i = 0; i < 40; i++) {
      await f.orders.placeOrder(orderBody(f.pool.offerId), `key-renorm-${i}`);
      const pool = await f.mystery.pool(f.pool.id);
      if (pool.items[2].remaining === 0) {
        expect(pool.items.map((x) => x.currentOddsBp)).toEqual([4000, 6000, 0]);
        expect(pool.oddsVersion).toBe(2);
        expect(f.odds_events).toEqual([
          {
            showId: f.show.id,
            poolId: f.pool.id,
            oddsVersion: 2,
            soldOut: false,
            items: pool.items.map((x) => ({ id: x.id, currentOddsBp: x.currentOddsBp, remaining: x.remaining })),
          },
        ]);
        return;
      }
    }
    throw new Error("the one sticker was never drawn in 40 orders at 50 %");
  });

  it("records what the buyer got on the order, one row per unit", async () => {
    const f = await setup();
    const { order } = await f.orders.placeOrder(orderBody(f.pool.offerId, { quantity: 3 }), "key-units");
    const draws = await f.mystery.drawsOfOrder(order.id);
    expect(draws.map((d) => d.unit)).toEqual([0, 1, 2]);
    expect(draws.every((d) => d.oddsVersion >= 1 && /^[0-9a-f]{64}$/.test(d.hmac) && d.title.length > 0)).toBe(true);
  });

  it("asks for the 18+ confirmation when the merchant switched it on, and stores it with the order", async () => {
    const f = await setup();
    await f.mystery.setSettings(f.merchant.id, true);
    expect((await f.mystery.pool(f.pool.id)).adultOnly).toBe(true);
    expect(await code(f.orders.placeOrder(orderBody(f.pool.offerId), "key-adult-1"))).toBe("invalid_body");
    const { order } = await f.orders.placeOrder(orderBody(f.pool.offerId, { ageConfirmed: true }), "key-adult-2");
    const row = await f.db.selectFrom("mystery_age_confirmations").selectAll().where("order_id", "=", order.id).executeTakeFirst();
    expect(row).toMatchObject({ pool_id: f.pool.id });
    // Ordinary offers of the same merchant are not affected.
    const plain = await f.offers.create(f.show.id, f.product, { showPrice: 500, quantity: 5, durationSeconds: 600, pin: true });
    expect(await code(f.orders.placeOrder(orderBody(plain.id), "key-adult-3"))).toBe("ok");
  });

  it("keeps the seed secret while a hold can still be paid", async () => {
    const f = await setup([1, 1, 1], [3000, 3000, 4000]);
    const paid = (await f.orders.placeOrder(orderBody(f.pool.offerId, { quantity: 2 }), "key-seed-1")).order;
    const hold = (await f.orders.placeOrder(orderBody(f.pool.offerId, { payment: undefined }), "key-seed-2")).order;
    await f.offers.end(f.pool.offerId);
    expect((await f.mystery.pool(f.pool.id)).seed).toBeNull();
    await f.orders.cancel(hold.id);
    expect((await f.mystery.pool(f.pool.id)).seed).toMatch(/^[0-9a-f]{64}$/);
    expect(paid.status).toBe("paid");
  });

  it("puts the drawn item of a unit refunded before shipping back in the pool, renormalises, and audits the return", async () => {
    const f = await setup([1, 1, 1], [3000, 3000, 4000]);
    const orders: OrderView[] = [];
    for (let i = 0; i < 3; i++) orders.push((await f.orders.placeOrder(orderBody(f.pool.offerId), `key-refund-${i}`)).order);
    expect((await f.mystery.pool(f.pool.id)).soldOut).toBe(true);
    const [drawn] = await f.mystery.drawsOfOrder(orders[0].id);
    const eventsBefore = f.odds_events.length;

    await f.orders.refund(orders[0].id, { reason: "changed mind" });
    expect((await f.offers.offer(f.pool.offerId)).remaining).toBe(1);
    const pool = await f.mystery.pool(f.pool.id);
    // The one item back in stock carries all the odds; the others stay at zero.
    expect(pool.items.map((i) => [i.id === drawn.itemId ? 1 : 0, i.remaining, i.currentOddsBp])).toEqual(
      pool.items.map((i) => (i.id === drawn.itemId ? [1, 1, 10_000] : [0, 0, 0])),
    );
    expect(pool.soldOut).toBe(false);
    expect(pool.oddsVersion).toBe(5); // 1 all, 2–4 as each ran out, 5 the item back
    expect(f.odds_events.slice(eventsBefore)).toEqual([
      {
        showId: f.show.id,
        poolId: f.pool.id,
        oddsVersion: 5,
        soldOut: false,
        items: pool.items.map((i) => ({ id: i.id, currentOddsBp: i.currentOddsBp, remaining: i.remaining })),
      },
    ]);
    const audit = await f.mystery.audit(f.pool.id);
    expect(audit.versions.at(-1)).toEqual({ version: 5, items: [{ id: drawn.itemId, oddsBp: pool.items.find((i) => i.id === drawn.itemId)?.oddsBp }] });
    expect(audit.draws.find((d) => d.orderId === orders[0].id)?.returnedAt).toBe(f.clock.now().toISOString());
    expect(audit.draws.filter((d) => d.returnedAt === null)).toHaveLength(2);
    const returns = await f.db.selectFrom("mystery_returns").selectAll().where("pool_id", "=", f.pool.id).execute();
    expect(returns).toMatchObject([{ order_id: orders[0].id, unit: 0, item_id: drawn.itemId, refund_id: `${orders[0].id}:refund:0`, odds_version: 5 }]);

    // The unit sells again and draws that item, with the new version.
    const again = (await f.orders.placeOrder(orderBody(f.pool.offerId), "key-refund-again")).order;
    expect(again.status).toBe("paid");
    expect(await f.mystery.drawsOfOrder(again.id)).toMatchObject([{ itemId: drawn.itemId, oddsVersion: 5, returnedAt: null }]);
    expect(await code(f.orders.placeOrder(orderBody(f.pool.offerId), "key-refund-x"))).toBe("sold_out");
  });

  it("returns only the refunded units of a partial refund, last drawn first, and nothing once shipped", async () => {
    const f = await setup([2, 2, 2], [3000, 3000, 4000]);
    const { order } = await f.orders.placeOrder(orderBody(f.pool.offerId, { quantity: 3 }), "key-partial");
    const draws = await f.mystery.drawsOfOrder(order.id);
    await f.orders.refund(order.id, { quantity: 1 });
    expect((await f.mystery.drawsOfOrder(order.id)).map((d) => d.returnedAt !== null)).toEqual([false, false, true]);
    const remaining = async () => (await f.mystery.pool(f.pool.id)).items.reduce((s, i) => s + i.remaining, 0);
    expect(await remaining()).toBe(4);
    expect((await f.mystery.pool(f.pool.id)).items.find((i) => i.id === draws[2].itemId)?.remaining).toBeGreaterThan(0);

    // Shipped: the refund gives money back but nothing returns to the pool or the offer.
    await f.orders.fulfil(order.id, { carrier: "DHL", trackingNumber: "T1" });
    await f.orders.refund(order.id);
    expect(await remaining()).toBe(4);
    expect((await f.mystery.drawsOfOrder(order.id)).map((d) => d.returnedAt !== null)).toEqual([false, false, true]);
  });
});
