import os from "node:os";
import pg from "pg";
import { defaultFfmpegPath } from "../src/server/config.js";
import { startSyntheticSource } from "../src/server/media/synthetic-source.js";
import { viewerOffer } from "../test/support/whep-viewer.js";
import { startCluster } from "./edge-cluster.js";
import { round } from "./support.js";

// What passing WHEP signalling between nodes costs a viewer: two nodes on PostgreSQL + Redis, the show live on A, the
// same werift offers POSTed to A (baseline: the media node itself) and to B (passed to A), alternating, each session
// ended again. Reported: the answer's time (POST to 201) at each, p50/p90, and the ratio of the p50s; the offers are
// made before the clock starts (gathering is the viewer's, not the server's).

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : 0;
};

export async function whepForward(opts: { rounds?: number; databaseUrl?: string; redisUrl?: string } = {}) {
  const rounds = opts.rounds ?? 20;
  const databaseUrl = opts.databaseUrl ?? process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  const redisUrl = opts.redisUrl ?? process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
  const schema = `bench_whepfwd_${Date.now()}`;
  const load = () => os.loadavg().map((x) => round(x, 1));
  const loadBefore = load();
  const cluster = await startCluster(2, { DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema, REDIS_URL: redisUrl, HLS_LADDER: "240", LOG_LEVEL: "error" });
  const source = startSyntheticSource({
    ffmpegPath: defaultFfmpegPath(),
    rtmpUrl: `rtmp://127.0.0.1:${cluster.nodes[0]!.rtmpPort}/live/${cluster.streamKey}`,
    size: "426x240",
    fontFile: null,
  });
  const times: { direct: number[]; forwarded: number[] } = { direct: [], forwarded: [] };
  let failed = 0;
  try {
    for (const deadline = Date.now() + 60_000; ; ) {
      const res = await fetch(`${cluster.nodes[0]!.url}/api/shows/${cluster.showId}`);
      if (((await res.json()) as { show: { status: string } }).show.status === "live") break;
      if (Date.now() > deadline) throw new Error("the show did not go live");
      await new Promise((r) => setTimeout(r, 300));
    }
    // One warm-up each way (the show's WHEP encode starts with its first viewer).
    for (let i = -2; i < rounds * 2; i++) {
      const via = i % 2 === 0 ? "direct" : "forwarded";
      const node = cluster.nodes[via === "direct" ? 0 : 1]!;
      const { pc, sdp } = await viewerOffer();
      const t0 = performance.now();
      const res = await fetch(`${node.url}/api/shows/${cluster.showId}/whep`, { method: "POST", headers: { "content-type": "application/sdp" }, body: sdp });
      await res.text();
      const ms = performance.now() - t0;
      if (res.status === 201) {
        if (i >= 0) times[via].push(ms);
        await fetch(`${node.url}${res.headers.get("location")}`, { method: "DELETE" });
      } else failed++;
      await pc.close();
    }
  } finally {
    await source.stop();
    await cluster.stop();
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`).finally(() => client.end());
  }
  const direct = round(pct(times.direct, 50), 1);
  const forwarded = round(pct(times.forwarded, 50), 1);
  return {
    bench: "whep-forward",
    rounds,
    answer_ms: {
      direct: { p50: direct, p90: round(pct(times.direct, 90), 1) },
      forwarded: { p50: forwarded, p90: round(pct(times.forwarded, 90), 1) },
    },
    ratio_p50: direct > 0 ? round(forwarded / direct, 2) : null,
    added_p50_ms: round(forwarded - direct, 1),
    failed,
    load: { before: loadBefore, after: load() },
  };
}
