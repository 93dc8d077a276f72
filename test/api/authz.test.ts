import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { orderBody } from "../support/fixtures.js";
import { login, postOrder, request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";

type Role = "anonymous" | "buyer" | "host" | "otherHost" | "merchant" | "staff" | "otherMerchant" | "admin";
const ROLES: Role[] = ["anonymous", "buyer", "host", "otherHost", "merchant", "staff", "otherMerchant", "admin"];
const STUDIO: Role[] = ["host", "merchant", "staff", "admin"];
const MERCHANT: Role[] = ["merchant", "staff", "admin"];
const SIGNED_IN: Role[] = ROLES.filter((r) => r !== "anonymous");

// Every protected route × every role, as in the access table of docs/api.md. A denied request is 401 (anonymous) or
// 403 (signed in); an allowed one may still fail for other reasons (bad body, state), but never with 401/403.
describe("access rules: every route × every role", () => {
  let server: TestServer;
  const cookies = new Map<Role, string | undefined>();
  let showId: string;
  let offerId: string;
  let orderId: string;
  let productId: string;

  beforeAll(async () => {
    server = await startTestServer({ synthetic: false });
    const { accounts, catalog, shows } = server.services;
    const demoMerchant = (await shows.show(server.demo.showId)).merchantId;
    const other = await catalog.createMerchant("Other Shop");
    const pw = "authz-password-1";
    await accounts.createAccount({ email: "staff@demo.test", password: pw, displayName: "Staff", role: "staff", merchantId: demoMerchant });
    await accounts.createAccount({ email: "admin@platform.test", password: pw, displayName: "Admin", role: "admin", merchantId: null });
    await accounts.createAccount({ email: "owner@other.test", password: pw, displayName: "Other owner", role: "merchant", merchantId: other.id });
    await accounts.createAccount({ email: "host@other.test", password: pw, displayName: "Other host", role: "host", merchantId: other.id });
    await request(server.url, "POST", "/api/auth/signup", { body: { email: "buyer@authz.test", password: pw, displayName: "Buyer" } });
    cookies.set("anonymous", undefined);
    cookies.set("buyer", await login(server.url, "buyer@authz.test", pw));
    cookies.set("host", await login(server.url, server.demo.hostEmail, server.demo.hostPassword));
    cookies.set("otherHost", await login(server.url, "host@other.test", pw));
    cookies.set("merchant", await login(server.url, server.demo.merchantEmail, server.demo.hostPassword));
    cookies.set("staff", await login(server.url, "staff@demo.test", pw));
    cookies.set("otherMerchant", await login(server.url, "owner@other.test", pw));
    cookies.set("admin", await login(server.url, "admin@platform.test", pw));
    showId = server.demo.showId;
    const show = await request(server.url, "GET", `/api/shows/${showId}`);
    offerId = show.body.show.offers.find((o: { pinned: boolean }) => o.pinned).id;
    orderId = (await postOrder(server.url, orderBody(offerId))).body.order.id;
    productId = (await catalog.productsOf(demoMerchant))[0]!.id;
  });
  afterAll(async () => server?.close());

  const routes: { name: string; allowed: Role[]; call: (cookie?: string) => Promise<{ status: number }> }[] = [
    { name: "GET /api/auth/me", allowed: SIGNED_IN, call: (c) => request(server.url, "GET", "/api/auth/me", { cookie: c }) },
    { name: "GET /api/me/checkout-details", allowed: SIGNED_IN, call: (c) => request(server.url, "GET", "/api/me/checkout-details", { cookie: c }) },
    { name: "GET /api/studio/shows/:id", allowed: STUDIO, call: (c) => request(server.url, "GET", `/api/studio/shows/${showId}`, { cookie: c }) },
    { name: "POST stream-key/reveal", allowed: STUDIO, call: (c) => request(server.url, "POST", `/api/studio/shows/${showId}/stream-key/reveal`, { cookie: c }) },
    { name: "POST /api/studio/shows/:id/offers", allowed: STUDIO, call: (c) => request(server.url, "POST", `/api/studio/shows/${showId}/offers`, { cookie: c, body: { productId, showPrice: 100, quantity: 1, durationSeconds: 60 } }) },
    { name: "POST /api/studio/offers/:id/pin", allowed: STUDIO, call: (c) => request(server.url, "POST", `/api/studio/offers/${offerId}/pin`, { cookie: c, body: { pinned: true } }) },
    { name: "GET destinations", allowed: STUDIO, call: (c) => request(server.url, "GET", `/api/studio/shows/${showId}/destinations`, { cookie: c }) },
    { name: "GET /api/admin/orders?showId", allowed: MERCHANT, call: (c) => request(server.url, "GET", `/api/admin/orders?showId=${showId}`, { cookie: c }) },
    { name: "GET /api/admin/orders/:id", allowed: MERCHANT, call: (c) => request(server.url, "GET", `/api/admin/orders/${orderId}`, { cookie: c }) },
    { name: "GET packing slip", allowed: MERCHANT, call: (c) => request(server.url, "GET", `/api/admin/orders/${orderId}/packing-slip`, { cookie: c }) },
    { name: "POST /api/admin/orders/:id/deliver", allowed: MERCHANT, call: (c) => request(server.url, "POST", `/api/admin/orders/${orderId}/deliver`, { cookie: c }) },
    // Merchant-wide lists answer for the caller's own merchant: any merchant's owner (and its staff) may call them.
    { name: "GET /api/admin/invites", allowed: ["merchant", "otherMerchant"], call: (c) => request(server.url, "GET", "/api/admin/invites", { cookie: c }) },
    { name: "POST /api/admin/shows (bad body)", allowed: ["merchant", "staff", "otherMerchant"], call: (c) => request(server.url, "POST", "/api/admin/shows", { cookie: c, body: {} }) },
    { name: "GET /api/admin/sales", allowed: ["merchant", "staff", "otherMerchant", "admin"], call: (c) => request(server.url, "GET", "/api/admin/sales", { cookie: c }) },
    { name: "GET /api/admin/products", allowed: ["merchant", "staff", "otherMerchant", "admin"], call: (c) => request(server.url, "GET", "/api/admin/products", { cookie: c }) },
    { name: "GET /api/admin/hosts", allowed: ["merchant", "staff", "otherMerchant"], call: (c) => request(server.url, "GET", "/api/admin/hosts", { cookie: c }) },
    // An admin without merchantId gets 400 (it must name the merchant): allowed, as far as access goes.
    { name: "GET /api/admin/webhooks", allowed: ["merchant", "staff", "otherMerchant", "admin"], call: (c) => request(server.url, "GET", "/api/admin/webhooks", { cookie: c }) },
    { name: "POST /api/admin/orders/:id/refund (bad body)", allowed: MERCHANT, call: (c) => request(server.url, "POST", `/api/admin/orders/${orderId}/refund`, { cookie: c, body: { quantity: 0 } }) },
  ];

  it.each(routes.map((r) => [r.name, r] as const))("%s", async (_name, route) => {
    const outcome: Record<string, string> = {};
    const expected: Record<string, string> = {};
    for (const role of ROLES) {
      const res = await route.call(cookies.get(role));
      outcome[role] = res.status === 401 || res.status === 403 ? String(res.status) : "allowed";
      expected[role] = route.allowed.includes(role) ? "allowed" : role === "anonymous" ? "401" : "403";
    }
    expect(outcome).toEqual(expected);
  });
});
