import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { request } from "undici";
import { openDb } from "../src/server/db/index.js";
import { type ChildServer, cpuMs, loadClients, round, runLoad, startChildServer, statementCounts, statementFigures } from "./support.js";

interface FlashSaleArgs {
  attempts?: number;
  units?: number;
  concurrency?: number;
  databaseUrl?: string;
  /** Kill -9 the server when about a third of the units are sold, restart it, and count confirmed orders lost. */
  crash?: boolean;
  /** Bags: each checkout buys one unit each of two offers of the live show (two lines, one order, one payment). */
  bag?: boolean;
  /**
   * How long the payment provider takes to answer a charge (ms, default 100). The built-in test provider stands in
   * for Stripe with this latency; orders pay it the way they pay Stripe (hold, charge outside the transaction, confirm).
   */
  providerLatencyMs?: number;
  /** More settings for the server (the analytics bench turns recording on and off with ANALYTICS). */
  env?: Record<string, string>;
}

const buyerBody = (offerId: string, i: number) =>
  JSON.stringify({
    offerId,
    quantity: 1,
    buyer: { name: `Buyer ${i}`, email: `buyer${i}@example.com` },
    shipping: { name: `Buyer ${i}`, line1: "Hauptstr. 1", postalCode: "10115", city: "Berlin", country: "DE" },
    payment: { method: "test_card", number: "4242424242424242" },
  });

const bagBody = (offerIds: string[], i: number) =>
  JSON.stringify({
    lines: offerIds.map((offerId) => ({ offerId, quantity: 1 })),
    buyer: { name: `Buyer ${i}`, email: `buyer${i}@example.com` },
    shipping: { name: `Buyer ${i}`, line1: "Hauptstr. 1", postalCode: "10115", city: "Berlin", country: "DE" },
    payment: { method: "test_card", number: "4242424242424242" },
  });

/** Live shows sell every open offer (a bag's second line is not pinned): the child server was started live. */
async function waitUntilLive(server: ChildServer): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const show = await json<{ show: { status: string } }>(request(`${server.url}/api/shows/${server.demo.showId}`));
    if (show.show.status === "live") return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error("the demo show did not go live");
}

async function json<T>(res: Promise<{ body: { json(): Promise<unknown> } }>): Promise<T> {
  return (await (await res).body.json()) as T;
}

