import fs from "node:fs";
import os from "node:os";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { defaultFfmpegPath } from "../src/server/config.js";
import { type FfmpegRun, spawnFfmpeg } from "../src/server/platform/ffmpeg-process.js";
import { measureGlassToGlass } from "./latency.js";
import { clockSourceArgs, playerPages, playerUrl } from "./live-video.js";
import { rtcPages, rtcPageUrl } from "./rtc-pages.js";
import { type ChildServer, startChildServer } from "./support.js";

// Sub-second viewing, on the real server in its own process: the barcode clock of bench/latency.ts published by WHIP
// from a canvas in Chromium (`--publish whip`, the default) or by ffmpeg to the RTMP ingest (`--publish rtmp`), played
// by WHEP in Chromium, glass-to-glass read off the frames; the LL-HLS player in the same run is the baseline. Then the
// server's CPU per WHEP viewer: the server process (werift's DTLS/SRTP per viewer) and its ffmpeg children (the ladder,
// the WHIP feed, the show's one WHEP encode), with 1 and with N viewers, over the same window each.

type Publish = "whip" | "rtmp";

const TICKS = 100; // USER_HZ on Linux

/** CPU seconds (user + system) of `root` and, apart, of all its descendants alive now, from /proc. */
export function processTreeCpu(root: number): { self: number; children: number } {
  const parent = new Map<number, number>();
  const cpu = new Map<number, number>();
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parent.set(Number(name), Number(f[1]));
      cpu.set(Number(name), (Number(f[11]) + Number(f[12])) / TICKS);
    } catch {
      // gone between readdir and read
    }
  }
  const below = (pid: number): number[] => [...parent].filter(([, pp]) => pp === pid).flatMap(([p]) => [p, ...below(p)]);
  return { self: cpu.get(root) ?? 0, children: below(root).reduce((sum, p) => sum + (cpu.get(p) ?? 0), 0) };
}

/** % of a core the server process and its children used over `seconds`. */
async function cpuWindow(server: ChildServer, seconds: number): Promise<{ server_pct: number; ffmpeg_pct: number }> {
  const pid = server.proc.pid!;
  const [a, t0] = [processTreeCpu(pid), performance.now()];
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const [b, wall] = [processTreeCpu(pid), (performance.now() - t0) / 1000];
  const pct = (x: number) => Math.round((x / wall) * 1000) / 10;
  // Children that ended during the window took their CPU along: clamp, never report negative use.
  return { server_pct: pct(b.self - a.self), ffmpeg_pct: pct(Math.max(0, b.children - a.children)) };
}

/** A browser context whose requests for /bench/* on the server's origin get the bench pages (the rest is the server's). */
export async function benchContext(browser: Browser, base: string, cookie?: string): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: base });
  const pages = { ...playerPages(), ...rtcPages() };
  await context.route(`${base}/bench/**`, (route) => {
    const page = pages[new URL(route.request().url()).pathname];
    return page ? route.fulfill({ contentType: page.type, body: page.body }) : route.fulfill({ status: 404, body: "no such bench page" });
  });
  if (cookie) {
    const [name, value] = cookie.split("=") as [string, string];
    await context.addCookies([{ name, value, url: base }]);
  }
  return context;
}

