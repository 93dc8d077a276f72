import { randomUUID } from "node:crypto";
import { request } from "undici";
import { round, runLoad, startChildServer } from "./support.js";

// Flash sale: many buyers, one pinned offer, over real HTTP against the server in its own process.
// Baseline: the trivial GET /api/ping route of the same server, same client, same concurrency, same run.
export async function flashSale(args: { attempts?: number; units?: number; concurrency?: number; databaseUrl?: string }) {
  const attempts = args.attempts ?? 5000;
  const units = args.units ?? 100;
  const concurrency = args.concurrency ?? 100;
  const server = await startChildServer(args.databaseUrl ? { DATABASE_URL: args.databaseUrl, DATABASE_SCHEMA: `bench_${Date.now()}` } : {});
  try {
    const login = await request(`${server.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: server.demo.hostEmail, password: server.demo.hostPassword }) });
    const cookie = String(login.headers["set-cookie"]).split(";")[0]!;
    await login.body.text();
    const auth = { cookie, "x-showcart-csrf": "1", "content-type": "application/json" };
    const studio = (await (await request(`${server.url}/api/studio/shows/${server.demo.showId}`, { headers: auth })).body.json()) as { products: { id: string }[] };
    const created = await request(`${server.url}/api/studio/shows/${server.demo.showId}/offers`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ productId: studio.products[0]!.id, showPrice: 4999, quantity: units, durationSeconds: 3600, pin: true }),
    });
    const offerId = ((await created.body.json()) as { offer: { id: string } }).offer.id;

    // Warm up both paths (JIT, connections) before measuring.
    await runLoad(server.url, 500, concurrency, () => ({ method: "GET", path: "/api/ping" }));
    const baseline = await runLoad(server.url, attempts, concurrency, () => ({ method: "GET", path: "/api/ping" }));

    const body = (i: number) =>
      JSON.stringify({
        offerId,
        quantity: 1,
        buyer: { name: `Buyer ${i}`, email: `buyer${i}@example.com` },
        shipping: { name: `Buyer ${i}`, line1: "Hauptstr. 1", postalCode: "10115", city: "Berlin", country: "DE" },
        payment: { method: "test_card", number: "4242424242424242" },
      });
    const sale = await runLoad(
      server.url,
      attempts,
      concurrency,
      (i) => ({ method: "POST", path: "/api/orders", headers: { "content-type": "application/json", "idempotency-key": randomUUID() }, body: body(i) }),
      (status, text) => (status === 201 ? "confirmed" : status === 409 && text.includes("sold_out") ? "sold_out" : `other_${status}`),
    );
    const show = (await (await request(`${server.url}/api/shows/${server.demo.showId}`)).body.json()) as { show: { offers: { id: string; remaining: number }[] } };
    const remaining = show.show.offers.find((o) => o.id === offerId)?.remaining ?? -1;
    const confirmed = sale.statuses.confirmed ?? 0;
    return {
      bench: "flash-sale",
      backend: args.databaseUrl ? "postgres" : "pglite",
      attempts,
      units,
      concurrency,
      attempts_per_s: round(sale.perSecond),
      confirmed,
      sold_out: sale.statuses.sold_out ?? 0,
      errors: attempts - confirmed - (sale.statuses.sold_out ?? 0),
      oversold: Math.max(0, confirmed - units) + (confirmed + remaining !== units ? Math.abs(confirmed + remaining - units) : 0),
      remaining,
      p50_ms: round(sale.p50, 2),
      p99_ms: round(sale.p99, 2),
      baseline_rps: round(baseline.perSecond),
      baseline_p99_ms: round(baseline.p99, 2),
      ratio: round(sale.perSecond / baseline.perSecond, 3),
    };
  } finally {
    await server.stop();
  }
}
