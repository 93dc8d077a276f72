import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeStripeApi } from "./stripe-fake-api.js";
import { StripePaymentProvider } from "./stripe-provider.js";

// The provider against a local server playing Stripe's recorded responses: no network.
describe("Stripe payment provider", () => {
  let api: FakeStripeApi;
  let stripe: StripePaymentProvider;
  const charge = (orderId: string, paymentMethod: string | undefined, attempt: string, ref?: string | null) =>
    stripe.charge({
      orderId,
      amount: 1299,
      currency: "EUR",
      cardNumber: "",
      paymentMethod,
      idempotencyKey: attempt,
      description: `Showcart order ${orderId}`,
      ref,
    });

  beforeAll(async () => {
    api = await new FakeStripeApi().start();
    stripe = new StripePaymentProvider({ secretKey: "sk_test_showcart", apiBase: api.url, timeoutMs: 1500, maxNetworkRetries: 0 });
  });
  afterAll(async () => api?.stop());

  it("creates and confirms one PaymentIntent per order, every POST under an idempotency key", async () => {
    const res = await charge("ord_ok1", "pm_card_visa", "attempt-1");
    expect(res).toMatchObject({ ok: true, ref: expect.stringMatching(/^pi_/) });
    const posts = api.requests.filter((r) => r.params.description === "Showcart order ord_ok1" || r.path.includes(res.ref!));
    expect(posts.map((r) => [r.method, r.path.replace(/pi_\w+/, "pi_*")])).toEqual([
      ["POST", "/v1/payment_intents"],
      ["POST", "/v1/payment_intents/pi_*/confirm"],
    ]);
    expect(posts[0]).toMatchObject({ idempotencyKey: "ord_ok1:intent", params: { amount: "1299", currency: "eur", "metadata[order_id]": "ord_ok1" } });
    expect(posts[1]!.idempotencyKey).toMatch(/^ord_ok1:confirm:/);
    expect(posts[1]!.params.payment_method).toBe("pm_card_visa");
  });

  it("reports a decline with the intent, which a retry with another card reuses", async () => {
    const declined = await charge("ord_dec1", "pm_card_chargeDeclined", "attempt-1");
    expect(declined).toMatchObject({ ok: false, reason: "card_declined", ref: expect.stringMatching(/^pi_/) });
    const retry = await charge("ord_dec1", "pm_card_visa", "attempt-2", (declined as { ref: string }).ref);
    expect(retry).toEqual({ ok: true, ref: (declined as { ref: string }).ref });
  });

  it("asks for 3-D Secure, then reports the intent succeeded once the buyer passed it, without confirming again", async () => {
    const first = await charge("ord_3ds1", "pm_card_authenticationRequired", "attempt-1");
    expect(first).toMatchObject({
      ok: false,
      reason: "requires_action",
      nextAction: { type: "use_stripe_sdk", clientSecret: expect.stringMatching(/^pi_\w+_secret_/) },
    });
    const ref = (first as { ref: string }).ref;
    api.completeAction(ref);
    const confirmsBefore = api.requests.filter((r) => r.path.endsWith("/confirm")).length;
    expect(await charge("ord_3ds1", "pm_card_authenticationRequired", "attempt-2", ref)).toEqual({ ok: true, ref });
    expect(api.requests.filter((r) => r.path.endsWith("/confirm")).length).toBe(confirmsBefore);
  });

  it("answers redirect_to_url with the bank's page when a return URL is configured", async () => {
    const withReturn = new StripePaymentProvider({
      secretKey: "sk_test_showcart",
      apiBase: api.url,
      maxNetworkRetries: 0,
      returnUrl: (id) => `https://shop.example/orders/${id}`,
    });
    const res = await withReturn.charge({
      orderId: "ord_3ds2",
      amount: 500,
      currency: "EUR",
      cardNumber: "",
      paymentMethod: "pm_card_authenticationRequired",
      idempotencyKey: "a1",
      description: "x",
    });
    expect(res).toMatchObject({
      ok: false,
      reason: "requires_action",
      nextAction: { type: "redirect_to_url", url: expect.stringContaining("hooks.stripe.com") },
    });
    expect(api.requests.at(-1)!.params.return_url).toBe("https://shop.example/orders/ord_3ds2");
  });

  it("treats a timeout as an unknown outcome, and a retry finds the same intent through the create key", async () => {
    api.hang = /\/confirm$/;
    const res = await charge("ord_slow1", "pm_card_visa", "attempt-1");
    api.hang = null;
    expect(res).toMatchObject({ ok: false, reason: "pending", ref: expect.stringMatching(/^pi_/) });
    const again = await charge("ord_slow1", "pm_card_visa", "attempt-2");
    expect(again).toEqual({ ok: true, ref: (res as { ref: string }).ref });
    expect([...api.intents.values()].filter((pi) => pi.metadata.order_id === "ord_slow1")).toHaveLength(1);
  });

  it("refunds under the caller's idempotency key: the same key never refunds twice", async () => {
    const paid = await charge("ord_ref1", "pm_card_visa", "attempt-1");
    const ref = (paid as { ref: string }).ref;
    const a = await stripe.refund({ ref, amount: 500, currency: "EUR", idempotencyKey: "ord_ref1:refund:0" });
    const b = await stripe.refund({ ref, amount: 500, currency: "EUR", idempotencyKey: "ord_ref1:refund:0" });
    expect(a).toMatchObject({ ok: true, ref: expect.stringMatching(/^re_/) });
    expect(b).toEqual(a);
    expect(api.refunds.size).toBe(1);
    const sent = api.requests.filter((r) => r.path === "/v1/refunds");
    expect(sent.every((r) => typeof r.idempotencyKey === "string" && r.idempotencyKey.length > 8)).toBe(true);
    expect(sent[0]!.params).toMatchObject({ payment_intent: ref, amount: "500" });
  });
});