async function hostSession(server: ChildServer) {
  const login = await request(`${server.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: server.demo.hostEmail, password: server.demo.hostPassword }),
  });
  await login.body.text();
  return { cookie: String(login.headers["set-cookie"]).split(";")[0]!, "x-showcart-csrf": "1", "content-type": "application/json" };
}

/**
 * The database's raw rate of single-row update transactions, measured beside the server in the same run: 500 to warm
 * up, then the median of three rounds of 2,000. (One cold round of 2,000 until 2026-12-06 read 1,031–1,507 tx/s for
 * PGlite between runs of the same code, so `confirmed_ratio` moved 0.34–0.57 with its denominator.)
 */
export async function dbTxPerSecond(databaseUrl: string | undefined, concurrency: number): Promise<number> {
  const dir = databaseUrl ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), "showcart-dbtx-"));
  const schema = `bench_tx_${Date.now()}`;
  const h = await openDb(databaseUrl ? { databaseUrl, schema } : { dataDir: path.join(dir!, "pglite") });
  try {
    await sql`create table bench_counter (id int primary key, n bigint not null)`.execute(h.db);
    await sql`insert into bench_counter values (1, 0)`.execute(h.db);
    const round = async (n: number) => {
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next++ < n) await h.db.transaction().execute((tx) => sql`update bench_counter set n = n + 1 where id = 1`.execute(tx));
        }),
      );
      return n / ((performance.now() - t0) / 1000);
    };
    await round(500);
    const rates = [await round(2000), await round(2000), await round(2000)].sort((a, b) => a - b);
    return rates[1]!;
  } finally {
    if (databaseUrl) await sql.raw(`drop schema ${schema} cascade`).execute(h.db);
    await h.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Flash sale: many buyers, one pinned offer, over real HTTP against the server in its own process.
// Baselines in the same run: GET /api/ping on the same server, same client and concurrency; the database's raw
// single-row transaction rate.
export async function flashSale(args: FlashSaleArgs) {
  const attempts = args.attempts ?? 10_000;
  const units = args.units ?? 100;
  const concurrency = args.concurrency ?? 500;
  const providerLatencyMs = args.providerLatencyMs ?? 100;
  const env: Record<string, string> = {
    PAYMENT_TEST_LATENCY_MS: String(providerLatencyMs),
    ...(args.databaseUrl ? { DATABASE_URL: args.databaseUrl, DATABASE_SCHEMA: `bench_${Date.now()}` } : {}),
    // Bags: the show is live (every open offer sells, the second line is not pinned), without a video encoder.
    ...(args.bag ? { BENCH_SHOW_LIVE: "1" } : {}),
    ...args.env,
  };
  const counting = process.env.BENCH_COUNT_STATEMENTS === "1";
  const countFile = path.join(os.tmpdir(), `showcart-statements-${process.pid}-${Date.now()}.jsonl`);
  if (counting) {
    env.STATEMENT_COUNT_FILE = countFile;
    process.env.BENCH_SERVER_NODE_ARGS = `${process.env.BENCH_SERVER_NODE_ARGS ?? ""} --import ${path.resolve("bench/statement-count.mjs")}`;
  }
  let server = await startChildServer(env);
  // One set of keep-alive connections, opened by the warm-up and used by the baseline and the sale alike (buyers on
  // a show's page are connected already). Until 2026-12-07 each run opened its own 500 at once, whatever the comment
  // below said: the auction bench's p99 was mostly the last of those connections.
  const clients = loadClients(concurrency);
  try {
    const auth = await hostSession(server);
    const studio = await json<{ products: { id: string }[] }>(request(`${server.url}/api/studio/shows/${server.demo.showId}`, { headers: auth }));
    const created = await json<{ offer: { id: string } }>(
      request(`${server.url}/api/studio/shows/${server.demo.showId}/offers`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ productId: studio.products[0]!.id, showPrice: 4999, quantity: units, durationSeconds: 3600, pin: true }),
      }),
    );
    const offerId = created.offer.id;
    const offerIds = [offerId];
    if (args.bag) {
      const second = await json<{ offer: { id: string } }>(
        request(`${server.url}/api/studio/shows/${server.demo.showId}/offers`, {
          method: "POST",
          headers: auth,
          body: JSON.stringify({ productId: studio.products[0]!.id, showPrice: 2999, quantity: units, durationSeconds: 3600 }),
        }),
      );
      offerIds.push(second.offer.id);
      await waitUntilLive(server);
    }

    // Warm up (JIT, connections) before measuring.
    await runLoad(server.url, 1000, concurrency, () => ({ method: "GET", path: "/api/ping" }), undefined, undefined, clients);
    const pingCpu0 = cpuMs(server.proc.pid);
    const baseline = await runLoad(server.url, attempts, concurrency, () => ({ method: "GET", path: "/api/ping" }), undefined, undefined, clients);
    const pingCpu1 = cpuMs(server.proc.pid);

    const before = counting ? await statementCounts(server, countFile) : null;
    const confirmedIds: string[] = [];
    const accessTokens = new Map<string, string>();
    let lastConfirmedMs = 0;
    let killed: Promise<void> | null = null;
    const saleCpu0 = cpuMs(server.proc.pid);
    const sale = await runLoad(
      server.url,
      attempts,
      concurrency,
      (i) => ({
        method: "POST",
        path: args.bag ? "/api/orders/bag" : "/api/orders",
        headers: { "content-type": "application/json", "idempotency-key": randomUUID() },
        body: args.bag ? bagBody(offerIds, i) : buyerBody(offerId, i),
      }),
      (status, text) =>
        status === 201 ? "confirmed" : status === 409 && text.includes("sold_out") ? "sold_out" : status === 0 ? "refused" : `other_${status}`,
      (_i, status, text, atMs) => {
        if (status !== 201) return;
        const placed = JSON.parse(text) as { order: { id: string }; accessToken: string };
        confirmedIds.push(placed.order.id);
        accessTokens.set(placed.order.id, placed.accessToken);
        lastConfirmedMs = atMs;
        if (args.crash && !killed && confirmedIds.length >= units / 3) killed = server.kill();
      },
      clients,
    );
    // The server's CPU over the sale (not PostgreSQL's processes): steadier than req/s when other work shares the machine.
    const saleCpu1 = killed ? null : cpuMs(server.proc.pid);
    if (killed) {
      await killed;
      server = await startChildServer(env, { dataDir: server.dataDir });
    }
    const confirmed = sale.statuses.confirmed ?? 0;
    // The outbox's deliveries (confirmation emails) run after the answers: counted once they had time to finish.
    if (before && !killed) await new Promise((r) => setTimeout(r, 3000));
    const after = before && !killed ? await statementCounts(server, countFile) : null;
    let lost = 0;
    for (const id of confirmedIds) {
      const res = await request(`${server.url}/api/orders/${id}`, { headers: { "x-order-token": accessTokens.get(id) ?? "" } });
      const body = (await res.body.json()) as { order?: { status: string } };
      if (res.statusCode !== 200 || body.order?.status !== "paid") lost++;
    }
    const show = await json<{ show: { offers: { id: string; remaining: number }[] } }>(request(`${server.url}/api/shows/${server.demo.showId}`));
    // Every offer of the sale (two for bags): units neither sold nor left would be lost, more sold than made oversold.
    const remaining = offerIds.reduce((sum, id) => sum + (show.show.offers.find((o) => o.id === id)?.remaining ?? 0), 0);
    const made = units * offerIds.length;
    const stats = await json<{ stats: { unitsSold: number } }>(
      request(`${server.url}/api/studio/shows/${server.demo.showId}`, { headers: await hostSession(server) }),
    );
    const sold = stats.stats.unitsSold;
    const dbTx = await dbTxPerSecond(args.databaseUrl, args.databaseUrl ? 10 : 1);
    const confirmedPerS = confirmed / Math.max(0.001, lastConfirmedMs / 1000);
    return {
      bench: `flash-sale${args.bag ? "-bag" : ""}${args.crash ? "-crash" : ""}`,
      backend: args.databaseUrl ? "postgres" : "pglite",
      // The path every payment takes: hold in one transaction, the provider's charge outside it, confirm in a second.
      payment: "provider",
      provider_latency_ms: providerLatencyMs,
      attempts,
      units,
      lines_per_checkout: offerIds.length,
      concurrency,
      attempts_per_s: round(sale.perSecond),
      confirmed,
      confirmed_per_s: round(confirmedPerS),
      sold_out: sale.statuses.sold_out ?? 0,
      refused_while_down: sale.statuses.refused ?? 0,
      other: attempts - confirmed - (sale.statuses.sold_out ?? 0) - (sale.statuses.refused ?? 0),
      // Sold per the database beyond the offer's quantity, or units neither sold, held nor available.
      oversold: Math.max(0, sold - made),
      stock_consistent: sold + remaining <= made && (args.crash || sold + remaining === made),
      units_sold: sold,
      remaining,
      lost_after_crash: args.crash ? lost : undefined,
      lost_confirmed: lost,
      p50_ms: round(sale.p50, 2),
      p99_ms: round(sale.p99, 2),
      baseline_rps: round(baseline.perSecond),
      ratio: round(sale.perSecond / baseline.perSecond, 3),
      db_tx_per_s: round(dbTx),
      confirmed_ratio: round(confirmedPerS / dbTx, 3),
      server_cpu_us_per_attempt: saleCpu0 !== null && saleCpu1 !== null ? Math.round(((saleCpu1 - saleCpu0) * 1000) / attempts) : null,
      server_cpu_us_per_ping: pingCpu0 !== null && pingCpu1 !== null ? Math.round(((pingCpu1 - pingCpu0) * 1000) / attempts) : null,
      load: os.loadavg().map((l) => round(l, 1)),
      ...(before && after ? statementFigures(before, after, confirmed) : {}),
    };
  } finally {
    await clients.close().catch(() => {});
    await server.stop();
    if (args.databaseUrl) await dropSchema(args.databaseUrl, env.DATABASE_SCHEMA!);
  }
}

async function dropSchema(databaseUrl: string, schema: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`drop schema if exists ${schema} cascade`).finally(() => client.end());
}
