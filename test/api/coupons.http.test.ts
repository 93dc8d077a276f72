import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { orderBody } from "../support/fixtures.js";
import { login, request } from "../support/http.js";
import { createBuyer } from "../support/accounts.js";
import { type TestServer, startTestServer } from "../support/server.js";

// Coupon drops and mystery pools over real HTTP: studio routes, one-tap claim, checkout with the Idempotency-Key.
describe("coupon drops and mystery pools over HTTP", { timeout: 120_000 }, () => {
  let server: TestServer;
  let host: string;
  let buyer: string;
  let offerId: string;
  let showId: string;

  beforeAll(async () => {
    server = await startTestServer({ synthetic: false });
    showId = server.demo.showId;
    host = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
    await createBuyer(server, "coupon-buyer@http.test", "buyer-password-1", "Coupon Buyer");
    buyer = await login(server.url, "coupon-buyer@http.test", "buyer-password-1");
    const show = await request(server.url, "GET", `/api/shows/${showId}`);
    offerId = show.body.show.offers.find((o: { pinned: boolean }) => o.pinned).id;
  }, 120_000);
  afterAll(async () => server?.close());

  it("drops a coupon, claims it with one tap and takes it off the order total at checkout", async () => {
    const drop = await request(server.url, "POST", `/api/studio/shows/${showId}/coupons`, {
      cookie: host,
      body: { code: "http20", percentBp: 2000, minutes: 5, maxClaims: 10 },
    });
    expect(drop.status).toBe(201);
    expect(drop.body.coupon).toMatchObject({ code: "HTTP20", status: "active", maxClaims: 10, claims: 0 });
    expect((await request(server.url, "GET", `/api/shows/${showId}/coupons`)).body.coupons.map((c: { code: string }) => c.code)).toContain("HTTP20");

    expect((await request(server.url, "POST", `/api/shows/${showId}/coupons/claim`, { body: { code: "HTTP20" } })).status).toBe(401);
    const claim = await request(server.url, "POST", `/api/shows/${showId}/coupons/claim`, { cookie: buyer, body: { code: "http20" } });
    expect(claim.status).toBe(201);
    expect((await request(server.url, "POST", `/api/shows/${showId}/coupons/claim`, { cookie: buyer, body: { code: "HTTP20" } })).status).toBe(200);
    const bad = await request(server.url, "POST", `/api/shows/${showId}/coupons/claim`, { cookie: buyer, body: { code: "NOSUCH" } });
    expect(bad).toMatchObject({ status: 422, body: { error: { code: "coupon_invalid" } } });

    // Checkout previews the discount before any hold: signed in, zod-checked query, standard error shape.
    const preview = `/api/offers/${offerId}/coupon-preview`;
    expect((await request(server.url, "GET", `${preview}?code=HTTP20`)).status).toBe(401);
    const shown = await request(server.url, "GET", `${preview}?code=http20&quantity=2`, { cookie: buyer });
    expect(shown.status).toBe(200);
    const unit = shown.body.preview.gross / 2;
    expect(shown.body.preview).toMatchObject({
      offerId,
      code: "HTTP20",
      kind: "percent",
      percentBp: 2000,
      quantity: 2,
      discount: Math.floor((unit * 2 * 2000) / 10_000),
      total: unit * 2 - Math.floor((unit * 2 * 2000) / 10_000),
    });
    expect(await request(server.url, "GET", `${preview}?code=HTTP20&quantity=0`, { cookie: buyer })).toMatchObject({
      status: 400,
      body: { error: { code: "invalid_query" } },
    });
    expect(await request(server.url, "GET", `${preview}?code=NOSUCH`, { cookie: buyer })).toMatchObject({
      status: 422,
      body: { error: { code: "coupon_invalid" } },
    });
    expect(await request(server.url, "GET", `/api/offers/off_nope/coupon-preview?code=HTTP20`, { cookie: buyer })).toMatchObject({
      status: 404,
      body: { error: { code: "not_found" } },
    });

    const key = randomUUID();
    const body = orderBody(offerId, { coupon: "HTTP20" });
    const placed = await request(server.url, "POST", "/api/orders", { cookie: buyer, body, headers: { "idempotency-key": key } });
    expect(placed.status).toBe(201);
    const { order } = placed.body;
    expect(order.total).toBe(order.unitPrice - Math.floor((order.unitPrice * 2000) / 10_000));
    const discount = await request(server.url, "GET", `/api/orders/${order.id}/discount`, { cookie: buyer });
    expect(discount.body.discount).toMatchObject({ code: "HTTP20", gross: order.unitPrice, amount: order.unitPrice - order.total });
    // The same key replays the same order; a new key with the used coupon is refused.
    const replay = await request(server.url, "POST", "/api/orders", { cookie: buyer, body, headers: { "idempotency-key": key } });
    expect(replay.body.order).toMatchObject({ id: order.id, total: order.total });
    const again = await request(server.url, "POST", "/api/orders", { cookie: buyer, body, headers: { "idempotency-key": randomUUID() } });
    expect(again).toMatchObject({ status: 409, body: { error: { code: "coupon_already_used" } } });
    expect(await request(server.url, "GET", `${preview}?code=HTTP20`, { cookie: buyer })).toMatchObject({
      status: 409,
      body: { error: { code: "coupon_already_used" } },
    });
    // Buyers cannot drop coupons.
    expect((await request(server.url, "POST", `/api/studio/shows/${showId}/coupons`, { cookie: buyer, body: { percentBp: 100, minutes: 1 } })).status).toBe(
      403,
    );
  });

  it("opens a mystery pool from the studio, refuses odds that do not sum to 100 %, and shows the buyer's draw", async () => {
    const products = (await request(server.url, "GET", `/api/studio/shows/${showId}`, { cookie: host })).body.products as { id: string }[];
    expect(products.length).toBeGreaterThanOrEqual(2);
    const items = (odds: [number, number]) => odds.map((oddsBp, i) => ({ productId: products[i].id, oddsBp, quantity: 3 }));
    const wrong = await request(server.url, "POST", `/api/studio/shows/${showId}/mystery`, {
      cookie: host,
      body: { title: "Bag", showPrice: 500, durationSeconds: 600, items: items([5000, 4000]) },
    });
    expect(wrong).toMatchObject({ status: 400, body: { error: { code: "invalid_body" } } });
    const created = await request(server.url, "POST", `/api/studio/shows/${showId}/mystery`, {
      cookie: host,
      body: { title: "Bag", showPrice: 500, durationSeconds: 600, pin: true, items: items([2500, 7500]) },
    });
    expect(created.status).toBe(201);
    const pool = created.body.pool;
    expect(pool.items.map((i: { oddsBp: number }) => i.oddsBp)).toEqual([2500, 7500]);
    expect((await request(server.url, "GET", `/api/shows/${showId}/mystery`)).body.pools.map((p: { id: string }) => p.id)).toContain(pool.id);

    const placed = await request(server.url, "POST", "/api/orders", {
      body: orderBody(pool.offerId, { quantity: 2 }),
      headers: { "idempotency-key": randomUUID() },
    });
    expect(placed.status).toBe(201);
    const mine = await request(server.url, "GET", `/api/orders/${placed.body.order.id}/mystery`, { headers: { "x-order-token": placed.body.accessToken } });
    expect(mine.body.draws).toHaveLength(2);
    expect(mine.body.pool).toMatchObject({ id: pool.id, seed: null });

    // The 18+ switch: only the merchant's accounts set it; then ordering needs the confirmation.
    expect((await request(server.url, "PATCH", `/api/studio/shows/${showId}/mystery-settings`, { cookie: host, body: { adultOnly: true } })).status).toBe(403);
    const merchant = await login(server.url, server.demo.merchantEmail, server.demo.hostPassword);
    expect((await request(server.url, "PATCH", `/api/studio/shows/${showId}/mystery-settings`, { cookie: merchant, body: { adultOnly: true } })).status).toBe(
      200,
    );
    const refused = await request(server.url, "POST", "/api/orders", { body: orderBody(pool.offerId), headers: { "idempotency-key": randomUUID() } });
    expect(refused).toMatchObject({ status: 400, body: { error: { code: "invalid_body" } } });
    const confirmed = await request(server.url, "POST", "/api/orders", {
      body: orderBody(pool.offerId, { ageConfirmed: true }),
      headers: { "idempotency-key": randomUUID() },
    });
    expect(confirmed.status).toBe(201);

    const closed = await request(server.url, "POST", `/api/studio/mystery/${pool.id}/close`, { cookie: host });
    expect(closed.body.pool).toMatchObject({ status: "closed", seed: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const audit = await request(server.url, "GET", `/api/studio/mystery/${pool.id}/audit`, { cookie: host });
    expect(audit.body.draws).toHaveLength(3);
    expect((await request(server.url, "GET", `/api/studio/mystery/${pool.id}/audit`, { cookie: buyer })).status).toBe(403);
  });
});
