import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { AnalyticsRecorder, AnalyticsReports } from "../src/server/analytics/index.js";
import { openDb } from "../src/server/db/index.js";
import { ManualClock } from "../src/server/platform/clock.js";
import { fanout } from "./fanout.js";
import { flashSale } from "./flash-sale.js";
import { round } from "./support.js";

export interface AnalyticsBenchArgs {
  attempts?: number;
  /** Attempts of the `paid` part (600): each one an order, so stock is as large. */
  paidAttempts?: number;
  sockets?: number;
  seconds?: number;
  viewers?: number;
  orders?: number;
  history?: number;
  /** Pairs of runs (off and on, alternating which goes first) per part. */
  pairs?: number;
  /** Comma-separated parts: sale (sold-out dominated), paid (every attempt a paid order), fanout, report. */
  only?: string;
  databaseUrl?: string;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** `pairs` pairs of (off, on) runs, alternating which goes first; each pair's ratio on ÷ off, and their median. */
async function pairsOf(pairs: number, run: (on: boolean) => Promise<number>) {
  const off: number[] = [];
  const on: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const order = i % 2 === 0 ? [false, true] : [true, false];
    for (const o of order) (o ? on : off).push(await run(o));
  }
  const ratios = off.map((x, i) => round(on[i]! / Math.max(1e-9, x), 3));
  return { off: off.map((x) => round(x, 3)), on: on.map((x) => round(x, 3)), ratios, ratio: round(median(ratios), 3) };
}

/**
 * Analytics recording must not slow the purchase path or the fan-out: the flash sale and the fan-out run with
 * ANALYTICS=0 and ANALYTICS=1 in the same run, `pairs` times each (alternating which goes first, so a drift of the
 * shared machine's load hits both sides), ratio = on ÷ off per pair and their median (aim ≥ 0.95). `sale` is the
 * default flash sale (100 units, most attempts answered sold out; each run normalised by its own ping baseline);
 * `paid` has stock for every attempt, so every attempt is an order that analytics records (confirmed orders per
 * second, the path the hooks are on). Then the report of a recorded show, timed on PGlite and, with a database URL,
 * on PostgreSQL.
 */
export async function analyticsBench(args: AnalyticsBenchArgs = {}) {
  const attempts = args.attempts ?? 3000;
  const pairs = args.pairs ?? 3;
  const parts = new Set((args.only ?? "sale,paid,fanout,report").split(","));
  const out: Record<string, unknown> = { bench: "analytics", pairs };
  const env = (on: boolean) => ({ ANALYTICS: on ? "1" : "0" });
  if (parts.has("sale")) {
    const r = await pairsOf(pairs, async (on) => (await flashSale({ attempts, units: 100, concurrency: 200, env: env(on) })).ratio);
    out.flash_sale = { attempts, units: 100, measure: "attempts_per_s / ping", ...r };
  }
  if (parts.has("paid")) {
    const n = args.paidAttempts ?? Math.min(attempts, 600);
    const r = await pairsOf(pairs, async (on) => (await flashSale({ attempts: n, units: n, concurrency: 200, env: env(on) })).confirmed_per_s);
    out.flash_sale_paid = { attempts: n, units: n, measure: "confirmed_per_s", ...r };
  }
  if (parts.has("fanout")) {
    const sockets = args.sockets ?? 2000;
    const r = await pairsOf(pairs, async (on) => {
      const f = await fanout({ sockets, seconds: args.seconds ?? 15, nodes: 1, workers: 2, baseline: false, env: env(on) });
      return Number((f as Record<string, unknown>).events_delivered_per_s ?? 0);
    });
    out.fanout = { sockets, measure: "events_delivered_per_s", ...r };
  }
  if (parts.has("report")) {
    const a = { viewers: args.viewers ?? 10_000, orders: args.orders ?? 5000, history: args.history ?? 4 };
    out.report = [await reportQuery(a), ...(args.databaseUrl ? [await reportQuery({ ...a, databaseUrl: args.databaseUrl })] : [])];
  }
  out.aim_ratio = 0.95;
  return out;
}

/**
 * A show of `viewers` unique viewers (2 h of 10 s samples on 2 nodes), `orders` paid orders over 10 offers by 3,000
 * buyers, after `history` earlier shows of the shop with as many orders by the same buyers; its report timed.
 */
