import { flashSale } from "./flash-sale.js";
import { viewerWeight } from "./viewer-weight.js";
import { latency } from "./latency.js";
import { firstFrame } from "./first-frame.js";
import { transcode } from "./transcode.js";
import { fanout } from "./fanout.js";
import { auctionBench } from "./auction.js";
import { analyticsBench } from "./analytics.js";
import { socketWrites } from "./socket-writes.js";
import { edgeBench } from "./edge.js";
import { webrtcIngest } from "./webrtc-ingest.js";
import { rtcLatency } from "./rtc-latency.js";
import { whepForward } from "./whep-forward.js";
import { outboxBench } from "./outbox.js";

// `npm run bench -- <name> [--key value …]`: one JSON line per bench on stdout.
const benches: Record<string, (args: Record<string, any>) => Promise<object | object[]>> = {
  // `--attempts 10000 --units 100 --concurrency 500 --provider-latency 100 --variants single,bag,crash,bag-crash --database-url postgres://…`
  "flash-sale": async (a) => {
    const common = { attempts: num(a.attempts), units: num(a.units), concurrency: num(a.concurrency), providerLatencyMs: num(a["provider-latency"]) };
    // The bag variant (two lines per checkout) runs beside the single-offer sale, each with its same-run baselines.
    const variants = new Set(String(a.variants ?? "single,bag,crash").split(","));
    const pg = a["database-url"] ?? process.env.BENCH_DATABASE_URL;
    const out = [];
    for (const databaseUrl of pg ? [undefined, pg] : [undefined]) {
      if (variants.has("single")) out.push(await flashSale({ ...common, databaseUrl }));
      if (variants.has("bag")) out.push(await flashSale({ ...common, databaseUrl, bag: true }));
      if (variants.has("crash")) out.push(await flashSale({ ...common, databaseUrl, crash: true }));
      // Bags with the server killed once a third of the units sold: every paid bag kept, both lines' stock adding up.
      if (variants.has("bag-crash")) out.push(await flashSale({ ...common, databaseUrl, bag: true, crash: true }));
    }
    return out;
  },
  "viewer-weight": () => viewerWeight(),
  // `--seconds 60 --part-target 0.2 --hold-back-parts 2 --player '{"liveSyncOnStallIncrease":0.1}' --ladder 720
  // --baseline 0` (all but the first to try settings).
  latency: (a) =>
    latency({
      seconds: num(a.seconds),
      partTarget: num(a["part-target"]),
      holdBackParts: num(a["hold-back-parts"]),
      player: a.player as string | undefined,
      baseline: a.baseline !== "0",
      ladder: a.ladder?.split(",").map(Number),
    }),
  "first-frame": (a) => firstFrame({ runs: num(a.runs) }),
  // `--seconds 10 --part-targets 0.3,0.2` (the latter: the default ladder at each PART-TARGET, alternating).
  transcode: (a) => transcode({ seconds: num(a.seconds), partTargets: a["part-targets"]?.split(",").map(Number) }),
  // `--sockets 10000 --seconds 30 --nodes 1|3 --deflate 1|0 --workers 4 --baseline 1|0 --cpu-hog 0|1 --database-url postgres://…`
  // (3 nodes: PostgreSQL + Redis; one node: PGlite unless --database-url).
  fanout: (a) =>
    fanout({
      sockets: num(a.sockets),
      seconds: num(a.seconds),
      nodes: num(a.nodes),
      workers: num(a.workers),
      deflate: a.deflate !== "0",
      baseline: a.baseline !== "0",
      databaseUrl: a["database-url"],
      redisUrl: a["redis-url"],
      cpuHog: num(a["cpu-hog"]),
    }),
  // One socket's share of a flush: one pre-framed write (baseline) vs header + payload, plain and corked.
  "socket-writes": (a) => socketWrites({ sockets: num(a.sockets), rounds: num(a.rounds), frameBytes: num(a["frame-bytes"]) }),
  // Three nodes behind nginx on PostgreSQL + Redis (`--database-url`/`--redis-url`, else BENCH_/TEST_ variables, else
  // the local defaults): `--seconds 20 --viewers 3,30`.
  edge: (a) =>
    edgeBench({
      seconds: num(a.seconds),
      viewers: a.viewers ? String(a.viewers).split(",").map(Number) : undefined,
      databaseUrl: a["database-url"],
      redisUrl: a["redis-url"],
    }),
  // `--rounds 20`: a WHEP answer's time at the show's media node vs through another node that passes the offer on.
  "whep-forward": (a) => whepForward({ rounds: num(a.rounds), databaseUrl: a["database-url"], redisUrl: a["redis-url"] }),
  // `--streams 1 --seconds 15`: CPU of the WHIP receiver (werift) per stream Chromium publishes, vs idle in the same run.
  "webrtc-ingest": (a) => webrtcIngest({ streams: num(a.streams), seconds: num(a.seconds) }),
  // `--seconds 30 --viewers 1,10 --publish whip|rtmp --guests 2`: WHEP glass-to-glass vs LL-HLS in the same run, server
  // CPU per WHEP viewer; then the stage's guest-to-host vs that WHEP line, server CPU per guest (`--guests 0`: no stage).
  "rtc-latency": (a) =>
    rtcLatency({
      seconds: num(a.seconds),
      viewers: a.viewers ? String(a.viewers).split(",").map(Number) : undefined,
      publish: a.publish as "whip" | "rtmp" | undefined,
      guests: num(a.guests),
    }),
  // `--attempts 3000 --sockets 2000 --seconds 15 --viewers 10000 --orders 5000 --database-url postgres://…` (the report's
  // database; the flash sale and fan-out run on PGlite).
  analytics: (a) =>
    analyticsBench({
      attempts: num(a.attempts),
      sockets: num(a.sockets),
      seconds: num(a.seconds),
      viewers: num(a.viewers),
      orders: num(a.orders),
      history: num(a.history),
      pairs: num(a.pairs),
      paidAttempts: num(a["paid-attempts"]),
      only: a.only,
      databaseUrl: a["database-url"] ?? process.env.BENCH_DATABASE_URL,
    }),
  // PGlite, and PostgreSQL too when `--database-url` (or BENCH_DATABASE_URL) is given.
  auction: async (a) => {
    const common = { bidders: num(a.bidders), bids: num(a.bids), concurrency: num(a.concurrency) };
    const pg = a["database-url"] ?? process.env.BENCH_DATABASE_URL;
    return pg ? [await auctionBench(common), await auctionBench({ ...common, databaseUrl: pg })] : auctionBench(common);
  },
  // `--emails 4000 --database-url postgres://…`: a flash sale's confirmation emails drained by the outbox (PGlite, then
  // PostgreSQL when a URL or BENCH_DATABASE_URL is given).
  outbox: async (a) => {
    const pg = a["database-url"] ?? process.env.BENCH_DATABASE_URL;
    const emails = num(a.emails);
    return pg ? [await outboxBench({ emails }), await outboxBench({ emails, databaseUrl: pg })] : outboxBench({ emails });
  },
};

function num(v: unknown): number | undefined {
  return v === undefined ? undefined : Number(v);
}

const [name, ...rest] = process.argv.slice(2);
const args: Record<string, string> = {};
for (let i = 0; i < rest.length; i += 2) args[rest[i]!.replace(/^--/, "")] = rest[i + 1]!;
const names = name ? [name] : Object.keys(benches);
for (const n of names) {
  const bench = benches[n];
  if (!bench) {
    console.error(`unknown bench "${n}"; available: ${Object.keys(benches).join(", ")}`);
    process.exit(2);
  }
  const result = await bench(args);
  for (const line of Array.isArray(result) ? result : [result]) process.stdout.write(JSON.stringify(line) + "\n");
}
process.exit(0);
