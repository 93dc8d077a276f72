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
  sockets?: number;
  seconds?: number;
  viewers?: number;
  orders?: number;
  databaseUrl?: string;
}

/**
 * Analytics recording must not slow the purchase path or the fan-out: the flash sale and the fan-out run with
 * ANALYTICS=0 and ANALYTICS=1 in the same run (each normalised by its own same-run baseline where the bench has one),
 * ratio = on ÷ off (aim ≥ 0.95). Then the report of a recorded show of `viewers` viewers and `orders` paid orders,
 * timed (median of 5 reads).
 */
export async function analyticsBench(args: AnalyticsBenchArgs = {}) {
  const attempts = args.attempts ?? 3000;
  const sale = async (on: boolean) => flashSale({ attempts, units: 100, concurrency: 200, env: { ANALYTICS: on ? "1" : "0" } });
  const fan = async (on: boolean) =>
    fanout({
      sockets: args.sockets ?? 2000,
      seconds: args.seconds ?? 15,
      nodes: 1,
      workers: 2,
      baseline: false,
      env: { ANALYTICS: on ? "1" : "0" },
    });
  // Off, on, on, off: a drift of the machine's load over the run hits both sides alike.
  const saleOff1 = await sale(false);
  const saleOn1 = await sale(true);
  const saleOn2 = await sale(true);
  const saleOff2 = await sale(false);
  const saleRatio = (r: { ratio: number }[]) => r.reduce((s, x) => s + x.ratio, 0) / r.length;
  const fanOff = await fan(false);
  const fanOn = await fan(true);
  const delivered = (r: Record<string, unknown>) => Number(r.events_delivered_per_s ?? 0);

  const report = await reportQuery({ viewers: args.viewers ?? 10_000, orders: args.orders ?? 5000, databaseUrl: args.databaseUrl });
  return {
    bench: "analytics",
    flash_sale: {
      attempts,
      off_ratio_to_ping: round(saleRatio([saleOff1, saleOff2]), 3),
      on_ratio_to_ping: round(saleRatio([saleOn1, saleOn2]), 3),
      off_confirmed_per_s: round((saleOff1.confirmed_per_s + saleOff2.confirmed_per_s) / 2),
      on_confirmed_per_s: round((saleOn1.confirmed_per_s + saleOn2.confirmed_per_s) / 2),
      ratio: round(saleRatio([saleOn1, saleOn2]) / saleRatio([saleOff1, saleOff2]), 3),
    },
    fanout: {
      sockets: args.sockets ?? 2000,
      off_events_delivered_per_s: delivered(fanOff),
      on_events_delivered_per_s: delivered(fanOn),
      ratio: round(delivered(fanOn) / Math.max(1, delivered(fanOff)), 3),
    },
    report,
    aim_ratio: 0.95,
  };
}

/** A show of `viewers` unique viewers (2 h of 10 s samples on 2 nodes), `orders` paid orders over 10 offers, its report timed. */
async function reportQuery(a: { viewers: number; orders: number; databaseUrl?: string }) {
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
      recorder.paid({ orderId: `ord_${i}`, showId, offerId, quantity: 1, total: 1999, buyerKey: recorder.buyerKey(null, `buyer${i % 3000}@example.com`) });
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
      seed_ms: round(seedMs),
      report_median_ms: round(times[Math.floor(times.length / 2)]!, 1),
      report_max_ms: round(times.at(-1)!, 1),
      check: {
        unique_viewers: last!.totals.uniqueViewers,
        paid_orders: last!.totals.paidOrders,
        peak_viewers: last!.totals.peakViewers,
        points: last!.viewers.length,
      },
    };
  } finally {
    if (a.databaseUrl) await sql.raw(`drop schema if exists ${schema} cascade`).execute(h.db);
    await h.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}
