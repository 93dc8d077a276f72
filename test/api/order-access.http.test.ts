import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StripePaymentProvider } from "../../src/server/payments/index.js";
import { backends } from "../support/db.js";
import { orderBody } from "../support/fixtures.js";
import { login, postOrder, request } from "../support/http.js";
import { createBuyer } from "../support/accounts.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { until } from "../support/until.js";

describe.each(backends)("the buyer's way back to an order on %s", (backend) => {
  let server: TestServer;
  let offerId: string;
  let buyer: string;
  let otherBuyer: string;

  beforeAll(async () => {
    server = await startTestServer({ synthetic: false, backend });
    const show = await request(server.url, "GET", "/api/shows/demo");
    offerId = show.body.show.offers.find((o: { pinned: boolean }) => o.pinned).id;
    for (const email of ["mine@example.com", "theirs@example.com"]) {
      await createBuyer(server, email, "a long password", email.split("@")[0]);
    }
    buyer = await login(server.url, "mine@example.com", "a long password");
    otherBuyer = await login(server.url, "theirs@example.com", "a long password");
  }, 180_000);
  afterAll(async () => server?.close());

  it("gives a guest an access token that opens the order, and refuses a wrong one", async () => {
    const placed = await postOrder(server.url, orderBody(offerId, { gift: { message: "For you" } }));
    expect(placed.status).toBe(201);
    const { id } = placed.body.order;
    const token = placed.body.accessToken as string;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const withToken = await request(server.url, "GET", `/api/orders/${id}`, { headers: { "x-order-token": token } });
    expect(withToken.status).toBe(200);
    expect(withToken.body).toMatchObject({ access: "token", order: { id, status: "paid", gift: { message: "For you" } } });
    expect(withToken.body.history.map((e: { type: string }) => e.type)).toEqual(["created", "paid"]);

    const wrong = await request(server.url, "GET", `/api/orders/${id}`, { headers: { "x-order-token": `${token.slice(0, -2)}xx` } });
    expect([wrong.status, wrong.body.error.code]).toEqual([403, "order_access_denied"]);
    const otherOrders = await postOrder(server.url, orderBody(offerId));
    const crossed = await request(server.url, "GET", `/api/orders/${otherOrders.body.order.id}`, { headers: { "x-order-token": token } });
    expect(crossed.status).toBe(403);
    // The id alone opens nothing (ids are not secrets: hosts see them): 403, and not a word of the order.
    const bare = await request(server.url, "GET", `/api/orders/${id}`);
    expect([bare.status, bare.body.error.code]).toEqual([403, "order_access_denied"]);
    const full = withToken.body.order;
    const text = JSON.stringify(bare.body);
    for (const secret of [full.buyer.email, full.buyer.name, full.shipping.line1, full.shipping.postalCode, full.shipping.city, "For you"])
      expect(text).not.toContain(secret);
  });

  it("replays the same token with an idempotent retry", async () => {
    const body = orderBody(offerId);
    const first = await postOrder(server.url, body, "access-token-replay-1");
    const again = await postOrder(server.url, body, "access-token-replay-1");
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body.accessToken).toBe(first.body.accessToken);
  });

  it("puts the order page link with the token in the fragment into the confirmation email", async () => {
    const placed = await postOrder(server.url, orderBody(offerId, { buyer: { name: "Mail Reader", email: "reader@example.com" } }));
    const { id } = placed.body.order;
    const mail = await until("confirmation email", () => server.services.mailer.list?.().find((m) => m.to === "reader@example.com" && m.text.includes(id)));
    expect(mail.text).toContain(`/orders/${id}#t=${placed.body.accessToken}`);
  });

  it("shows a signed-in buyer their own orders and opens them by session", async () => {
    const mine = await request(server.url, "POST", "/api/orders", {
      cookie: buyer,
      body: orderBody(offerId, { buyer: { name: "Mine", email: "mine@example.com" } }),
      headers: { "idempotency-key": "mine-order-1" },
    });
    expect(mine.status).toBe(201);
    const id = mine.body.order.id;
    const list = await request(server.url, "GET", "/api/me/orders", { cookie: buyer });
    expect(list.body.orders.map((o: { id: string }) => o.id)).toEqual([id]);
    expect((await request(server.url, "GET", "/api/me/orders", { cookie: otherBuyer })).body.orders).toEqual([]);
    expect((await request(server.url, "GET", "/api/me/orders")).status).toBe(401);
    expect((await request(server.url, "GET", `/api/orders/${id}`, { cookie: buyer })).body.access).toBe("owner");
    expect((await request(server.url, "GET", `/api/orders/${id}`, { cookie: otherBuyer })).body.error.code).toBe("order_access_denied");
  });

  it("serves the order page shell and the account page without putting anything secret in the path", async () => {
    const page = await request(server.url, "GET", "/orders/ord_anything");
    expect([200, 503]).toContain(page.status); // 503 only when the web app is not built
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(page.headers.get("content-security-policy")).not.toContain("stripe");
    expect([200, 503]).toContain((await request(server.url, "GET", "/account")).status);
  });

  it("tells the checkout which payment provider to use", async () => {
    expect((await request(server.url, "GET", "/api/payments/config")).body).toEqual({ provider: "test" });
  });
});

