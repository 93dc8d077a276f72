import { afterEach, describe, expect, it } from "vitest";
import { backends, openTestDb } from "../../../test/support/db.js";
import { commerceFixture, orderBody } from "../../../test/support/fixtures.js";
import type { DbHandle } from "../db/index.js";
import { AppError } from "../platform/errors.js";

const code = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (e: unknown) => (e instanceof AppError ? e.code : String(e)),
  );

describe.each(backends)("order lifecycle on %s", (backend) => {
  let handle: DbHandle;
  afterEach(async () => handle?.close());

  async function setup(quantity = 10, commissionBp = 1000) {
    handle = await openTestDb(backend);
    const f = await commerceFixture(handle, { commissionBp });
    const offer = await f.offers.create(f.show.id, f.product, { showPrice: 999, quantity, durationSeconds: 600, pin: true });
    return { ...f, offer };
  }
  const ledgerSum = async (f: Awaited<ReturnType<typeof setup>>, orderId: string) =>
    (await f.db.selectFrom("ledger_entries").select("amount").where("order_id", "=", orderId).execute()).reduce((s, e) => s + Number(e.amount), 0);

  it("refunds before shipping put the units back and reverse the commission to exactly zero", async () => {
    const f = await setup(10, 1250);
    const { order } = await f.orders.placeOrder(orderBody(f.offer.id, { quantity: 3 }), "key-life-1");
    expect(await ledgerSum(f, order.id)).toBe(374); // floor(2997 × 12.5 %)
    const partial = await f.orders.refund(order.id, { quantity: 1 });
    expect(partial).toMatchObject({ status: "paid", refundedQuantity: 1, refundedAmount: 999 });
    expect((await f.offers.offer(f.offer.id)).remaining).toBe(8);
    expect(await ledgerSum(f, order.id)).toBe(374 - 124); // floor(999 × 12.5 %) = 124
    const rest = await f.orders.refund(order.id);
    expect(rest).toMatchObject({ status: "refunded", refundedQuantity: 3, refundedAmount: 2997 });
    expect((await f.offers.offer(f.offer.id)).remaining).toBe(10);
    expect(await ledgerSum(f, order.id)).toBe(0);
    expect(await code(f.orders.refund(order.id))).toBe("conflict");
    expect(await f.orders.showSales(f.show.id)).toEqual({ unitsSold: 0, revenue: 0 });
  });

  it("ships, delivers and refunds after delivery without restocking; every step is in the history", async () => {
    const f = await setup(5);
    const { order } = await f.orders.placeOrder(orderBody(f.offer.id, { quantity: 2 }), "key-life-2");
    expect(await code(f.orders.deliver(order.id))).toBe("conflict");
    const shipped = await f.orders.fulfil(order.id, { carrier: "DHL", trackingNumber: "JD0001" });
    expect(shipped).toMatchObject({ status: "fulfilled", shipment: { carrier: "DHL", trackingNumber: "JD0001" } });
    expect(await code(f.orders.fulfil(order.id, { carrier: "DHL", trackingNumber: "x" }))).toBe("conflict");
    expect((await f.orders.deliver(order.id)).status).toBe("delivered");
    await f.orders.refund(order.id, { quantity: 2, reason: "returned" });
    expect((await f.offers.offer(f.offer.id)).remaining).toBe(3); // shipped goods do not go back on sale
    expect((await f.orders.history(order.id)).map((e) => e.type)).toEqual(["created", "paid", "fulfilled", "delivered", "refunded"]);
    expect(await code(f.orders.refund(order.id, { quantity: 1 }))).toBe("conflict");
  });

  it("refuses to refund more units than are left", async () => {
    const f = await setup(5);
    const { order } = await f.orders.placeOrder(orderBody(f.offer.id, { quantity: 2 }), "key-life-3");
    expect(await code(f.orders.refund(order.id, { quantity: 3 }))).toBe("invalid_body");
    expect((await f.orders.order(order.id)).refundedQuantity).toBe(0);
  });

  it("sends confirmation, shipping, gift and refund emails through the outbox", async () => {
    const f = await setup(5);
    const sent: { to: string; subject: string; text: string }[] = [];
    f.outbox.handle("email.send", async (m) => void sent.push(m));
    const gift = { message: "Happy birthday, Oma!", notifyEmail: "oma@example.com" };
    const { order } = await f.orders.placeOrder(
      orderBody(f.offer.id, { gift, shipping: { name: "Oma Erna", line1: "Dorfstr. 2", postalCode: "01234", city: "Dresden", country: "DE" } }),
      "key-life-4",
    );
    expect(order.gift).toEqual(gift);
    await f.orders.fulfil(order.id, { carrier: "DHL", trackingNumber: "JD0002" });
    await f.orders.refund(order.id);
    await f.outbox.processDue();
    // English (the order body named no language), naming the product.
    const title = f.offer.title;
    expect(sent.map((m) => [m.to, m.subject])).toEqual([
      ["ada@example.com", `Your Showcart order: ${title}`],
      ["ada@example.com", `Your Showcart order is on its way: ${title}`],
      ["oma@example.com", "A present is on its way to you"],
      ["ada@example.com", `Refund for your Showcart order: ${title}`],
    ]);
    expect(sent[2]!.text).toContain("Happy birthday, Oma!");
    expect(sent[2]!.text).not.toMatch(/€|EUR/); // the recipient does not see prices
  });
});
