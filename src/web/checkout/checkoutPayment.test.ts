import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { orderBody } from "../../../test/support/fixtures.js";
import { login, postOrder, request } from "../../../test/support/http.js";
import { startTestServer, type TestServer } from "../../../test/support/server.js";
import type { OrderView, PayOrderBody } from "../../protocol/api.js";
import { FakeStripeApi } from "../../server/payments/stripe-fake-api.js";
import { type PayAnswer, type PaySteps, PaymentStepError, payOrder, paymentFor } from "./checkoutPayment.js";

// The checkout's payment steps against the whole server. Only Stripe.js is played here (this machine cannot load
// js.stripe.com): its handleNextAction is the buyer at the bank, which the recorded-response Stripe API completes.
class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(code);
  }
}

// Each hold's access token, as the checkout keeps it from the POST /api/orders answer.
const tokens = new Map<string, string>();
const holder = (orderId: string) => ({ "x-order-token": tokens.get(orderId) ?? "" });

function httpSteps(server: TestServer, bank: (clientSecret: string) => Promise<{ error?: string }>) {
  const calls = { pay: 0, status: 0, bank: 0, sleeps: [] as number[] };
  const steps: PaySteps = {
    async pay(orderId, body) {
      calls.pay++;
      const res = await request(server.url, "POST", `/api/orders/${orderId}/pay`, { body, headers: holder(orderId) });
      if (res.status >= 400) throw new HttpError(res.status, res.body.error.code);
      return res.body as PayAnswer;
    },
    async status(orderId) {
      calls.status++;
      return (await request(server.url, "GET", `/api/orders/${orderId}`, { headers: holder(orderId) })).body.order as OrderView;
    },
    async handleNextAction(clientSecret) {
      calls.bank++;
      return bank(clientSecret);
    },
    async sleep(ms) {
      calls.sleeps.push(ms);
    },
  };
  return { steps, calls };
}

const { buyer, shipping } = orderBody("unused");
const payBody = (payment: PayOrderBody["payment"]): PayOrderBody => ({ buyer, shipping, payment });

async function hold(server: TestServer, offerId: string): Promise<string> {
  const res = await postOrder(server.url, { offerId, quantity: 1 });
  expect(res.status).toBe(201);
  tokens.set(res.body.order.id, res.body.accessToken);
  return res.body.order.id;
}

