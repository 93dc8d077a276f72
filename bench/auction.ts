import { createHash, randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { type Agent, request } from "undici";
import WebSocket from "ws";
import { hashPassword } from "../src/server/accounts/index.js";
import { openDb } from "../src/server/db/index.js";
import { cpuMs, loadClients, percentile, round, runLoad, startChildServer, statementCounts, statementFigures } from "./support.js";

interface AuctionBenchArgs {
  bidders?: number;
  bids?: number;
  concurrency?: number;
  /** PostgreSQL instead of PGlite (a schema of its own, dropped afterwards). */
  databaseUrl?: string;
}

/**
 * Seeds `n` buyer accounts with sessions into the PGlite data dir before the server starts: the server never opens a
 * database another process holds, and 2,000 argon2id sign-ups would take minutes on a small machine (one hash is
 * shared: every bidder has the same password). Session tokens are stored as SHA-256, as the accounts module does.
 */
async function seedBidders(db: { dataDir: string } | { databaseUrl: string; schema: string }, n: number): Promise<string[]> {
  const h = await openDb("databaseUrl" in db ? db : { dataDir: path.join(db.dataDir, "pglite") });
  const hash = await hashPassword("bench-password-1");
  const now = new Date();
  const expires = new Date(now.getTime() + 24 * 3600_000);
  const cookies: string[] = [];
  try {
    for (let start = 0; start < n; start += 500) {
      const accounts = [];
      const sessions = [];
      for (let i = start; i < Math.min(n, start + 500); i++) {
        const id = `acc_bench_${i}`;
        const token = randomBytes(32).toString("base64url");
        accounts.push({
          id,
          email: `bidder${i}@bench.test`,
          password_hash: hash,
          display_name: `Bidder ${i}`,
          role: "buyer" as const,
          merchant_id: null,
          created_at: now,
        });
        sessions.push({ token_hash: createHash("sha256").update(token).digest("base64url"), account_id: id, created_at: now, expires_at: expires });
        cookies.push(`sc_session=${token}`);
      }
      await h.db.insertInto("accounts").values(accounts).execute();
      await h.db.insertInto("sessions").values(sessions).execute();
    }
  } finally {
    await h.close();
  }
  return cookies;
}

const WARMUP = 1000;

function peakRssMb(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb === undefined ? null : round(Number(kb) / 1024);
  } catch {
    return null;
  }
}

/** Bid number `i` of a run: maxima rise with it (see below). */
function bidRequest(auctionId: string, cookie: string, i: number) {
  return {
    method: "POST" as const,
    path: `/api/auctions/${auctionId}/bids`,
    headers: { cookie, "x-showcart-csrf": "1", "content-type": "application/json", "idempotency-key": randomUUID() },
    body: JSON.stringify({ maxAmount: 200 + i * 5 }),
  };
}

