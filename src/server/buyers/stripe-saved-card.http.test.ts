import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBuyer } from "../../../test/support/accounts.js";
import { backends } from "../../../test/support/db.js";
import { login, request } from "../../../test/support/http.js";
import { startTestServer, type TestServer } from "../../../test/support/server.js";
import { FakeStripeApi } from "../payments/stripe-fake-api.js";

const ADDRESS = { name: "Sina Saved", line1: "Kartenweg 1", postalCode: "10115", city: "Berlin", country: "DE" };

// One tap with real payments: a buyer saves a card as Stripe does (a Customer per account, a SetupIntent for off-session
// use confirmed in the browser), then one-taps with the saved PaymentMethod on an intent of that Customer; 3-D Secure
// when the bank asks; removing the card detaches it. The whole server with PAYMENT_PROVIDER=stripe against the local
// Stripe stand-in; the browser's Stripe.js call (confirmCardSetup) is made here as Stripe.js makes it.
describe.each(backends)("saved cards with Stripe over HTTP on %s", (backend) => {
  let api: FakeStripeApi;
  let server: TestServer;
  let host: string;
  let showId: string;
  let productId: string;

  beforeAll(async () => {
    api = await new FakeStripeApi().start();
    server = await startTestServer({
      backend,
      demo: true,
      synthetic: false,
      sweepers: false,
      env: { PAYMENT_PROVIDER: "stripe", STRIPE_SECRET_KEY: "sk_test_showcart", STRIPE_API_BASE: api.url, STRIPE_TIMEOUT_MS: "400" },
    });
    showId = server.demo.showId;
    host = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
    productId = (await request(server.url, "GET", `/api/studio/shows/${showId}`, { cookie: host })).body.products[1].id;
  });
  afterAll(async () => {
    await server?.close();
    await api?.stop();
  });

  async function newOffer(quantity: number): Promise<string> {
    const res = await request(server.url, "POST", `/api/studio/shows/${showId}/offers`, {
      cookie: host,
      body: { productId, showPrice: 1999, quantity, durationSeconds: 3600, pin: true },
    });
    expect(res.status).toBe(201);
    return res.body.offer.id;
  }

  async function newBuyer(name: string) {
    const { account, cookie } = await createBuyer(server, `${name}-${backend}@saved.test`, "a long password", name);
    expect((await request(server.url, "POST", "/api/me/address", { cookie, body: ADDRESS })).status).toBe(200);
    return { account, cookie };
  }

  /** POST /api/me/payment-method/setup: the SetupIntent's client secret, and its id (the part before `_secret_`). */
  async function startSetup(cookie: string) {
    const res = await request(server.url, "POST", "/api/me/payment-method/setup", { cookie, body: {} });
    expect(res.status).toBe(200);
    const clientSecret: string = res.body.setup.clientSecret;
    return { clientSecret, setupIntentId: clientSecret.split("_secret_")[0]! };
  }

  /** What Stripe.js's confirmCardSetup sends: the publishable key, the client secret and the card (a test card here). */
  function confirmInBrowser(setup: { clientSecret: string; setupIntentId: string }, testCard: string, clientSecret = setup.clientSecret) {
    return fetch(`${api.url}/v1/setup_intents/${setup.setupIntentId}/confirm`, {
      method: "POST",
      headers: { authorization: "Bearer pk_test_showcart", "content-type": "application/x-www-form-urlencoded", "idempotency-key": randomUUID() },
      body: new URLSearchParams({ client_secret: clientSecret, payment_method: testCard }).toString(),
    });
  }

  const save = (cookie: string, setupIntentId: string) =>
    request(server.url, "POST", "/api/me/payment-method", { cookie, body: { method: "stripe", setupIntentId } });
  const oneTap = (cookie: string, offerId: string) =>
    request(server.url, "POST", "/api/orders", { cookie, body: { offerId, quantity: 1, useSaved: true }, headers: { "idempotency-key": randomUUID() } });
  const intentOf = (orderId: string) => [...api.intents.values()].find((pi) => pi.metadata.order_id === orderId)!;
  const customerOf = (accountId: string) => [...api.customers.values()].filter((c) => c.metadata.account_id === accountId);

  it("saves a card through a SetupIntent of the buyer's own Customer and one-taps with it", async () => {
    const { account, cookie } = await newBuyer("sina");
    const setup = await startSetup(cookie);
    expect(setup.setupIntentId).toMatch(/^seti_/);
    const customers = customerOf(account.id);
    expect(customers).toHaveLength(1);
    expect(api.setupIntents.get(setup.setupIntentId)).toMatchObject({ customer: customers[0]!.id, usage: "off_session", status: "requires_payment_method" });

    // Stripe.js needs the right client secret; the browser confirms with the card.
    expect((await confirmInBrowser(setup, "pm_card_visa", `${setup.setupIntentId}_secret_wrong`)).status).toBe(400);
    expect((await confirmInBrowser(setup, "pm_card_visa")).status).toBe(200);
    const saved = await save(cookie, setup.setupIntentId);
    expect([saved.status, saved.body.details]).toEqual([200, { address: ADDRESS, paymentMethod: { brand: "visa", last4: "4242" } }]);
    expect(JSON.stringify(saved.body)).not.toMatch(/pm_|seti_|cus_|secret/);
    const pmId = api.setupIntents.get(setup.setupIntentId)!.payment_method as string;
    expect(api.savedMethods.get(pmId)).toMatchObject({ customer: customers[0]!.id, detached: false });

    // A second setup reuses the Customer: one per buyer account.
    await startSetup(cookie);
    expect(customerOf(account.id)).toHaveLength(1);

    const offerId = await newOffer(5);
    const paid = await oneTap(cookie, offerId);
    expect([paid.status, paid.body.order?.status]).toEqual([201, "paid"]);
    expect(paid.body.order).toMatchObject({ shipping: ADDRESS, buyer: { email: `sina-${backend}@saved.test` } });
    expect(intentOf(paid.body.order.id)).toMatchObject({ status: "succeeded", customer: customers[0]!.id, payment_method: pmId });
    // The client secret travels only in response bodies, never in a URL.
    expect(api.requests.some((r) => r.path.includes("secret"))).toBe(false);
  });

  it("refuses another account's SetupIntent, an unfinished or declined setup, and a test card number", async () => {
    const owner = await newBuyer("owner");
    const other = await newBuyer("other");
    const setup = await startSetup(owner.cookie);
    await startSetup(other.cookie);
    expect((await confirmInBrowser(setup, "pm_card_visa")).status).toBe(200);
    const stolen = await save(other.cookie, setup.setupIntentId);
    expect([stolen.status, stolen.body.error.code]).toEqual([400, "invalid_body"]);
    expect((await save(other.cookie, "seti_doesnotexist")).body.error.code).toBe("invalid_body");
    expect((await request(server.url, "GET", "/api/me/checkout-details", { cookie: other.cookie })).body.details.paymentMethod).toBeNull();

    const unconfirmed = await startSetup(other.cookie);
    expect((await save(other.cookie, unconfirmed.setupIntentId)).body.error.code).toBe("payment_declined");
    const declined = await startSetup(other.cookie);
    expect((await confirmInBrowser(declined, "pm_card_chargeDeclined")).status).toBe(402);
    const refused = await save(other.cookie, declined.setupIntentId);
    expect([refused.status, refused.body.error.code]).toEqual([402, "payment_declined"]);

    const number = await request(server.url, "POST", "/api/me/payment-method", {
      cookie: other.cookie,
      body: { method: "test_card", number: "4242 4242 4242 4242" },
    });
    expect([number.status, number.body.error.code]).toEqual([400, "invalid_body"]);
    expect((await request(server.url, "POST", "/api/me/payment-method/setup", { body: {} })).status).toBe(401);
  });

  it("3-D Secure: saving asks the bank once; a card that always authenticates makes the one-tap order wait for the bank", async () => {
    const { cookie } = await newBuyer("bank");
    const first = await startSetup(cookie);
    await confirmInBrowser(first, "pm_card_visa");
    await save(cookie, first.setupIntentId);
    const firstPm = api.setupIntents.get(first.setupIntentId)!.payment_method as string;

    const setup = await startSetup(cookie);
    const confirmed = await confirmInBrowser(setup, "pm_card_authenticationRequired");
    expect((await confirmed.json()).status).toBe("requires_action");
    const early = await save(cookie, setup.setupIntentId);
    expect([early.status, early.body.error.code]).toEqual([409, "conflict"]);
    api.completeSetupAction(setup.setupIntentId);
    const saved = await save(cookie, setup.setupIntentId);
    expect(saved.body.details.paymentMethod).toEqual({ brand: "visa", last4: "3184" });
    // The card it replaced is detached: it can never be charged again.
    expect(api.savedMethods.get(firstPm)).toMatchObject({ detached: true, customer: null });

    const offerId = await newOffer(3);
    const pending = await oneTap(cookie, offerId);
    expect(pending.status).toBe(202);
    expect(pending.body.nextAction).toMatchObject({ type: "use_stripe_sdk" });
    const orderId: string = pending.body.order.id;
    expect(pending.body.nextAction.clientSecret).toBe(intentOf(orderId).client_secret);
    expect(pending.body.order.status).toBe("pending_payment");

    // Stripe.js handleNextAction: the buyer passes; the checkout pays again with the saved card and the order is paid.
    api.completeAction(intentOf(orderId).id);
    const paid = await request(server.url, "POST", `/api/orders/${orderId}/pay`, { cookie, body: { useSaved: true } });
    expect([paid.status, paid.body.order?.status]).toEqual([200, "paid"]);
    expect([...api.intents.values()].filter((pi) => pi.metadata.order_id === orderId)).toHaveLength(1);
    expect(intentOf(orderId).customer).toBe(api.setupIntents.get(setup.setupIntentId)!.customer);
  });

  it("a hold whose first card was declined is paid with the saved card on the same intent, now the Customer's", async () => {
    const { account, cookie } = await newBuyer("hold");
    const setup = await startSetup(cookie);
    await confirmInBrowser(setup, "pm_card_mastercard");
    expect((await save(cookie, setup.setupIntentId)).body.details.paymentMethod).toEqual({ brand: "mastercard", last4: "4444" });
    const offerId = await newOffer(2);
    const hold = await request(server.url, "POST", "/api/orders", { cookie, body: { offerId, quantity: 1 }, headers: { "idempotency-key": randomUUID() } });
    expect(hold.status).toBe(201);
    const orderId: string = hold.body.order.id;
    const declined = await request(server.url, "POST", `/api/orders/${orderId}/pay`, {
      cookie,
      body: { payment: { method: "stripe", paymentMethodId: "pm_card_chargeDeclined" }, shipping: ADDRESS },
    });
    expect(declined.status).toBe(402);
    expect(intentOf(orderId).customer).toBeNull();
    const paid = await request(server.url, "POST", `/api/orders/${orderId}/pay`, { cookie, body: { useSaved: true } });
    expect([paid.status, paid.body.order?.status]).toEqual([200, "paid"]);
    expect(intentOf(orderId)).toMatchObject({ status: "succeeded", customer: customerOf(account.id)[0]!.id });
  });

  it("removing the saved card detaches it at Stripe; one tap then asks for a card", async () => {
    const { cookie } = await newBuyer("remove");
    const setup = await startSetup(cookie);
    await confirmInBrowser(setup, "pm_card_visa");
    await save(cookie, setup.setupIntentId);
    const pmId = api.setupIntents.get(setup.setupIntentId)!.payment_method as string;

    const removed = await request(server.url, "DELETE", "/api/me/payment-method", { cookie });
    expect([removed.status, removed.body.details.paymentMethod]).toEqual([200, null]);
    expect(api.requests.some((r) => r.method === "POST" && r.path === `/v1/payment_methods/${pmId}/detach`)).toBe(true);
    expect(api.savedMethods.get(pmId)).toMatchObject({ detached: true, customer: null });
    const tap = await oneTap(cookie, await newOffer(1));
    expect([tap.status, tap.body.error.code]).toEqual([400, "invalid_body"]);
    // Removing again is harmless.
    expect((await request(server.url, "DELETE", "/api/me/payment-method", { cookie })).status).toBe(200);
  });

  it("answers 503 when Stripe does not answer, and nothing is saved", async () => {
    const { cookie } = await newBuyer("offline");
    api.hang = /^\/v1\/(customers|setup_intents)/;
    try {
      const res = await request(server.url, "POST", "/api/me/payment-method/setup", { cookie, body: {} });
      expect([res.status, res.body.error.code]).toEqual([503, "unavailable"]);
    } finally {
      api.hang = null;
    }
    expect((await request(server.url, "GET", "/api/me/checkout-details", { cookie })).body.details.paymentMethod).toBeNull();
  });
});
