import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_CARD_OK } from "../../src/server/payments/index.js";
import { orderBody } from "../support/fixtures.js";
import { login, postOrder, request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";

// PGLITE_THREAD=1: the whole server with its embedded database in a worker thread, over real HTTP — a flash sale's
// race, the order's page and the studio's figures read through the thread as through PGlite on the event loop.
describe("a server with PGlite in a worker thread (PGLITE_THREAD=1)", () => {
  let server: TestServer;
  let host: string;

  beforeAll(async () => {
    server = await startTestServer({ env: { PGLITE_THREAD: "1" } });
    host = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
  }, 240_000);
  afterAll(async () => server?.close());

  it("reports the embedded database healthy and sells 10 units to exactly 10 of 60 concurrent buyers", async () => {
    const health = await request(server.url, "GET", "/healthz");
    expect(health.body).toMatchObject({ ok: true, db: { ok: true, kind: "pglite" } });
    const studio = await request(server.url, "GET", `/api/studio/shows/${server.demo.showId}`, { cookie: host });
    const created = await request(server.url, "POST", `/api/studio/shows/${server.demo.showId}/offers`, {
      cookie: host,
      body: { productId: studio.body.products[0].id, showPrice: 1999, quantity: 10, durationSeconds: 600, pin: true },
    });
    expect(created.status).toBe(201);
    const offerId = created.body.offer.id as string;
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        postOrder(server.url, {
          ...orderBody(offerId),
          buyer: { name: `Racer ${i}`, email: `racer${i}@example.com` },
          payment: { method: "test_card", number: TEST_CARD_OK },
        }),
      ),
    );
    const paid = results.filter((r) => r.status === 201);
    expect(paid).toHaveLength(10);
    expect(results.filter((r) => r.status === 409 && r.body.error.code === "sold_out")).toHaveLength(50);
    for (const r of paid) {
      const page = await request(server.url, "GET", `/api/orders/${r.body.order.id}`, { headers: { "x-order-token": r.body.accessToken } });
      expect(page.body.order).toMatchObject({ id: r.body.order.id, status: "paid", total: 1999 });
    }
    expect((await server.services.offers.offer(offerId)).remaining).toBe(0);
    const after = await request(server.url, "GET", `/api/studio/shows/${server.demo.showId}`, { cookie: host });
    expect(after.body.stats.unitsSold).toBeGreaterThanOrEqual(10);
  });
});
