import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../support/db.js";
import { orderBody } from "../support/fixtures.js";
import { login, postOrder, request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";

// The whole server over real HTTP, without the demo video (media is covered by its own tests).
describe.each(backends)("orders over HTTP on %s", (backend) => {
  let server: TestServer;
  let cookie: string;
  let showId: string;
  let productId: string;

  beforeAll(async () => {
    server = await startTestServer({ backend, demo: true, synthetic: false });
    showId = server.demo.showId;
    cookie = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
    const studio = await request(server.url, "GET", `/api/studio/shows/${showId}`, { cookie });
    productId = studio.body.products[1].id;
  });
  afterAll(async () => server?.close());

  async function newOffer(quantity: number) {
    const res = await request(server.url, "POST", `/api/studio/shows/${showId}/offers`, {
      cookie,
      body: { productId, showPrice: 999, quantity, durationSeconds: 600, pin: true },
    });
    expect(res.status).toBe(201);
    return res.body.offer as { id: string; remaining: number };
  }

  it("sells exactly 10 of 10 units to 200 concurrent buyers; the rest get sold_out", async () => {
    const offer = await newOffer(10);
    const results = await Promise.all(Array.from({ length: 200 }, () => postOrder(server.url, orderBody(offer.id))));
    const byStatus = new Map<string, number>();
    for (const r of results) {
      const k = r.status === 201 ? `201 ${r.body.order.status}` : `${r.status} ${r.body.error.code}`;
      byStatus.set(k, (byStatus.get(k) ?? 0) + 1);
    }
    expect(Object.fromEntries(byStatus)).toEqual({ "201 paid": 10, "409 sold_out": 190 });
    const show = await request(server.url, "GET", `/api/shows/${showId}`);
    expect(show.body.show.offers.find((o: { id: string }) => o.id === offer.id).remaining).toBe(0);
  });

  it("answers a sold-out offer early with the checkout's own 409, yet replays a key that bought before the sell-out", async () => {
    const offer = await newOffer(1);
    const bought = await postOrder(server.url, orderBody(offer.id), "early-sold-out-key-1");
    expect(bought.status).toBe(201);
    // Stock is known to be gone: the answer comes before the rest of the body is read, and is the same 409.
    const late = await postOrder(server.url, orderBody(offer.id));
    expect(late.status).toBe(409);
    expect(late.body).toEqual({ error: { code: "sold_out", message: "Sold out." } });
    expect(late.headers.get("content-type")).toMatch(/^application\/json/);
    expect(late.headers.get("x-content-type-options")).toBe("nosniff");
    // The early answer ran (the full schema would have refused this buyer's email with 400): sold out is sold out.
    const sloppy = await postOrder(server.url, orderBody(offer.id, { buyer: { name: "", email: "not-an-email" } }));
    expect(sloppy.status).toBe(409);
    expect(sloppy.body.error.code).toBe("sold_out");
    // A retry of the buyer who got the unit replays their order, not sold_out.
    const retry = await postOrder(server.url, orderBody(offer.id), "early-sold-out-key-1");
    expect(retry.status).toBe(201);
    expect(retry.body.order.id).toBe(bought.body.order.id);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    // What the early answer does not read is still checked when it does not apply: a bad quantity is a 400.
    const bad = await postOrder(server.url, orderBody(offer.id, { quantity: 0 }));
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid_body");
    // Without an Idempotency-Key the route refuses before anything else, sold out or not.
    const noKey = await request(server.url, "POST", "/api/orders", { body: orderBody(offer.id) });
    expect(noKey.status).toBe(400);
    expect(noKey.body.error.code).toBe("idempotency_key_required");
  });

  it("answers a declined card with 402 payment_declined and gives the unit back", async () => {
    const offer = await newOffer(1);
    const res = await postOrder(server.url, orderBody(offer.id, { payment: { method: "test_card", number: "4000000000000002" } }));
    expect(res.status).toBe(402);
    expect(res.body.error.code).toBe("payment_declined");
    const ok = await postOrder(server.url, orderBody(offer.id));
    expect(ok.status).toBe(201);
  });

  it("replays an order for the same Idempotency-Key and body; 422 for another body", async () => {
    const offer = await newOffer(5);
    const a = await postOrder(server.url, orderBody(offer.id), "same-key-http-1");
    const b = await postOrder(server.url, orderBody(offer.id), "same-key-http-1");
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.order.id).toBe(a.body.order.id);
    expect(b.headers.get("idempotent-replayed")).toBe("true");
    const c = await postOrder(server.url, orderBody(offer.id, { quantity: 2 }), "same-key-http-1");
    expect(c.status).toBe(422);
    expect(c.body.error.code).toBe("idempotency_mismatch");
  });

  it("rejects bad input with a 4xx and an error code, never a 500", async () => {
    const offer = await newOffer(5);
    const cases: [string, Promise<{ status: number; body: any }>, number, string][] = [
      ["malformed JSON", request(server.url, "POST", "/api/orders", { raw: "{nope", headers: { "idempotency-key": "k-bad-1234" } }), 400, "invalid_json"],
      ["no key", request(server.url, "POST", "/api/orders", { body: orderBody(offer.id) }), 400, "idempotency_key_required"],
      ["wrong type", postOrder(server.url, { ...orderBody(offer.id), quantity: "2" }), 400, "invalid_body"],
      ["zero quantity", postOrder(server.url, { ...orderBody(offer.id), quantity: 0 }), 400, "invalid_body"],
      ["unknown field", postOrder(server.url, { ...orderBody(offer.id), admin: true }), 400, "invalid_body"],
      ["bad email", postOrder(server.url, orderBody(offer.id, { buyer: { name: "x", email: "nope" } })), 400, "invalid_body"],
      ["array body", request(server.url, "POST", "/api/orders", { body: [1, 2], headers: { "idempotency-key": "k-bad-5678" } }), 400, "invalid_body"],
      ["null body", request(server.url, "POST", "/api/orders", { raw: "null", headers: { "idempotency-key": "k-bad-9999" } }), 400, "invalid_body"],
      ["huge body", postOrder(server.url, { ...orderBody(offer.id), buyer: { name: "x".repeat(200_000), email: "a@b.de" } }), 413, "body_too_large"],
      [
        "form body",
        request(server.url, "POST", "/api/orders", {
          raw: "a=b",
          headers: { "content-type": "application/x-www-form-urlencoded", "idempotency-key": "k-bad-form" },
        }),
        415,
        "unsupported_media_type",
      ],
      ["unknown offer", postOrder(server.url, orderBody("ofr_unknown")), 404, "not_found"],
      ["unknown show", request(server.url, "GET", "/api/shows/nope-nope"), 404, "not_found"],
      ["unknown order", request(server.url, "GET", "/api/orders/ord_nope"), 404, "not_found"],
      ["unknown route", request(server.url, "GET", "/api/nothing-here"), 404, "not_found"],
      ["studio without login", request(server.url, "GET", `/api/studio/shows/${showId}`), 401, "unauthenticated"],
      [
        "wrong password",
        request(server.url, "POST", "/api/auth/login", { body: { email: server.demo.hostEmail, password: "wrong" } }),
        401,
        "invalid_credentials",
      ],
      [
        "cookie write without CSRF header",
        request(server.url, "POST", `/api/studio/shows/${showId}/stream-key/reveal`, { headers: { cookie } }),
        403,
        "forbidden",
      ],
      [
        "bad offer body",
        request(server.url, "POST", `/api/studio/shows/${showId}/offers`, { cookie, body: { productId, showPrice: -1, quantity: 1, durationSeconds: 60 } }),
        400,
        "invalid_body",
      ],
      [
        "foreign product",
        request(server.url, "POST", `/api/studio/shows/${showId}/offers`, {
          cookie,
          body: { productId: "prd_other", showPrice: 1, quantity: 1, durationSeconds: 60 },
        }),
        400,
        "invalid_body",
      ],
    ];
    for (const [name, p, status, code] of cases) {
      const res = await p;
      expect({ name, status: res.status, code: res.body?.error?.code }).toEqual({ name, status, code });
      expect(typeof res.body.error.message).toBe("string");
    }
    // Nothing was half-written by the bad requests.
    const show = await request(server.url, "GET", `/api/shows/${showId}`);
    expect(show.body.show.offers.find((o: { id: string }) => o.id === offer.id).remaining).toBe(5);
  });

  it("holds units without payment, then pays or cancels the hold over HTTP", async () => {
    const offer = await newOffer(2);
    const { payment: _, ...hold } = orderBody(offer.id);
    const held = await postOrder(server.url, hold);
    expect(held.status).toBe(201);
    expect(held.body.order).toMatchObject({ status: "pending_payment", holdExpiresAt: expect.any(String) });
    const holder = { "x-order-token": held.body.accessToken };
    const badPay = await request(server.url, "POST", `/api/orders/${held.body.order.id}/pay`, { body: { payment: { method: "cash" } }, headers: holder });
    expect([badPay.status, badPay.body.error.code]).toEqual([400, "invalid_body"]);
    const paid = await request(server.url, "POST", `/api/orders/${held.body.order.id}/pay`, {
      body: { payment: { method: "test_card", number: "4242424242424242" } },
      headers: holder,
    });
    expect([paid.status, paid.body.order.status]).toEqual([200, "paid"]);
    const other = await postOrder(server.url, hold);
    const cancelled = await request(server.url, "POST", `/api/orders/${other.body.order.id}/cancel`, { headers: { "x-order-token": other.body.accessToken } });
    expect(cancelled.body.order.status).toBe("cancelled");
    const show = await request(server.url, "GET", `/api/shows/${showId}`);
    expect(show.body.show.offers.find((o: { id: string }) => o.id === offer.id).remaining).toBe(1);
    const unknown = await request(server.url, "POST", "/api/orders/ord_nope/pay", { body: { payment: { method: "test_card", number: "4242424242424242" } } });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, "not_found"]);
  });

  it("serves the public show API with playback URL and the pinned offer", async () => {
    const list = await request(server.url, "GET", "/api/shows");
    expect(list.status).toBe(200);
    const demo = list.body.shows.find((s: { slug: string }) => s.slug === "demo");
    expect(demo).toMatchObject({ id: showId, slug: "demo", playbackUrl: `/live/${showId}/index.m3u8` });
    const bySlug = await request(server.url, "GET", "/api/shows/demo");
    const pinned = bySlug.body.show.offers.filter((o: { pinned: boolean }) => o.pinned);
    expect(pinned).toHaveLength(1);
    expect(pinned[0]).toEqual(
      expect.objectContaining({
        id: expect.any(String),
        title: expect.any(String),
        price: expect.any(Number),
        showPrice: expect.any(Number),
        remaining: expect.any(Number),
        endsAt: expect.any(String),
        pinned: true,
      }),
    );
    const health = await request(server.url, "GET", "/healthz");
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ ok: true, db: { ok: true } });
  });

  it("keeps the stream key out of public responses and rotates it on request", async () => {
    const pub = JSON.stringify((await request(server.url, "GET", `/api/shows/${showId}`)).body);
    const revealed = await request(server.url, "POST", `/api/studio/shows/${showId}/stream-key/reveal`, { cookie });
    expect(revealed.body.streamKey).toMatch(/^sk_/);
    expect(pub).not.toContain(revealed.body.streamKey);
    const rotated = await request(server.url, "POST", `/api/studio/shows/${showId}/stream-key/rotate`, { cookie });
    expect(rotated.body.streamKey).not.toBe(revealed.body.streamKey);
    expect(await server.services.shows.showIdForStreamKey(revealed.body.streamKey)).toBeNull();
    expect(await server.services.shows.showIdForStreamKey(rotated.body.streamKey)).toBe(showId);
  });
});
