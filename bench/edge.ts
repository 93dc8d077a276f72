import os from "node:os";
import fastify from "fastify";
import { chromium } from "playwright-core";
import { Agent, request } from "undici";
import { defaultFfmpegPath } from "../src/server/config.js";
import { spawnFfmpeg } from "../src/server/platform/ffmpeg-process.js";
import { counter, metricsOf, nginxInstalled, NGINX_PATH, startCluster, startNginx, type Cluster } from "./edge-cluster.js";
import { measureGlassToGlass } from "./latency.js";
import { clockSourceArgs, registerPlayerPage } from "./live-video.js";
import { round } from "./support.js";

// One ingest (node A), three nodes behind nginx (deploy/nginx.conf). Two figures:
//  - upstream requests to the ingest node per part: LL-HLS viewers (blocking playlist reloads + the preload-hinted
//    part, as hls.js does) spread by nginx over the three nodes; B and C fetch from A. Aim: 1 per part per edge node,
//    whatever the viewer count. Same-run baseline: the part requests B and C themselves got (what A would get
//    without the edge's coalescing and cache).
//  - glass-to-glass p50 (barcode clock, bench/latency.ts) of hls.js in Chromium through nginx vs straight from A.

const RENDITION = "720p";

interface Viewers {
  requests: number;
  failures: number;
  stop(): Promise<void>;
}

