import { randomBytes } from "node:crypto";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../../../test/support/db.js";
import { orderBody } from "../../../test/support/fixtures.js";
import { login, postOrder, request } from "../../../test/support/http.js";
import { startTestServer, type TestServer } from "../../../test/support/server.js";
import { ManualClock } from "../platform/clock.js";
import { FakeStripeApi, stripeFixture } from "./stripe-fake-api.js";

const WHSEC = "whsec_test_showcart_signing_secret";
const visa = { method: "stripe", paymentMethodId: "pm_card_visa" } as const;
const declined = { method: "stripe", paymentMethodId: "pm_card_chargeDeclined" } as const;
const threeDS = { method: "stripe", paymentMethodId: "pm_card_authenticationRequired" } as const;

// The whole server with PAYMENT_PROVIDER=stripe, its Stripe client pointed at a local server that plays recorded
// Stripe responses; webhooks are signed with Stripe's own test-header helper. No network.
describe.each(backends)("Stripe payments over HTTP on %s", (backend) => {
  let api: FakeStripeApi;
  let server: TestServer;
  let clock: ManualClock;
  let cookie: string;
  let merchantCookie: string;
  let showId: string;
  let productId: string;

  beforeAll(async () => {
    api = await new FakeStripeApi().start();
    clock = new ManualClock(Date.now());
    server = await startTestServer({
      backend,
      demo: true,
      synthetic: false,
      sweepers: false,
      clock,
      env: {
        PAYMENT_PROVIDER: "stripe",
        STRIPE_SECRET_KEY: "sk_test_showcart",
        STRIPE_WEBHOOK_SECRET: WHSEC,
        STRIPE_API_BASE: api.url,
        STRIPE_TIMEOUT_MS: "400",
      },
    });
    showId = server.demo.showId;
    cookie = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
    merchantCookie = await login(server.url, server.demo.merchantEmail, server.demo.hostPassword);
    const studio = await request(server.url, "GET", `/api/studio/shows/${showId}`, { cookie });
    productId = studio.body.products[1].id;
  });
  afterAll(async () => {
    await server?.close();
    await api?.stop();
  });

  async function newOffer(quantity: number) {
    const res = await request(server.url, "POST", `/api/studio/shows/${showId}/offers`, {
      cookie,
      body: { productId, showPrice: 1299, quantity, durationSeconds: 3600, pin: true },
    });
    expect(res.status).toBe(201);
    return res.body.offer as { id: string };
  }
  const remaining = async (offerId: string) =>
    (await request(server.url, "GET", `/api/shows/${showId}`)).body.show.offers.find((o: { id: string }) => o.id === offerId).remaining as number;
  const orderOf = (id: string) =>
    request(server.url, "GET", `/api/orders/${id}`, { cookie: merchantCookie }).then(
      (r) => r.body as { order: { status: string }; history: { type: string; data: any }[] },
    );
  // Each order's access token, from the answer that placed it (or its error's details): what the buyer's checkout keeps.
  const tokens = new Map<string, string>();
  const place = async (...args: Parameters<typeof postOrder>) => {
    const res = await postOrder(...args);
    const id = res.body.order?.id ?? res.body.error?.details?.orderId;
    const token = res.body.accessToken ?? res.body.error?.details?.accessToken;
    if (id && token) tokens.set(id, token);
    return res;
  };
  const holder = (id: string) => ({ "x-order-token": tokens.get(id) ?? "" });
  const intentOf = (orderId: string) => [...api.intents.values()].find((pi) => pi.metadata.order_id === orderId)!;
  function sendEvent(type: "payment_intent.succeeded" | "payment_intent.payment_failed", intent: object, opts: { id?: string; secret?: string } = {}) {
    const event = stripeFixture(`event.${type}`);
    event.id = opts.id ?? `evt_${randomBytes(12).toString("hex")}`;
    event.data.object = intent;
    const payload = JSON.stringify(event);
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: opts.secret ?? WHSEC });
    return {
      id: event.id as string,
      res: request(server.url, "POST", "/api/payments/stripe/webhook", {
        raw: payload,
        headers: { "stripe-signature": signature, "content-type": "application/json; charset=utf-8" },
      }),
    };
  }

  it("pays a one-tap order with a Stripe PaymentMethod; test_card is refused before any unit is taken", async () => {
    const offer = await newOffer(3);
    const res = await place(server.url, orderBody(offer.id, { payment: visa }));
    expect(res.status).toBe(201);
    expect(res.body.order.status).toBe("paid");
    expect((await orderOf(res.body.order.id)).history.find((e) => e.type === "paid")!.data.paymentRef).toBe(intentOf(res.body.order.id).id);
    const card = await place(server.url, orderBody(offer.id));
    expect(card.status).toBe(400);
    expect(card.body.error.code).toBe("invalid_body");
    expect(await remaining(offer.id)).toBe(2);
  });

  it("gives the units back on a one-tap decline; a hold keeps them and the next card pays the same intent", async () => {
    const offer = await newOffer(1);
    const oneTap = await place(server.url, orderBody(offer.id, { payment: declined }));
    expect(oneTap.status).toBe(402);
    expect(oneTap.body.error).toMatchObject({ code: "payment_declined", details: { holdKept: false } });
    expect(await remaining(offer.id)).toBe(1);

    const hold = await place(server.url, orderBody(offer.id, { payment: undefined }));
    expect(hold.status).toBe(201);
    const id = hold.body.order.id;
    const no = await request(server.url, "POST", `/api/orders/${id}/pay`, { body: { payment: declined }, headers: holder(id) });
    expect(no.status).toBe(402);
    expect(no.body.error.details.holdKept).toBe(true);
    expect((await orderOf(id)).order.status).toBe("pending_payment");
    expect(await remaining(offer.id)).toBe(0);
    const yes = await request(server.url, "POST", `/api/orders/${id}/pay`, { body: { payment: visa }, headers: holder(id) });
    expect(yes.status).toBe(200);
    expect(yes.body.order.status).toBe("paid");
    expect([...api.intents.values()].filter((pi) => pi.metadata.order_id === id)).toHaveLength(1);
  });

  it("3-D Secure: 202 with nextAction and the hold kept; paying again after the buyer authenticated confirms", async () => {
    const offer = await newOffer(2);
    const res = await place(server.url, orderBody(offer.id, { payment: threeDS }), "key-3ds-round-trip");
    expect(res.status).toBe(202);
    expect(res.body.order.status).toBe("pending_payment");
    expect(res.body.nextAction).toEqual({ type: "use_stripe_sdk", clientSecret: intentOf(res.body.order.id).client_secret });
    // The one-minute one-tap hold became a checkout hold while the buyer is at the bank.
    expect(new Date(res.body.order.holdExpiresAt).getTime() - clock.now().getTime()).toBe(300_000);
    expect(await remaining(offer.id)).toBe(1);

    const id = res.body.order.id;
    // The same checkout request again (same key) continues it: the same order and the same next action.
    const replayed = await place(server.url, orderBody(offer.id, { payment: threeDS }), "key-3ds-round-trip");
    expect(replayed.status).toBe(202);
    expect(replayed.headers.get("idempotent-replayed")).toBe("true");
    expect(replayed.body).toMatchObject({ order: { id, status: "pending_payment" }, nextAction: res.body.nextAction });
    const still = await request(server.url, "POST", `/api/orders/${id}/pay`, { body: { payment: threeDS }, headers: holder(id) });
    expect(still.status).toBe(202);
    expect(still.body.nextAction.clientSecret).toBe(res.body.nextAction.clientSecret);
    api.completeAction(intentOf(id).id);
    const paid = await request(server.url, "POST", `/api/orders/${id}/pay`, { body: { payment: threeDS }, headers: holder(id) });
    expect(paid.status).toBe(200);
    expect(paid.body.order.status).toBe("paid");
    expect(await server.services.commissions.showCommission(showId)).toBeGreaterThan(0);
    expect((await orderOf(id)).history.map((e) => e.type)).toEqual([
      "created",
      "payment_action_required",
      "payment_action_required",
      "payment_action_required",
      "paid",
    ]);
  });

  it("3-D Secure finished in the browser: the signed webhook confirms the order once, however often it is delivered", async () => {
    const offer = await newOffer(1);
    const res = await place(server.url, orderBody(offer.id, { payment: threeDS }));
    expect(res.status).toBe(202);
    const id = res.body.order.id;
    const intent = api.completeAction(intentOf(id).id);
    const first = sendEvent("payment_intent.succeeded", intent);
    expect((await first.res).body).toEqual({ received: true, duplicate: false });
    expect((await orderOf(id)).order.status).toBe("paid");
    const replay = sendEvent("payment_intent.succeeded", intent, { id: first.id });
    expect((await replay.res).body).toEqual({ received: true, duplicate: true });
    // A new event id for the same payment (Stripe may send several) is recognised as already paid.
    expect((await sendEvent("payment_intent.succeeded", intent).res).status).toBe(200);
    const history = (await orderOf(id)).history.map((e) => e.type);
    expect(history.filter((t) => t === "paid")).toHaveLength(1);
    const ledger = await server.db.db.selectFrom("ledger_entries").select("id").where("order_id", "=", id).execute();
    expect(ledger).toHaveLength(1);
  });

  it("answers 400 invalid_signature for a bad or missing signature and changes nothing", async () => {
    const offer = await newOffer(1);
    const res = await place(server.url, orderBody(offer.id, { payment: threeDS }));
    const intent = api.completeAction(intentOf(res.body.order.id).id);
    const forged = sendEvent("payment_intent.succeeded", intent, { secret: "whsec_wrong" });
    expect((await forged.res).status).toBe(400);
    expect((await forged.res).body.error.code).toBe("invalid_signature");
    const bare = await request(server.url, "POST", "/api/payments/stripe/webhook", { raw: JSON.stringify({ id: "evt_x", type: "payment_intent.succeeded" }) });
    expect(bare.status).toBe(400);
    expect(bare.body.error.code).toBe("invalid_signature");
    expect((await orderOf(res.body.order.id)).order.status).toBe("pending_payment");
    // The forged event id was not recorded: the genuine delivery with that id is still handled.
    expect((await sendEvent("payment_intent.succeeded", intent, { id: forged.id }).res).body.duplicate).toBe(false);
    expect((await orderOf(res.body.order.id)).order.status).toBe("paid");
  });

  it("a failed 3-D Secure keeps a checkout hold (payment_failed webhook); the hold still expires", async () => {
    const offer = await newOffer(1);
    const hold = await place(server.url, orderBody(offer.id, { payment: undefined }));
    const id = hold.body.order.id;
    expect((await request(server.url, "POST", `/api/orders/${id}/pay`, { body: { payment: threeDS }, headers: holder(id) })).status).toBe(202);
    const failed = api.failAction(intentOf(id).id);
    expect((await sendEvent("payment_intent.payment_failed", failed).res).status).toBe(200);
    expect((await orderOf(id)).order.status).toBe("pending_payment");
    expect(await remaining(offer.id)).toBe(0);
    clock.advance(301_000);
    await server.services.orders.expireHolds();
    expect((await orderOf(id)).order.status).toBe("expired");
    expect(await remaining(offer.id)).toBe(1);
    // The abandoned intent is cancelled at Stripe, so the buyer cannot complete it later.
    await expect.poll(() => intentOf(id).status).toBe("canceled");
  });

  it("a Stripe timeout leaves the one-tap order pending with its hold; it expires, and a late success is refunded", async () => {
    const offer = await newOffer(1);
    api.hang = /\/confirm$/;
    const res = await place(server.url, orderBody(offer.id, { payment: visa }));
    api.hang = null;
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({ code: "payment_pending", details: { holdKept: true } });
    const id = res.body.error.details.orderId;
    expect((await orderOf(id)).order.status).toBe("pending_payment");
    expect(await remaining(offer.id)).toBe(0);
    clock.advance(61_000);
    expect(await server.services.orders.expireHolds()).toBeGreaterThanOrEqual(1);
    expect((await orderOf(id)).order.status).toBe("expired");
    expect(await remaining(offer.id)).toBe(1);
    // Stripe did charge after all and says so: the money goes back, the order stays expired.
    const intent = api.completeAction(intentOf(id).id);
    expect((await sendEvent("payment_intent.succeeded", intent).res).status).toBe(200);
    const after = await orderOf(id);
    expect(after.order.status).toBe("expired");
    expect(after.history.at(-1)).toMatchObject({ type: "late_payment_refunded", data: { paymentRef: intent.id, amount: 1299 } });
    expect([...api.refunds.values()].filter((r) => r.payment_intent === intent.id)).toHaveLength(1);
  });

  it("a hold whose payment timed out may pay again at once: the same intent is confirmed, one charge", async () => {
    const offer = await newOffer(1);
    const id = (await place(server.url, orderBody(offer.id, { payment: undefined }))).body.order.id;
    api.hang = /\/confirm$/;
    const slow = await request(server.url, "POST", `/api/orders/${id}/pay`, { body: { payment: visa }, headers: holder(id) });
    api.hang = null;
    expect(slow.status).toBe(503);
    expect(slow.body.error.code).toBe("payment_pending");
    expect((await orderOf(id)).order.status).toBe("pending_payment");
    const again = await request(server.url, "POST", `/api/orders/${id}/pay`, { body: { payment: visa }, headers: holder(id) });
    expect(again.status).toBe(200);
    expect(again.body.order.status).toBe("paid");
    expect([...api.intents.values()].filter((pi) => pi.metadata.order_id === id)).toHaveLength(1);
  });

  it("limits guests by the card's Stripe fingerprint: another email with the same card is refused", async () => {
    const made = await request(server.url, "POST", `/api/studio/shows/${showId}/offers`, {
      cookie,
      body: { productId, showPrice: 1299, quantity: 5, durationSeconds: 3600, pin: true, perBuyerLimit: 1 },
    });
    const offerId = made.body.offer.id as string;
    const guest = (email: string, pm: string, device: string) =>
      postOrder(server.url, orderBody(offerId, { buyer: { name: "Guest", email }, payment: { method: "stripe", paymentMethodId: pm } }), undefined, {
        "x-device-id": device,
      });
    expect((await guest("first@example.com", "pm_card_visa", "device-guest-1")).body.order.status).toBe("paid");
    const again = await guest("second@example.com", "pm_card_visa", "device-guest-2");
    expect([again.status, again.body.error.code]).toEqual([409, "limit_exceeded"]);
    expect(await remaining(offerId)).toBe(4);
    // Another card is another buyer.
    expect((await guest("third@example.com", "pm_card_mastercard", "device-guest-3")).body.order.status).toBe("paid");
    expect(api.requests.some((r) => r.path === "/v1/payment_methods/pm_card_visa")).toBe(true);
  });

  it("refunds through Stripe with an idempotency key from the merchant's admin", async () => {
    const offer = await newOffer(2);
    const res = await place(server.url, orderBody(offer.id, { quantity: 2, payment: visa }));
    const id = res.body.order.id;
    const refund = await request(server.url, "POST", `/api/admin/orders/${id}/refund`, { cookie: merchantCookie, body: { quantity: 1 } });
    expect(refund.status).toBe(200);
    expect(refund.body.order.refundedQuantity).toBe(1);
    const sent = api.requests.filter((r) => r.path === "/v1/refunds" && r.params.payment_intent === intentOf(id).id);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ idempotencyKey: expect.stringMatching(/^refund:/), params: { amount: "1299" } });
  });
});
