import { randomUUID } from "node:crypto";
import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { runLoad, startChildServer, type ChildServer } from "../../bench/support.js";
import { backends, dropSchema, uniqueSchema } from "../support/db.js";
import { until } from "../support/until.js";

const body = (offerId: string, i: number) =>
  JSON.stringify({
    offerId,
    quantity: 1,
    buyer: { name: `Buyer ${i}`, email: `crash${i}@example.com` },
    shipping: { name: `Buyer ${i}`, line1: "Hauptstr. 1", postalCode: "10115", city: "Berlin", country: "DE" },
    payment: { method: "test_card", number: "4242424242424242" },
  });

async function json<T>(p: ReturnType<typeof request>): Promise<T> {
  return (await (await p).body.json()) as T;
}

async function hostHeaders(server: ChildServer) {
  const res = await request(`${server.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: server.demo.hostEmail, password: server.demo.hostPassword }),
  });
  await res.body.text();
  return { cookie: String(res.headers["set-cookie"]).split(";")[0]!, "x-showcart-csrf": "1", "content-type": "application/json" };
}

describe.each(backends)("kill -9 in the middle of a flash sale on %s", (backend) => {
  let server: ChildServer | null = null;
  let schema: string | null = null;
  afterEach(async () => {
    await server?.stop();
    if (schema) await dropSchema(schema);
  });

  it("loses no order that got a 201, and sells no unit twice", async () => {
    schema = backend === "postgres" ? uniqueSchema() : null;
    const env: Record<string, string> = {
      METRICS_TOKEN: "metrics-token-for-tests",
      ...(schema ? { DATABASE_URL: process.env.TEST_DATABASE_URL!, DATABASE_SCHEMA: schema } : {}),
    };
    server = await startChildServer(env);
    const headers = await hostHeaders(server);
    const studio = await json<{ products: { id: string }[] }>(request(`${server.url}/api/studio/shows/${server.demo.showId}`, { headers }));
    const units = 40;
    const { offer } = await json<{ offer: { id: string } }>(
      request(`${server.url}/api/studio/shows/${server.demo.showId}/offers`, {
        method: "POST",
        headers,
        body: JSON.stringify({ productId: studio.products[0]!.id, showPrice: 999, quantity: units, durationSeconds: 3600, pin: true }),
      }),
    );
    const confirmed: string[] = [];
    const accessTokens = new Map<string, string>();
    let killed: Promise<void> | null = null;
    const victim = server;
    await runLoad(
      server.url,
      400,
      40,
      (i) => ({
        method: "POST",
        path: "/api/orders",
        headers: { "content-type": "application/json", "idempotency-key": randomUUID() },
        body: body(offer.id, i),
      }),
      undefined,
      (_i, status, text) => {
        if (status !== 201) return;
        const placed = JSON.parse(text) as { order: { id: string }; accessToken: string };
        confirmed.push(placed.order.id);
        accessTokens.set(placed.order.id, placed.accessToken);
        if (!killed && confirmed.length >= units / 4) killed = victim.kill();
      },
    );
    expect(killed).not.toBeNull();
    await killed;
    server = await startChildServer(env, { dataDir: victim.dataDir });
    for (const id of confirmed) {
      const res = await request(`${server.url}/api/orders/${id}`, { headers: { "x-order-token": accessTokens.get(id) ?? "" } });
      const got = (await res.body.json()) as { order?: { status: string } };
      expect({ id, status: res.statusCode, order: got.order?.status }).toEqual({ id, status: 200, order: "paid" });
    }
    const show = await json<{ show: { offers: { id: string; remaining: number }[] } }>(request(`${server.url}/api/shows/${server.demo.showId}`));
    const remaining = show.show.offers.find((o) => o.id === offer.id)!.remaining;
    const stats = await json<{ stats: { unitsSold: number } }>(
      request(`${server.url}/api/studio/shows/${server.demo.showId}`, { headers: await hostHeaders(server) }),
    );
    // Units of orders in flight at the kill are held (pending_payment) until their one-minute lock lapses.
    expect(stats.stats.unitsSold).toBeGreaterThanOrEqual(confirmed.length);
    expect(stats.stats.unitsSold + remaining).toBeLessThanOrEqual(units);
    // Stock and order events committed before the kill but never published are sent by the restarted server.
    await until(
      "the outbox to relay every committed event",
      async () => {
        const text = await (await request(`${server!.url}/metrics`, { headers: { authorization: "Bearer metrics-token-for-tests" } })).body.text();
        return /showcart_outbox_pending\{topic="bus.publish"\} 0\b/.test(text) && /showcart_outbox_pending\{topic="bus.publishMany"\} 0\b/.test(text);
      },
      30_000,
    );
  }, 120_000);
});