// Auction bidding: `bidders` signed-in buyers bid over real HTTP against the server in its own process (PGlite);
// a WebSocket viewer on the show's room timestamps each `auction.bid` event. Bid-to-broadcast latency = event arrival
// minus the send time of the request whose answer carried that bid count. Baseline in the same run: GET /api/ping on
// the same server with the same client and concurrency.
export async function auctionBench(args: AuctionBenchArgs) {
  const bidders = args.bidders ?? 2000;
  const total = args.bids ?? 2000;
  const concurrency = args.concurrency ?? 500;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "showcart-bench-auction-"));
  const schema = args.databaseUrl ? `bench_auction_${Date.now()}` : null;
  const cookies = await seedBidders(args.databaseUrl && schema ? { databaseUrl: args.databaseUrl, schema } : { dataDir }, bidders + WARMUP);
  const env: Record<string, string> = args.databaseUrl && schema ? { DATABASE_URL: args.databaseUrl, DATABASE_SCHEMA: schema } : {};
  // BENCH_COUNT_STATEMENTS=1: the statements the measured bids ran, per accepted bid (bench/statement-count.mjs).
  const counting = process.env.BENCH_COUNT_STATEMENTS === "1";
  const countFile = path.join(os.tmpdir(), `showcart-statements-${process.pid}-${Date.now()}.jsonl`);
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS;
  if (counting) {
    env.STATEMENT_COUNT_FILE = countFile;
    process.env.BENCH_SERVER_NODE_ARGS = `${nodeArgs ?? ""} --import ${path.resolve("bench/statement-count.mjs")}`;
  }
  const server = await startChildServer(env, { dataDir }).finally(() => {
    if (nodeArgs === undefined) delete process.env.BENCH_SERVER_NODE_ARGS;
    else process.env.BENCH_SERVER_NODE_ARGS = nodeArgs;
  });
  let ws: WebSocket | null = null;
  let clients: Agent | null = null;
  try {
    const login = await request(`${server.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: server.demo.hostEmail, password: server.demo.hostPassword }),
    });
    await login.body.text();
    const auth = { cookie: String(login.headers["set-cookie"]).split(";")[0]!, "x-showcart-csrf": "1", "content-type": "application/json" };
    const studio = (await (await request(`${server.url}/api/studio/shows/${server.demo.showId}`, { headers: auth })).body.json()) as {
      products: { id: string }[];
    };
    const liveAuction = async (product: { id: string }) => {
      const created = (await (
        await request(`${server.url}/api/studio/shows/${server.demo.showId}/auctions`, {
          method: "POST",
          headers: auth,
          body: JSON.stringify({ productId: product.id, startPrice: 100, minIncrement: 1, durationSeconds: 3600, softCloseSeconds: 10 }),
        })
      ).body.json()) as { auction: { id: string } };
      await (await request(`${server.url}/api/studio/auctions/${created.auction.id}/start`, { method: "POST", headers: auth, body: "{}" })).body.text();
      return created.auction.id;
    };
    const auctionId = await liveAuction(studio.products[1]!);
    const warmupAuctionId = await liveAuction(studio.products[2] ?? studio.products[1]!);

    // bidCount → arrival of the first auction.bid event carrying it (an event may report several bids at once).
    const eventAt = new Map<number, number>();
    ws = new WebSocket(`${server.url.replace("http", "ws")}/ws/shows/${server.demo.showId}`);
    await new Promise<void>((resolve, reject) => {
      ws!.once("open", () => resolve());
      ws!.once("error", reject);
    });
    ws.on("message", (raw) => {
      const at = performance.now();
      const frame = JSON.parse(String(raw)) as { t: string; d: unknown };
      if (frame.t !== "batch") return;
      for (const ev of frame.d as { t: string; d: { auctionId: string; bidCount: number } }[]) {
        if (ev.t === "auction.bid" && ev.d.auctionId === auctionId) eventAt.set(ev.d.bidCount, at);
      }
    });

    // Both paths warmed up the same way before they are measured (the JIT, the first use of each statement): the
    // ping route by 1,000 requests, the bid route by as many bids on another auction from bidders of their own, so
    // the measured bidders' sessions are still unread (no cache helps them). Both measured runs use the connections
    // the warm-up opened, as bidders on a show's page are already connected: until 2026-12-07 each run opened its
    // 500 at once, and the last ~90 of the bids' first wave waited 300–500 ms for their connection while the first
    // ticks ran (those were the bid p99).
    clients = loadClients(concurrency);
    await runLoad(server.url, WARMUP, concurrency, (i) => bidRequest(warmupAuctionId, cookies[bidders + i]!, i), undefined, undefined, clients);
    await runLoad(server.url, WARMUP, concurrency, () => ({ method: "GET", path: "/api/ping" }), undefined, undefined, clients);
    const pingCpu0 = cpuMs(server.proc.pid);
    const baseline = await runLoad(server.url, total, concurrency, () => ({ method: "GET", path: "/api/ping" }), undefined, undefined, clients);
    const pingCpu1 = cpuMs(server.proc.pid);

    // Maxima rise with the request number (increment 1), so most bids beat the price and a bid overtaken in flight
    // by a later one is refused as too low: both paths are measured.
    const sentAt: number[] = [];
    const countOf: (number | null)[] = [];
    const before = counting ? await statementCounts(server, countFile) : null;
    const bidCpu0 = cpuMs(server.proc.pid);
    const t0 = performance.now();
    const load = await runLoad(
      server.url,
      total,
      concurrency,
      (i) => {
        sentAt[i] = performance.now();
        return bidRequest(auctionId, cookies[i % bidders]!, i);
      },
      (status, text) => (status === 201 ? "accepted" : status === 409 && text.includes("bid_too_low") ? "bid_too_low" : `other_${status}`),
      (i, status, text) => {
        countOf[i] = status === 201 ? (JSON.parse(text) as { auction: { bidCount: number } }).auction.bidCount : null;
      },
      clients,
    );
    const bidCpu1 = cpuMs(server.proc.pid);
    const accepted = load.statuses.accepted ?? 0;
    const after = before ? await statementCounts(server, countFile) : null;
    // Let the last events arrive (one realtime tick, generously).
    const deadline = performance.now() + 5000;
    const maxCount = () => Math.max(0, ...eventAt.keys());
    while (maxCount() < accepted && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    // A bid is on screen with the first event whose count reaches it (events carry the latest count, so one event
    // may cover several bids decided together).
    const counts = [...eventAt.keys()].sort((a, b) => a - b);
    const firstAt = (n: number) => {
      let best: number | undefined;
      for (const c of counts) if (c >= n) best = Math.min(best ?? Number.POSITIVE_INFINITY, eventAt.get(c)!);
      return best;
    };
    const latencies: number[] = [];
    for (let i = 0; i < total; i++) {
      const n = countOf[i];
      const at = n == null ? undefined : firstAt(n);
      if (at !== undefined) latencies.push(at - sentAt[i]!);
    }
    latencies.sort((a, b) => a - b);
    const acceptedPerS = accepted / load.seconds;
    return {
      bench: "auction",
      backend: args.databaseUrl ? "postgres" : "pglite",
      bidders,
      bids: total,
      concurrency,
      accepted,
      bid_too_low: load.statuses.bid_too_low ?? 0,
      other: total - accepted - (load.statuses.bid_too_low ?? 0),
      accepted_per_s: round(acceptedPerS),
      bids_per_s: round(load.perSecond),
      bid_p50_ms: round(load.p50, 2),
      bid_p99_ms: round(load.p99, 2),
      events_received: eventAt.size,
      bids_broadcast: latencies.length,
      broadcast_p50_ms: round(percentile(latencies, 50), 2),
      broadcast_p99_ms: round(percentile(latencies, 99), 2),
      baseline_rps: round(baseline.perSecond),
      baseline_p50_ms: round(baseline.p50, 2),
      baseline_p99_ms: round(baseline.p99, 2),
      ratio: round(load.perSecond / baseline.perSecond, 3),
      accepted_ratio: round(acceptedPerS / baseline.perSecond, 3),
      seconds: round((performance.now() - t0) / 1000, 1),
      // The server process's CPU per bid and per ping (µs; PostgreSQL's own processes not included): the ratio the
      // accepted_ratio tends to when the server's CPU is the limit, and steady under other load.
      ...(bidCpu0 !== null && bidCpu1 !== null && pingCpu0 !== null && pingCpu1 !== null
        ? {
            server_cpu_us_per_bid: round(((bidCpu1 - bidCpu0) * 1000) / total),
            server_cpu_us_per_ping: round(((pingCpu1 - pingCpu0) * 1000) / total),
            cpu_ratio: round((pingCpu1 - pingCpu0) / (bidCpu1 - bidCpu0), 3),
          }
        : {}),
      // The server's peak resident memory (VmHWM), to weigh memory-for-CPU trades such as a larger young generation.
      server_peak_rss_mb: peakRssMb(server.proc.pid),
      load: os.loadavg().map((l) => round(l, 1)),
      ...(before && after ? statementFigures(before, after, accepted, "accepted") : {}),
    };
  } finally {
    ws?.close();
    await clients?.close();
    await server.stop();
    fs.rmSync(countFile, { force: true });
    if (args.databaseUrl && schema) {
      const client = new pg.Client({ connectionString: args.databaseUrl });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`).finally(() => client.end());
    }
  }
}