export async function reportQuery(a: { viewers: number; orders: number; history: number; databaseUrl?: string }) {
  const dir = a.databaseUrl ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), "showcart-analytics-bench-"));
  const schema = `bench_analytics_${Date.now()}`;
  const h = await openDb(a.databaseUrl ? { databaseUrl: a.databaseUrl, schema } : { dataDir: path.join(dir!, "pglite") });
  const start = Date.parse("2026-12-03T18:00:00Z");
  const clock = new ManualClock(start);
  const showId = "shw_bench";
  const offers = Array.from({ length: 10 }, (_, i) => `ofr_bench_${i}`);
  // Every order counts as committed and paid here: the bench times the report, not the orders module.
  const recorder = new AnalyticsRecorder({
    db: h.db,
    clock,
    nodeId: "node_a",
    secretsKey: Buffer.alloc(32, 7),
    merchantOf: async () => "mch_bench",
    orderStatuses: async (ids) => new Map(ids.map((id) => [id, "paid" as const])),
  });
  try {
    const t0 = performance.now();
    for (let s = 0; s < a.history; s++) {
      for (let i = 0; i < a.orders; i++) {
        clock.set(start - (s + 1) * 86_400_000 + Math.floor((i / a.orders) * 7200_000));
        const orderId = `ord_h${s}_${i}`;
        const offerId = offers[i % offers.length]!;
        recorder.hold({ orderId, showId: `shw_earlier_${s}`, offerId, quantity: 1, accountId: null, source: "live", at: clock.now() });
        recorder.paid({
          orderId,
          showId: `shw_earlier_${s}`,
          offerId,
          quantity: 1,
          total: 1999,
          buyer: { accountId: null, email: `buyer${i % 3000}@example.com` },
        });
      }
      await recorder.flush();
    }
    for (let i = 0; i < a.viewers; i++) {
      clock.set(start + Math.floor((i / a.viewers) * 3600_000));
      recorder.viewerJoined(showId, { accountId: null, device: `device-${i}` }, i % 10 === 0 ? "share" : "live");
    }
    for (let i = 0; i < a.orders; i++) {
      clock.set(start + Math.floor((i / a.orders) * 7200_000));
      const offerId = offers[i % offers.length]!;
      recorder.impressions(showId, [offerId]);
      recorder.checkoutOpened(showId, offerId, "live");
      recorder.hold({ orderId: `ord_${i}`, showId, offerId, quantity: 1, accountId: null, source: i % 7 === 0 ? "embed" : "live", at: clock.now() });
      recorder.paid({ orderId: `ord_${i}`, showId, offerId, quantity: 1, total: 1999, buyer: { accountId: null, email: `buyer${i % 3000}@example.com` } });
      recorder.chatPosted(showId);
    }
    for (let s = 0; s < 720; s++) {
      clock.set(start + s * 10_000);
      recorder.sample(showId, Math.round(a.viewers * 0.3 * Math.sin((Math.PI * s) / 720)) + 1);
      if (s % 60 === 0) recorder.pinned(showId, offers[(s / 60) % offers.length]!, true);
    }
    await recorder.flush();
    // The second node's samples, as its own rows.
    await sql`insert into analytics_viewer_samples (show_id, at, node_id, viewers) select show_id, at, 'node_b', viewers from analytics_viewer_samples where node_id = 'node_a'`.execute(
      h.db,
    );
    const seedMs = performance.now() - t0;
    const reports = new AnalyticsReports({
      db: h.db,
      clock,
      show: async (id) => ({ id, title: "Bench show", status: "ended", merchantId: "mch_bench", hostAccountId: "acc_host", hostName: "Host" }),
      showIdsOfMerchant: async () => [showId],
      offerTitles: async (ids) => new Map(ids.map((id) => [id, id])),
    });
    const times: number[] = [];
    let last = null;
    for (let i = 0; i < 6; i++) {
      const t = performance.now();
      last = await reports.showReport(showId);
      if (i > 0) times.push(performance.now() - t);
    }
    times.sort((x, y) => x - y);
    return {
      database: a.databaseUrl ? "postgres" : "pglite",
      viewers: a.viewers,
      orders: a.orders,
      earlier_shows: a.history,
      seed_ms: round(seedMs),
      report_median_ms: round(times[Math.floor(times.length / 2)]!, 1),
      report_max_ms: round(times.at(-1)!, 1),
      check: {
        unique_viewers: last!.totals.uniqueViewers,
        paid_orders: last!.totals.paidOrders,
        peak_viewers: last!.totals.peakViewers,
        returning_buyers: last!.buyers.returning,
        points: last!.viewers.length,
      },
    };
  } finally {
    if (a.databaseUrl) await sql.raw(`drop schema if exists ${schema} cascade`).execute(h.db);
    await h.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}
