import { afterEach, describe, expect, it } from "vitest";
import { backends, openTestDb } from "../../../test/support/db.js";
import { commerceFixture, orderBody } from "../../../test/support/fixtures.js";
import type { DbHandle } from "../db/index.js";
import { TEST_CARD_OK, TestPaymentProvider } from "../payments/index.js";
import { AppError } from "../platform/errors.js";
import { BuyerService } from "./service.js";
import { defaultCardFingerprint } from "../orders/service.js";

const code = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (e: unknown) => (e instanceof AppError ? e.code : String(e)),
  );

// Another Luhn-valid Visa test number: a second card of the same guest.
const OTHER_CARD = "4000056655665556";

describe.each(backends)("per-buyer limits on %s", (backend) => {
  let handle: DbHandle;
  afterEach(async () => handle?.close());

  async function setup(perBuyerLimit = 2, quantity = 20) {
    handle = await openTestDb(backend);
    const f = await commerceFixture(handle);
    const offer = await f.offers.create(f.show.id, f.product, { showPrice: 500, quantity, durationSeconds: 600, pin: true, perBuyerLimit });
    return { ...f, offer };
  }

  it("never lets one guest email buy more than the limit under 10 concurrent one-tap orders", async () => {
    const f = await setup(2);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => code(f.orders.placeOrder(orderBody(f.offer.id), `lim-${i}`))));
    expect(results.filter((r) => r === "ok")).toHaveLength(2);
    expect(results.filter((r) => r === "limit_exceeded")).toHaveLength(8);
    expect((await f.offers.offer(f.offer.id)).remaining).toBe(18);
  });

  it("matches guests by card fingerprint across emails, and by email across cards; refunds free the limit", async () => {
    const f = await setup(1);
    const first = await f.orders.placeOrder(orderBody(f.offer.id), "fp-1");
    const sameCard = orderBody(f.offer.id, { buyer: { name: "Other", email: "other@example.com" } });
    expect(await code(f.orders.placeOrder(sameCard, "fp-2"))).toBe("limit_exceeded");
    const sameEmail = orderBody(f.offer.id, { buyer: { name: "Ada", email: "ADA@example.com" }, payment: { method: "test_card", number: OTHER_CARD } });
    expect(await code(f.orders.placeOrder(sameEmail, "fp-3"))).toBe("limit_exceeded");
    const stranger = orderBody(f.offer.id, { buyer: { name: "Bo", email: "bo@example.com" }, payment: { method: "test_card", number: OTHER_CARD } });
    expect(await code(f.orders.placeOrder(stranger, "fp-4"))).toBe("payment_declined"); // a different card, declined by the test provider, not limited
    await f.orders.refund(first.order.id);
    expect(await code(f.orders.placeOrder(sameCard, "fp-5"))).toBe("ok");
    // The card number is never stored: only the keyed fingerprint.
    const stored = await f.db.selectFrom("orders").select(["card_fingerprint"]).execute();
    expect(JSON.stringify(stored)).not.toContain(TEST_CARD_OK);
    expect(stored.some((r) => r.card_fingerprint === defaultCardFingerprint(TEST_CARD_OK))).toBe(true);
  });

  it("counts a signed-in buyer's holds by account, and checks a guest hold again when it is paid", async () => {
    const f = await setup(2);
    const account = await f.accounts.createAccount({
      email: "sam@example.com",
      password: "a long password",
      displayName: "Sam",
      role: "buyer",
      merchantId: null,
    });
    const hold = (key: string, quantity: number) => f.orders.placeOrder({ offerId: f.offer.id, quantity }, key, { accountId: account.id });
    expect(await code(hold("acc-1", 2))).toBe("ok");
    expect(await code(hold("acc-2", 1))).toBe("limit_exceeded");
    expect(await code(hold("acc-3", 3))).toBe("limit_exceeded");

    // Anonymous holds know nobody yet; paying them with the same email as a paid order runs into the limit.
    const guest = await f.orders.placeOrder(orderBody(f.offer.id, { quantity: 2 }), "guest-1");
    expect(guest.order.status).toBe("paid");
    const anon = await f.orders.placeOrder({ offerId: f.offer.id, quantity: 1 }, "anon-1");
    expect(anon.order).toMatchObject({ status: "pending_payment", buyer: { email: "" } });
    const details = { buyer: { name: "Ada", email: "ada@example.com" }, shipping: orderBody(f.offer.id).shipping! };
    expect(await code(f.orders.pay(anon.order.id, { number: OTHER_CARD }, details))).toBe("limit_exceeded");
    expect((await f.orders.order(anon.order.id)).status).toBe("pending_payment"); // the hold stays; cancel frees it
    expect(await code(f.orders.pay(anon.order.id, { number: TEST_CARD_OK }))).toBe("invalid_body"); // no buyer yet
    // Someone else with another card passes the limit (and is then declined by the test provider, keeping the hold).
    const other = { ...details, buyer: { name: "Cy", email: "cy@example.com" }, gift: { message: "Für dich" } };
    expect(await code(f.orders.pay(anon.order.id, { number: OTHER_CARD }, other))).toBe("payment_declined");
    expect(await f.orders.order(anon.order.id)).toMatchObject({ status: "pending_payment", buyer: { email: "cy@example.com" }, gift: { message: "Für dich" } });
  });

  it("saves a card as brand, last 4 and a token, and one-taps with it", async () => {
    const f = await setup(5);
    const account = await f.accounts.createAccount({
      email: "kim@example.com",
      password: "a long password",
      displayName: "Kim",
      role: "buyer",
      merchantId: null,
    });
    const buyers = new BuyerService(f.db, f.clock, new TestPaymentProvider(), defaultCardFingerprint);
    expect(await code(buyers.forCheckout(account.id))).toBe("invalid_body");
    await buyers.saveAddress(account.id, { name: "Kim", line1: "Weg 2", postalCode: "20095", city: "Hamburg", country: "DE" });
    const details = await buyers.savePaymentMethod(account.id, { method: "test_card", number: "4242 4242 4242 4242" });
    expect(details.paymentMethod).toEqual({ brand: "visa", last4: "4242" });
    const row = await f.db.selectFrom("buyer_payment_methods").selectAll().executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain("4242424242424242");
    const saved = await buyers.forCheckout(account.id);
    const { order } = await f.orders.placeOrder(
      { offerId: f.offer.id, quantity: 1, useSaved: true, buyer: { name: "Kim", email: "kim@example.com" }, shipping: saved.address },
      "saved-1",
      { accountId: account.id, savedCard: saved.card },
    );
    expect(order).toMatchObject({ status: "paid", shipping: { city: "Hamburg" } });
    expect(await code(buyers.savePaymentMethod(account.id, { method: "test_card", number: "4242 4242 4242 4241" }))).toBe("invalid_body");
  });
});