describe("payments config with Stripe", () => {
  let server: TestServer;
  beforeAll(async () => {
    // No Stripe call happens here: only the config route and the page's CSP are read.
    const payments = new StripePaymentProvider({ secretKey: "sk_test_unused", apiBase: "http://127.0.0.1:9" });
    server = await startTestServer({ synthetic: false, payments, env: { STRIPE_PUBLISHABLE_KEY: "pk_test_showcart123" } });
  }, 180_000);
  afterAll(async () => server?.close());

  it("answers the publishable key (never the secret key) and lets Stripe.js through the CSP", async () => {
    const res = await request(server.url, "GET", "/api/payments/config");
    expect(res.body).toEqual({ provider: "stripe", publishableKey: "pk_test_showcart123" });
    expect(JSON.stringify(res.body)).not.toContain("sk_test");
    const csp = (await request(server.url, "GET", "/shows/demo")).headers.get("content-security-policy")!;
    expect(csp).toContain("script-src 'self' https://js.stripe.com");
    expect(csp).toContain("frame-src 'self' https://js.stripe.com https://hooks.stripe.com");
    expect(csp).toContain("https://api.stripe.com");
  });
});

describe.each(backends)("platform admin acting for a merchant on %s", (backend) => {
  let server: TestServer;
  let admin: string;
  let merchant: string;
  let demoMerchant: string;
  let otherMerchant: string;
  let orderId: string;

  beforeAll(async () => {
    server = await startTestServer({ synthetic: false, backend });
    const { accounts, catalog, shows } = server.services;
    demoMerchant = (await shows.show(server.demo.showId)).merchantId;
    otherMerchant = (await catalog.createMerchant("Zweiter Laden")).id;
    await accounts.createAccount({ email: "admin@platform.test", password: "admin-password-1", displayName: "Admin", role: "admin", merchantId: null });
    await accounts.createAccount({
      email: "owner@zweiter.test",
      password: "owner-password-1",
      displayName: "Owner",
      role: "merchant",
      merchantId: otherMerchant,
    });
    admin = await login(server.url, "admin@platform.test", "admin-password-1");
    merchant = await login(server.url, server.demo.merchantEmail, server.demo.hostPassword);
    const show = await request(server.url, "GET", "/api/shows/demo");
    orderId = (await postOrder(server.url, orderBody(show.body.show.offers.find((o: { pinned: boolean }) => o.pinned).id))).body.order.id;
  }, 180_000);
  afterAll(async () => server?.close());

  it("lists merchants for admins only", async () => {
    const list = await request(server.url, "GET", "/api/admin/merchants", { cookie: admin });
    expect(list.body.merchants.map((m: { id: string }) => m.id).sort()).toEqual([demoMerchant, otherMerchant].sort());
    expect((await request(server.url, "GET", "/api/admin/merchants", { cookie: merchant })).status).toBe(403);
    expect(
      (await request(server.url, "GET", "/api/admin/merchants", { cookie: await login(server.url, "owner@zweiter.test", "owner-password-1") })).status,
    ).toBe(403);
    expect((await request(server.url, "GET", "/api/admin/merchants")).status).toBe(401);
  });

  it("lists the picked merchant's orders (list and CSV); owners keep seeing only their own", async () => {
    const forDemo = await request(server.url, "GET", `/api/admin/orders?merchantId=${demoMerchant}`, { cookie: admin });
    expect(forDemo.body.orders.map((o: { id: string }) => o.id)).toContain(orderId);
    const csv = await request(server.url, "GET", `/api/admin/orders.csv?merchantId=${demoMerchant}`, { cookie: admin });
    expect(csv.status).toBe(200);
    expect(String(csv.body)).toContain(orderId);
    expect((await request(server.url, "GET", `/api/admin/orders?merchantId=${otherMerchant}`, { cookie: admin })).body.orders).toEqual([]);
    expect((await request(server.url, "GET", "/api/admin/orders", { cookie: admin })).body.error.code).toBe("invalid_query");
    // An owner naming another merchant still gets their own orders, never the other's.
    const other = await login(server.url, "owner@zweiter.test", "owner-password-1");
    expect((await request(server.url, "GET", `/api/admin/orders?merchantId=${demoMerchant}`, { cookie: other })).body.orders).toEqual([]);
  });
});