describe("checkout payment steps with the built-in test provider", () => {
  let server: TestServer;
  let offerId: string;
  beforeAll(async () => {
    server = await startTestServer({ synthetic: false });
    offerId = (await request(server.url, "GET", "/api/shows/demo")).body.show.offers.find((o: { pinned: boolean }) => o.pinned).id;
  }, 180_000);
  afterAll(async () => server?.close());

  it("pays a hold with the test card in one request, with the order page's access token", async () => {
    const { steps, calls } = httpSteps(server, async () => ({ error: "not expected" }));
    const id = await hold(server, offerId);
    const paid = await payOrder(id, payBody(paymentFor("test", { card: " 4242 4242 4242 4242 " })), steps);
    expect(paid.order.status).toBe("paid");
    expect(paid.accessToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(calls).toEqual({ pay: 1, status: 0, bank: 0, sleeps: [] });
  });

  it("lets a decline through as the API error (the sheet shows it; the hold is kept)", async () => {
    const { steps } = httpSteps(server, async () => ({}));
    const id = await hold(server, offerId);
    await expect(payOrder(id, payBody(paymentFor("test", { card: "4000 0000 0000 0002" })), steps)).rejects.toMatchObject({
      status: 402,
      code: "payment_declined",
    });
    expect((await request(server.url, "GET", `/api/orders/${id}`, { headers: holder(id) })).body.order.status).toBe("pending_payment");
  });

  it("builds the payment part for each provider", () => {
    expect(paymentFor("test", { card: " 4242 4242 4242 4242 " })).toEqual({ method: "test_card", number: "4242 4242 4242 4242" });
    expect(paymentFor("stripe", { card: "", paymentMethodId: "pm_123" })).toEqual({ method: "stripe", paymentMethodId: "pm_123" });
    expect(() => paymentFor("stripe", { card: "4242" })).toThrow(/PaymentMethod/);
  });
});

describe("checkout payment steps with Stripe (recorded API, Stripe.js played)", () => {
  let api: FakeStripeApi;
  let server: TestServer;
  let showId: string;
  let productId: string;
  let host: string;
  const intentId = (clientSecret: string) => clientSecret.split("_secret_")[0]!;
  const threeDS = paymentFor("stripe", { card: "", paymentMethodId: "pm_card_authenticationRequired" });

  beforeAll(async () => {
    api = await new FakeStripeApi().start();
    server = await startTestServer({
      synthetic: false,
      env: {
        PAYMENT_PROVIDER: "stripe",
        STRIPE_SECRET_KEY: "sk_test_showcart",
        STRIPE_API_BASE: api.url,
        STRIPE_TIMEOUT_MS: "2000",
        STRIPE_PUBLISHABLE_KEY: "pk_test_showcart",
      },
    });
    showId = server.demo.showId;
    host = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
    productId = (await request(server.url, "GET", `/api/studio/shows/${showId}`, { cookie: host })).body.products[1].id;
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await api?.stop();
  });

  async function newOffer(): Promise<string> {
    const res = await request(server.url, "POST", `/api/studio/shows/${showId}/offers`, {
      cookie: host,
      body: { productId, showPrice: 1299, quantity: 5, durationSeconds: 3600, pin: true },
    });
    expect(res.status).toBe(201);
    return res.body.offer.id;
  }

  it("tells the checkout to use Stripe with the publishable key", async () => {
    expect((await request(server.url, "GET", "/api/payments/config")).body).toEqual({ provider: "stripe", publishableKey: "pk_test_showcart" });
  });

  it("3-D Secure: 202 → the bank confirms in Stripe.js → the same pay request again → paid", async () => {
    const { steps, calls } = httpSteps(server, async (clientSecret) => {
      api.completeAction(intentId(clientSecret));
      return {};
    });
    const id = await hold(server, await newOffer());
    const paid = await payOrder(id, payBody(threeDS), steps);
    expect(paid.order).toMatchObject({ id, status: "paid" });
    expect(calls).toMatchObject({ pay: 2, bank: 1, status: 0 });
    const page = await request(server.url, "GET", `/api/orders/${id}`, { headers: { "x-order-token": paid.accessToken! } });
    expect(page.body.history.map((e: { type: string }) => e.type)).toContain("paid");
  });

  it("3-D Secure refused at the bank: the step fails as authentication_failed and the hold is kept", async () => {
    const { steps, calls } = httpSteps(server, async (clientSecret) => {
      api.failAction(intentId(clientSecret));
      return { error: "We are unable to authenticate your payment method." };
    });
    const id = await hold(server, await newOffer());
    const err = await payOrder(id, payBody(threeDS), steps).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PaymentStepError);
    expect((err as PaymentStepError).code).toBe("authentication_failed");
    expect(calls.pay).toBe(1);
    expect((await request(server.url, "GET", `/api/orders/${id}`, { headers: holder(id) })).body.order.status).toBe("pending_payment");
  });

  it("waits for a bank that is slow to confirm, then reports still_pending without giving the units back", async () => {
    const { steps, calls } = httpSteps(server, async () => ({})); // Stripe.js returned, the intent still waits
    const id = await hold(server, await newOffer());
    const err = (await payOrder(id, payBody(threeDS), steps).catch((e: unknown) => e)) as PaymentStepError;
    expect(err.code).toBe("still_pending");
    expect(err.answer?.order.id).toBe(id);
    expect(calls.sleeps.length).toBe(calls.status);
    expect(calls.sleeps.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(10_000);
    expect((await request(server.url, "GET", `/api/orders/${id}`, { headers: holder(id) })).body.order.status).toBe("pending_payment");
  });

  it("finishes as soon as the order turns paid while polling (e.g. by the webhook)", async () => {
    let intent = "";
    const { steps: base, calls } = httpSteps(server, async (clientSecret) => {
      intent = intentId(clientSecret);
      return {};
    });
    // The bank confirms after the second pay request, while the checkout polls; a pay request settles it then.
    const steps: PaySteps = {
      ...base,
      async status(orderId) {
        api.completeAction(intent);
        await base.pay(orderId, payBody(threeDS));
        return base.status(orderId);
      },
    };
    const id = await hold(server, await newOffer());
    const paid = await payOrder(id, payBody(threeDS), steps);
    expect(paid.order).toMatchObject({ id, status: "paid" });
    expect(calls.sleeps.length).toBe(1);
  });
});
