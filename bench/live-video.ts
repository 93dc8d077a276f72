import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import fastify, { type FastifyInstance } from "fastify";
import { chromium, type Browser } from "playwright-core";
import { Registry } from "prom-client";
import { defaultFfmpegPath } from "../src/server/config.js";
import { createMedia, type Media } from "../src/server/media/index.js";
import { spawnFfmpeg, type FfmpegRun } from "../src/server/platform/ffmpeg-process.js";
import { CATCH_UP, keepNearLive, liveHlsSettings, shouldCatchUp } from "../src/web/media/liveHlsSettings.js";
import { BITS, BLOCK, barcodeScript } from "./barcode.js";

// Shared by the latency and first-frame benches: the real media pipeline (RTMP ingest → ffmpeg ladder → LL-HLS
// origin) in this process, a "camera" that paints its capture wall clock into every frame, and headless Chromium
// playing it with hls.js on loopback.

const require = createRequire(import.meta.url);
const SHOW = "shw_bench";
const KEY = "sk_bench_latency";

export interface LiveRig {
  base: string;
  epoch: number;
  media: Media;
  browser: Browser;
  showId: string;
  /** Requests the origin answered so far, by kind (master, playlist, part, segment, init). */
  originRequests(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

/**
 * The barcode (barcode.ts): setpts stamps each frame with the wall clock (RTCTIME) at the moment -re releases it, geq paints
 * that time into a strip, and setpts restores a clean 30 fps timeline before encoding.
 */
export function clockSourceArgs(rtmpUrl: string, epochMs: number): string[] {
  const bit = `mod(floor(T*1000/pow(2,floor(X/${BLOCK}))),2)`;
  const graph =
    `[0:v]setpts='(RTCTIME-${epochMs * 1000})/(TB*1000000)',split[a][b];` +
    `[b]crop=${BITS * BLOCK}:${BLOCK}:0:0,geq=lum='if(${bit},235,16)':cb=128:cr=128[c];` +
    `[a][c]overlay=0:0,setpts=N/(30*TB)[v]`;
  return [
    "-hide_banner",
    "-nostdin",
    "-loglevel",
    "error",
    "-re",
    "-f",
    "lavfi",
    "-i",
    "testsrc2=size=1280x720:rate=30",
    "-re",
    "-f",
    "lavfi",
    "-i",
    "sine=frequency=440:sample_rate=48000",
    "-filter_complex",
    graph,
    "-map",
    "[v]",
    "-map",
    "1:a",
    // A camera-like encoder: regular 2 s GOP (the top rung is passed through, so this is the segment cadence).
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-tune",
    "zerolatency",
    "-pix_fmt",
    "yuv420p",
    "-g",
    "60",
    "-keyint_min",
    "60",
    "-sc_threshold",
    "0",
    "-b:v",
    "2500k",
    "-maxrate",
    "2500k",
    "-bufsize",
    "2500k",
    "-c:a",
    "aac",
    "-b:a",
    "96k",
    "-ar",
    "48000",
    "-ac",
    "2",
    "-f",
    "flv",
    rtmpUrl,
  ];
}

const PLAYER_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>bench player</title>
<style>body{margin:0;background:#000}video{width:640px;height:360px}</style></head>
<body><video id="v" muted autoplay playsinline></video><canvas id="c" width="${BITS * BLOCK}" height="${BLOCK}" style="display:none"></canvas>
<script src="/bench/hls.js"></script>
<script>${barcodeScript()}</script>
<script>
const q = new URLSearchParams(location.search);
const ll = q.get("ll") === "1";
const epoch = Number(q.get("epoch"));
window.samples = [];
window.firstFrameMs = null;
window.stalls = 0;
const v = document.getElementById("v");
v.addEventListener("waiting", () => { if (window.firstFrameMs !== null) window.stalls++; });
const ctx = document.getElementById("c").getContext("2d", { willReadFrequently: true });
// The web player's own settings and catch-up (src/web/media/liveHlsSettings.ts) for LL, with the bench's "cfg"
// overrides (a JSON object, to try other settings; "catchUp": false turns the catch-up off); plain HLS: hls.js
// defaults (3 segments back).
const cfg = JSON.parse(q.get("cfg") || "{}");
const catchUp = cfg.catchUp === false ? null : Object.assign(${JSON.stringify(CATCH_UP)}, cfg.catchUp || {});
delete cfg.catchUp;
const hls = new Hls(ll ? Object.assign(${JSON.stringify(liveHlsSettings)}, cfg) : { lowLatencyMode: false });
// (barcodeScript gives the page the __name that tsx's keepNames wraps these functions' inner functions in.)
const shouldCatchUp = ${shouldCatchUp.toString()};
const keepNearLive = ${keepNearLive.toString()};
hls.on(Hls.Events.MANIFEST_PARSED, (_e, d) => {
  // Measure on the top rung (what a good connection gets); ABR is not what is being timed here.
  let top = 0;
  d.levels.forEach((l, i) => { if (l.height > d.levels[top].height) top = i; });
  if (q.get("top") === "1") hls.currentLevel = top;
  v.play().catch(() => {});
});
hls.loadSource(q.get("src"));
hls.attachMedia(v);
if (ll && catchUp) keepNearLive(hls, v, catchUp);
window.hls = hls;
let frames = 0;
function onFrame(_now, meta) {
  if (window.firstFrameMs === null) window.firstFrameMs = performance.now();
  if (frames++ % 5 === 0 && v.videoWidth > 0) {
    const ms = readBarcode(ctx, v);
    const shown = performance.timeOrigin + meta.expectedDisplayTime;
    const pdt = hls.playingDate ? hls.playingDate.getTime() : null;
    // hls.js's own view: how far the playhead is behind its estimate of the live edge (edge of the newest part + time
    // since that playlist arrived), and how much is buffered ahead of it.
    const b = v.buffered.length ? v.buffered.end(v.buffered.length - 1) - v.currentTime : 0;
    window.samples.push({ g2g: shown - (epoch + ms), pdt: pdt === null ? null : shown - pdt, level: v.videoHeight, behind: hls.latency * 1000, ahead: b * 1000 });
  }
  v.requestVideoFrameCallback(onFrame);
}
v.requestVideoFrameCallback(onFrame);
</script></body></html>`;

/** The bench pages by path: the player page, hls.js and a blank page. */
export function playerPages(): Record<string, { type: string; body: string | Buffer }> {
  return {
    "/bench/hls.js": { type: "text/javascript", body: readFileSync(require.resolve("hls.js/dist/hls.light.min.js")) },
    "/bench/player.html": { type: "text/html", body: PLAYER_HTML },
    "/bench/blank.html": { type: "text/html", body: "<!doctype html><title>blank</title><p>ok</p>" },
  };
}

/** The bench player page and hls.js on `app` (/bench/player.html, /bench/hls.js, /bench/blank.html). */
export function registerPlayerPage(app: FastifyInstance): void {
  for (const [url, page] of Object.entries(playerPages())) app.get(url, (_req, reply) => reply.header("content-type", page.type).send(page.body));
}

export async function startLiveRig(
  opts: {
    ladder?: number[];
    browser?: boolean;
    partTargetSeconds?: number;
    partHoldBackParts?: number;
    routes?: (app: FastifyInstance, media: Media) => void;
  } = {},
): Promise<LiveRig> {
  const ffmpegPath = defaultFfmpegPath();
  const app: FastifyInstance = fastify({ logger: false });
  const metrics = new Registry();
  const media = createMedia({
    metrics,
    ffmpegPath,
    mediaDir: path.join(os.tmpdir(), "showcart-bench-media"),
    rtmpPort: 0,
    rtmpHost: "127.0.0.1",
    segmentSeconds: 2,
    listSize: 6,
    ladder: opts.ladder,
    ...(opts.partTargetSeconds ? { partTargetSeconds: opts.partTargetSeconds } : {}),
    ...(opts.partHoldBackParts ? { partHoldBackParts: opts.partHoldBackParts } : {}),
    log: app.log,
    resolveStreamKey: async (key) => (key === KEY ? { showId: SHOW } : null),
    onLive: () => undefined,
    onOffline: () => undefined,
  });
  await app.register(media.routes);
  opts.routes?.(app, media);
  registerPlayerPage(app);
  await media.start();
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;

  const epoch = Date.now();
  const source: FfmpegRun = spawnFfmpeg(ffmpegPath, clockSourceArgs(`rtmp://127.0.0.1:${media.rtmpPort()}/live/${KEY}`, epoch));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required", "--disable-background-timer-throttling"],
  });
  // Ready once the master playlist answers (it waits for every rendition's first part).
  for (const deadline = Date.now() + 30_000; ; ) {
    const res = await fetch(`${base}/live/${SHOW}/index.m3u8`).catch(() => null);
    if (res?.ok) break;
    if (Date.now() > deadline) throw new Error(`no stream: ${source.stderrTail().join(" | ")}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    base,
    epoch,
    media,
    browser,
    showId: SHOW,
    async originRequests() {
      const counted = (await metrics.getSingleMetric("showcart_hls_requests_total")?.get())?.values ?? [];
      const byKind: Record<string, number> = {};
      for (const v of counted) byKind[String(v.labels.kind)] = (byKind[String(v.labels.kind)] ?? 0) + v.value;
      return byKind;
    },
    async stop() {
      await browser.close();
      await source.terminate();
      await media.stop();
      await app.close();
    },
  };
}

/** `cfg`: hls.js settings to use instead of the web player's (LL only), to try others. */
export function playerUrl(rig: Pick<LiveRig, "base" | "epoch" | "showId">, ll: boolean, top = true, cfg?: Record<string, unknown>): string {
  const src = `/live/${rig.showId}/index.m3u8`;
  const extra = cfg ? `&cfg=${encodeURIComponent(JSON.stringify(cfg))}` : "";
  return `${rig.base}/bench/player.html?ll=${ll ? 1 : 0}&top=${top ? 1 : 0}&epoch=${rig.epoch}&src=${encodeURIComponent(src)}${extra}`;
}

export function quantile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const r0 = (n: number | null) => (n === null ? null : Math.round(n));
