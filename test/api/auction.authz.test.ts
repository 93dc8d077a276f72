import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { login, request } from "../support/http.js";
import { createBuyer } from "../support/accounts.js";
import { startTestServer, type TestServer } from "../support/server.js";

type Role = "anonymous" | "buyer" | "host" | "otherHost" | "merchant" | "staff" | "otherMerchant" | "admin";
const ROLES: Role[] = ["anonymous", "buyer", "host", "otherHost", "merchant", "staff", "otherMerchant", "admin"];
const STUDIO: Role[] = ["host", "merchant", "staff", "admin"];
// Anyone signed in may bid, except the show's host and the accounts of the show's merchant.
const BIDDERS: Role[] = ["buyer", "otherHost", "otherMerchant", "admin"];

// The auction rows of the access table in docs/api.md, × every role. Denied = 401 (anonymous) or 403; allowed calls
// may still fail for other reasons (a cancelled auction answers auction_closed / conflict), never with 401/403.
describe("auction routes × roles", () => {
  let server: TestServer;
  const cookies = new Map<Role, string | undefined>();
  let auctionId = "";
  let showId = "";

  beforeAll(async () => {
    server = await startTestServer({ synthetic: false });
    const { accounts, catalog, shows } = server.services;
    showId = server.demo.showId;
    const demoMerchant = (await shows.show(showId)).merchantId;
    const other = await catalog.createMerchant("Other Shop");
    const pw = "authz-password-1";
    await accounts.createAccount({ email: "staff@demo.test", password: pw, displayName: "Staff", role: "staff", merchantId: demoMerchant });
    await accounts.createAccount({ email: "admin@platform.test", password: pw, displayName: "Admin", role: "admin", merchantId: null });
    await accounts.createAccount({ email: "owner@other.test", password: pw, displayName: "Other owner", role: "merchant", merchantId: other.id });
    await accounts.createAccount({ email: "host@other.test", password: pw, displayName: "Other host", role: "host", merchantId: other.id });
    await createBuyer(server, "buyer@authz.test", pw, "Buyer");
    cookies.set("anonymous", undefined);
    cookies.set("buyer", await login(server.url, "buyer@authz.test", pw));
    cookies.set("host", await login(server.url, server.demo.hostEmail, server.demo.hostPassword));
    cookies.set("otherHost", await login(server.url, "host@other.test", pw));
    cookies.set("merchant", await login(server.url, server.demo.merchantEmail, server.demo.hostPassword));
    cookies.set("staff", await login(server.url, "staff@demo.test", pw));
    cookies.set("otherMerchant", await login(server.url, "owner@other.test", pw));
    cookies.set("admin", await login(server.url, "admin@platform.test", pw));
    const productId = (await catalog.productsOf(demoMerchant))[0]!.id;
    const created = await request(server.url, "POST", `/api/studio/shows/${showId}/auctions`, {
      cookie: cookies.get("host"),
      body: { productId, startPrice: 500, minIncrement: 50, durationSeconds: 60 },
    });
    auctionId = created.body.auction.id;
    await request(server.url, "POST", `/api/studio/auctions/${auctionId}/cancel`, { cookie: cookies.get("host") });
  }, 180_000);
  afterAll(async () => server?.close());

  const routes: { name: string; allowed: Role[]; call: (cookie?: string) => Promise<{ status: number; body: any }> }[] = [
    {
      name: "GET /api/studio/shows/:id/auctions",
      allowed: STUDIO,
      call: (c) => request(server.url, "GET", `/api/studio/shows/${showId}/auctions`, { cookie: c }),
    },
    {
      name: "POST /api/studio/shows/:id/auctions (bad body)",
      allowed: STUDIO,
      call: (c) => request(server.url, "POST", `/api/studio/shows/${showId}/auctions`, { cookie: c, body: {} }),
    },
    {
      name: "POST /api/studio/auctions/:id/start",
      allowed: STUDIO,
      call: (c) => request(server.url, "POST", `/api/studio/auctions/${auctionId}/start`, { cookie: c }),
    },
    {
      name: "POST /api/studio/auctions/:id/cancel",
      allowed: STUDIO,
      call: (c) => request(server.url, "POST", `/api/studio/auctions/${auctionId}/cancel`, { cookie: c }),
    },
    {
      name: "GET /api/studio/auctions/:id/events",
      allowed: STUDIO,
      call: (c) => request(server.url, "GET", `/api/studio/auctions/${auctionId}/events`, { cookie: c }),
    },
    {
      name: "POST /api/auctions/:id/bids",
      allowed: BIDDERS,
      call: (c) =>
        request(server.url, "POST", `/api/auctions/${auctionId}/bids`, {
          cookie: c,
          headers: { "idempotency-key": `authz-${Math.random()}` },
          body: { maxAmount: 1000 },
        }),
    },
    {
      name: "POST /api/auctions/:id/pre-bids",
      allowed: BIDDERS,
      call: (c) =>
        request(server.url, "POST", `/api/auctions/${auctionId}/pre-bids`, {
          cookie: c,
          headers: { "idempotency-key": `authz-${Math.random()}` },
          body: { maxAmount: 1000 },
        }),
    },
    { name: "GET /api/auctions/:id", allowed: ROLES, call: (c) => request(server.url, "GET", `/api/auctions/${auctionId}`, { cookie: c }) },
    { name: "GET /api/shows/:id/auctions", allowed: ROLES, call: (c) => request(server.url, "GET", `/api/shows/${showId}/auctions`, { cookie: c }) },
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

  it("bids from the show's own accounts are refused with cannot_bid_own_show and audited", async () => {
    for (const role of ["host", "merchant", "staff"] as const) {
      const res = await request(server.url, "POST", `/api/auctions/${auctionId}/bids`, {
        cookie: cookies.get(role),
        headers: { "idempotency-key": `own-${role}-1` },
        body: { maxAmount: 1000 },
      });
      expect(res.body.error.code).toBe("cannot_bid_own_show");
    }
    const buyer = await request(server.url, "POST", `/api/auctions/${auctionId}/bids`, {
      cookie: cookies.get("buyer"),
      headers: { "idempotency-key": "buyer-late-1" },
      body: { maxAmount: 1000 },
    });
    expect(buyer.body.error.code).toBe("auction_closed");
    const noKey = await request(server.url, "POST", `/api/auctions/${auctionId}/bids`, { cookie: cookies.get("buyer"), body: { maxAmount: 1000 } });
    expect(noKey.body.error.code).toBe("idempotency_key_required");
    const bad = await request(server.url, "POST", `/api/auctions/${auctionId}/bids`, {
      cookie: cookies.get("buyer"),
      headers: { "idempotency-key": "buyer-bad-1" },
      body: { maxAmount: -5 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid_body");
    const log = await request(server.url, "GET", `/api/studio/auctions/${auctionId}/events`, { cookie: cookies.get("host") });
    expect(log.body.events.filter((e: { reason: string }) => e.reason === "cannot_bid_own_show").length).toBeGreaterThanOrEqual(3);
  });
});