/** `count` LL-HLS clients on `base`: each holds a blocking reload for the next part and fetches the hinted part. */
function startViewers(base: string, showId: string, count: number): Viewers {
  const dispatcher = new Agent({ connections: count * 3, keepAliveTimeout: 30_000, headersTimeout: 20_000 });
  const url = `${base}/live/${showId}/${RENDITION}/index.m3u8`;
  let stopped = false;
  const out = { requests: 0, failures: 0 };
  const get = async (u: string): Promise<{ status: number; text: string }> => {
    out.requests += 1;
    try {
      const res = await request(u, { dispatcher });
      const text = await res.body.text();
      if (res.statusCode !== 200) out.failures += 1;
      return { status: res.statusCode, text };
    } catch {
      out.failures += 1;
      return { status: 0, text: "" };
    }
  };
  const viewer = async () => {
    const fetched = new Set<string>();
    let text = "";
    let first = true;
    while (!stopped) {
      if (!text) {
        const res = await get(url);
        if (res.status !== 200) {
          await new Promise((r) => setTimeout(r, 300));
          continue;
        }
        text = res.text;
      }
      const seq = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1] ?? 0);
      const complete = (text.match(/#EXTINF/g) ?? []).length;
      const tail = text.slice(text.lastIndexOf("#EXTINF") + 1);
      const openParts = (tail.match(/#EXT-X-PART:/g) ?? []).length;
      const parts = [...text.matchAll(/#EXT-X-PART:[^\n]*URI="([^"]+)"/g)].map((m) => m[1]!);
      const hint = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="([^"]+)"/.exec(text)?.[1];
      // A player joining starts at the live edge: the parts already listed are behind it.
      if (first) for (const p of parts) fetched.add(p);
      first = false;
      const wanted = [...parts.filter((p) => !fetched.has(p)), ...(hint && !fetched.has(hint) ? [hint] : [])];
      for (const p of wanted) fetched.add(p);
      const dir = url.slice(0, url.lastIndexOf("/") + 1);
      const [reload] = await Promise.all([get(`${url}?_HLS_msn=${seq + complete}&_HLS_part=${openParts}`), ...wanted.map((p) => get(dir + p))]);
      if (reload.status === 200 && reload.text !== text) text = reload.text;
      else {
        text = "";
        await new Promise((r) => setTimeout(r, 100));
      }
      if (fetched.size > 500) fetched.clear();
    }
  };
  const running = Array.from({ length: count }, viewer);
  return {
    get requests() {
      return out.requests;
    },
    get failures() {
      return out.failures;
    },
    async stop() {
      stopped = true;
      await Promise.all(running);
      await dispatcher.close();
    },
  };
}

async function partNumber(cluster: Cluster): Promise<number> {
  const text = await (await fetch(`${cluster.nodes[0]!.url}/live/${cluster.showId}/${RENDITION}/index.m3u8`)).text();
  return Number(/PRELOAD-HINT:TYPE=PART,URI="[a-z0-9]+-p(\d+)\.m4s"/.exec(text)?.[1] ?? Number.NaN);
}

async function snapshot(cluster: Cluster) {
  const [a, b, c] = await Promise.all(cluster.nodes.map(metricsOf));
  const edges = [b!, c!];
  const sum = (f: (m: string) => number) => edges.reduce((n, m) => n + f(m), 0);
  return {
    part: await partNumber(cluster),
    // At the ingest: what the edge nodes asked it for.
    upstreamParts: counter(a!, "showcart_hls_requests_total", { role: "node", kind: "part", rendition: RENDITION }),
    upstreamPlaylists: counter(a!, "showcart_hls_requests_total", { role: "node", kind: "playlist", rendition: RENDITION }),
    // At the edges: the part requests nginx passed them (viewers), and how each was answered.
    edgeParts: sum((m) => counter(m, "showcart_hls_requests_total", { role: "edge", kind: "part" })),
    edgePlaylists: sum((m) => counter(m, "showcart_hls_requests_total", { role: "edge", kind: "playlist" })),
    coalesced: sum((m) => counter(m, "showcart_hls_edge_requests_total", { kind: "part", result: "coalesced" })),
    hits: sum((m) => counter(m, "showcart_hls_edge_requests_total", { kind: "part", result: "hit" })),
    // Every node: all viewer part requests that got past nginx's cache.
    nodeParts: [a!, ...edges].reduce(
      (n, m) =>
        n +
        counter(m, "showcart_hls_requests_total", { kind: "part", role: "origin" }) +
        counter(m, "showcart_hls_requests_total", { kind: "part", role: "edge" }),
      0,
    ),
  };
}

export async function edgeBench(opts: { seconds?: number; viewers?: number[]; databaseUrl?: string; redisUrl?: string } = {}) {
  if (!nginxInstalled()) throw new Error(`the edge bench needs nginx (${NGINX_PATH}; apt-get install -y nginx)`);
  const seconds = opts.seconds ?? 20;
  const viewerCounts = opts.viewers ?? [3, 30];
  const databaseUrl = opts.databaseUrl ?? process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  const redisUrl = opts.redisUrl ?? process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
  const schema = `bench_edge_${Date.now()}`;
  const load = () => os.loadavg().map((x) => round(x, 1));
  const loadBefore = load();
  const cluster = await startCluster(3, { DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema, REDIS_URL: redisUrl, HLS_LADDER: "720", LOG_LEVEL: "error" });
  const nginx = await startNginx(cluster.nodes.map((n) => n.url));
  const page = fastify({ logger: false });
  registerPlayerPage(page);
  await page.listen({ port: 0, host: "127.0.0.1" });
  const pageBase = `http://127.0.0.1:${(page.server.address() as { port: number }).port}`;
  const epoch = Date.now();
  const ffmpegPath = defaultFfmpegPath();
  const source = spawnFfmpeg(ffmpegPath, clockSourceArgs(`rtmp://127.0.0.1:${cluster.nodes[0]!.rtmpPort}/live/${cluster.streamKey}`, epoch));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required", "--disable-background-timer-throttling"],
  });
  try {
    for (const deadline = Date.now() + 60_000; !(await partNumber(cluster).catch(() => Number.NaN)); ) {
      if (Date.now() > deadline) throw new Error(`no stream: ${source.stderrTail().join(" | ")}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    const player = (base: string) =>
      `${pageBase}/bench/player.html?ll=1&top=1&epoch=${epoch}&src=${encodeURIComponent(`${base}/live/${cluster.showId}/index.m3u8`)}`;
    const direct = await measureGlassToGlass(browser, player(cluster.nodes[0]!.url), seconds);
    const viaNginx = await measureGlassToGlass(browser, player(nginx.url), seconds);

    const runs = [];
    for (const count of viewerCounts) {
      const viewers = startViewers(nginx.url, cluster.showId, count);
      await new Promise((r) => setTimeout(r, 4000));
      const before = await snapshot(cluster);
      const requestsBefore = viewers.requests;
      const failuresBefore = viewers.failures;
      await new Promise((r) => setTimeout(r, seconds * 1000));
      const after = await snapshot(cluster);
      const requests = viewers.requests - requestsBefore;
      const failures = viewers.failures - failuresBefore;
      await viewers.stop();
      const parts = after.part - before.part;
      const d = (k: keyof typeof before) => after[k] - before[k];
      runs.push({
        viewers: count,
        parts,
        // The figure: requests B and C sent to the ingest node per part, per edge node (aim 1).
        upstream_part_requests_per_part_per_edge_node: round(d("upstreamParts") / parts / 2, 2),
        upstream_playlist_requests_per_part_per_edge_node: round(d("upstreamPlaylists") / parts / 2, 2),
        // Baseline: the part requests that reached B and C from viewers (what A would have to answer without the edge).
        baseline_edge_part_requests_per_part_per_edge_node: round(d("edgeParts") / parts / 2, 2),
        baseline_edge_playlist_requests_per_part_per_edge_node: round(d("edgePlaylists") / parts / 2, 2),
        edge_part_answers: { coalesced: d("coalesced"), from_memory: d("hits") },
        // Viewer part requests that got past nginx's cache to any node, per part.
        node_part_requests_per_part: round(d("nodeParts") / parts, 2),
        viewer_requests_per_s: round(requests / seconds, 1),
        viewer_failed_requests: failures,
      });
    }
    const ratio = (x: number | null, y: number | null) => (x && y ? round(x / y, 3) : null);
    return {
      bench: "edge",
      seconds,
      nodes: 3,
      proxy: "nginx (deploy/nginx.conf)",
      rendition: RENDITION,
      runs,
      glass_to_glass_via_nginx: viaNginx,
      baseline_glass_to_glass_direct_from_ingest: direct,
      ratio_p50: ratio(viaNginx.p50_ms, direct.p50_ms),
      load_before: loadBefore,
      load_after: load(),
      cpus: os.cpus().length,
    };
  } finally {
    await browser.close().catch(() => undefined);
    await source.terminate();
    await page.close();
    await nginx.stop();
    await cluster.stop();
    const pg = await import("pg");
    const client = new pg.default.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`).finally(() => client.end());
  }
}