export function launchBenchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--autoplay-policy=no-user-gesture-required",
      "--disable-background-timer-throttling",
      "--disable-renderer-backgrounding",
      "--disable-backgrounding-occluded-windows",
    ],
  });
}

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ; ) {
    const v = await probe().catch(() => null);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

export async function rtcLatency(opts: { seconds?: number; viewers?: number[]; publish?: Publish } = {}) {
  const seconds = opts.seconds ?? 30;
  const counts = [...(opts.viewers ?? [1, 10])].sort((a, b) => a - b);
  const publish: Publish = opts.publish ?? "whip";
  if (publish !== "whip" && publish !== "rtmp") throw new Error(`--publish whip|rtmp, not ${String(publish)}`);
  const loadStart = os.loadavg().map((l) => Math.round(l * 10) / 10);
  const server = await startChildServer({ WHEP_MAX_VIEWERS_PER_NODE: String(counts.at(-1)! + 4) });
  const browser = await launchBenchChromium();
  let source: FfmpegRun | null = null;
  try {
    const { showId, streamKey } = server.demo;
    const base = server.url;
    const epoch = Date.now();
    const context = await benchContext(browser, base);
    // The host's camera: the canvas clock by WHIP with the stream key as Bearer (as OBS does), or ffmpeg over RTMP.
    if (publish === "whip") {
      const page = await context.newPage();
      await page.goto(rtcPageUrl(base, "clock", { epoch, src: `/api/shows/${showId}/whip`, token: streamKey }));
      await page.waitForFunction(
        () => (window as unknown as { published?: boolean; failed?: string }).published || (window as unknown as { failed?: string }).failed,
        undefined,
        {
          timeout: 30_000,
        },
      );
      const failed = await page.evaluate(() => (window as unknown as { failed?: string }).failed);
      if (failed) throw new Error(`WHIP publish failed: ${failed}`);
    } else {
      source = spawnFfmpeg(defaultFfmpegPath(), clockSourceArgs(`rtmp://127.0.0.1:${server.rtmpPort}/live/${streamKey}`, epoch));
    }
    // Live once the master playlist answers (it waits for every rendition's first part).
    await waitFor("the show's master playlist", async () => (await fetch(`${base}/live/${showId}/index.m3u8`)).ok);

    const rig = { base, epoch, showId };
    const whepUrl = (measure: boolean) => rtcPageUrl(base, "rtc", { epoch, src: `/api/shows/${showId}/whep`, measure });
    // The LL-HLS player in the same run: the baseline.
    const llHls = await measureGlassToGlass(context, playerUrl(rig, true), seconds);
    const webrtc = await measureGlassToGlass(context, whepUrl(true), seconds);

    const pages: Page[] = [];
    const cpu: Array<{ viewers: number; server_pct: number; ffmpeg_pct: number }> = [];
    for (const n of counts) {
      while (pages.length < n) {
        const page = await context.newPage();
        await page.goto(whepUrl(false));
        pages.push(page);
      }
      await Promise.all(
        pages.map((p) => p.waitForFunction(() => (window as unknown as { firstFrameMs: number | null }).firstFrameMs !== null, undefined, { timeout: 60_000 })),
      );
      cpu.push({ viewers: n, ...(await cpuWindow(server, seconds)) });
    }
    await Promise.all(pages.map((p) => p.close()));
    const lo = cpu[0]!;
    const hi = cpu.at(-1)!;
    const perViewer = (k: "server_pct" | "ffmpeg_pct") =>
      hi.viewers > lo.viewers ? Math.round(((hi[k] - lo[k]) / (hi.viewers - lo.viewers)) * 100) / 100 : null;
    return {
      bench: "rtc-latency",
      publish,
      seconds,
      webrtc: { p50_ms: webrtc.p50_ms, p95_ms: webrtc.p95_ms, samples: webrtc.samples, stalls: webrtc.stalls, height: webrtc.height },
      baseline_ll_hls: { p50_ms: llHls.p50_ms, p95_ms: llHls.p95_ms, samples: llHls.samples, stalls: llHls.stalls },
      ratio_p50: webrtc.p50_ms && llHls.p50_ms ? Math.round((webrtc.p50_ms / llHls.p50_ms) * 1000) / 1000 : null,
      target_p50_ms: 400,
      target_ll_hls_p50_ms: 1000,
      cpu,
      server_cpu_pct_per_viewer: perViewer("server_pct"),
      ffmpeg_cpu_pct_per_viewer: perViewer("ffmpeg_pct"),
      load_start: loadStart,
      load_end: os.loadavg().map((l) => Math.round(l * 10) / 10),
    };
  } finally {
    await browser.close();
    await source?.terminate();
    await server.stop();
  }
}
