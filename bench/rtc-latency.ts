import fs from "node:fs";
import os from "node:os";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { defaultFfmpegPath } from "../src/server/config.js";
import { type FfmpegRun, spawnFfmpeg } from "../src/server/platform/ffmpeg-process.js";
import { measureGlassToGlass } from "./latency.js";
import { clockSourceArgs, playerPages, playerUrl } from "./live-video.js";
import { rtcPages, rtcPageUrl } from "./rtc-pages.js";
import { published, publishedFps, stageGuestToHost, waitFor } from "./rtc-stage.js";
import { type ChildServer, startChildServer } from "./support.js";

// Sub-second viewing, on the real server in its own process: the barcode clock of bench/latency.ts published by WHIP
// from a canvas in Chromium (`--publish whip`, the default) or by ffmpeg to the RTMP ingest (`--publish rtmp`), played
// by WHEP in Chromium, glass-to-glass read off the frames; the LL-HLS player in the same run is the baseline. Then the
// server's CPU per WHEP viewer: the server process (werift's DTLS/SRTP per viewer) and its ffmpeg children (the ladder,
// the WHIP feed, the show's one WHEP encode), with 1 and with N viewers, over the same window each.

type Publish = "whip" | "rtmp";

const TICKS = 100; // USER_HZ on Linux

/** CPU seconds (user + system) so far of `root` and of each of its descendants alive now, by pid, from /proc. */
export function processTreeCpu(root: number): Map<number, number> {
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
  const tree = new Map<number, number>([[root, cpu.get(root) ?? 0]]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, pp] of parent)
      if (tree.has(pp) && !tree.has(pid)) {
        tree.set(pid, cpu.get(pid) ?? 0);
        grew = true;
      }
  }
  return tree;
}

/** Waits until the server's processes stop changing (an ffmpeg restarted after a change: the compositor, the ladder). */
async function settled(root: number, quietMs = 8_000, timeoutMs = 90_000): Promise<void> {
  const key = () => [...processTreeCpu(root).keys()].sort().join(",");
  let last = key();
  let since = Date.now();
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline && Date.now() - since < quietMs; ) {
    await new Promise((r) => setTimeout(r, 500));
    const now = key();
    if (now !== last) [last, since] = [now, Date.now()];
  }
}

/**
 * % of a core the server process and its children (ffmpeg) used over `seconds`, once its processes are settled; a
 * process that started in the window counts whole, one that ended is missing (`changed` says how many did either).
 */
async function cpuWindow(server: ChildServer, seconds: number): Promise<{ server_pct: number; ffmpeg_pct: number; changed: number }> {
  const pid = server.proc.pid!;
  await settled(pid);
  const [a, t0] = [processTreeCpu(pid), performance.now()];
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const [b, wall] = [processTreeCpu(pid), (performance.now() - t0) / 1000];
  const used = (p: number) => (b.get(p) ?? 0) - (a.get(p) ?? 0);
  const children = [...b.keys()].filter((p) => p !== pid);
  const changed = [...a.keys()].filter((p) => !b.has(p)).length + [...b.keys()].filter((p) => !a.has(p)).length;
  const pct = (x: number) => Math.round((x / wall) * 1000) / 10;
  return { server_pct: pct(used(pid)), ffmpeg_pct: pct(children.reduce((sum, p) => sum + used(p), 0)), changed };
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

const r2 = (n: number) => Math.round(n * 100) / 100;
const load = () => os.loadavg().map((l) => Math.round(l * 10) / 10);

/** `guests`: guests brought on stage for the stage line (0: no stage line). */
export async function rtcLatency(opts: { seconds?: number; viewers?: number[]; publish?: Publish; guests?: number } = {}) {
  const seconds = opts.seconds ?? 30;
  const counts = [...(opts.viewers ?? [1, 10])].sort((a, b) => a - b);
  const publish: Publish = opts.publish ?? "whip";
  const guests = opts.guests ?? 2;
  if (publish !== "whip" && publish !== "rtmp") throw new Error(`--publish whip|rtmp, not ${String(publish)}`);
  const loadStart = load();
  // DEV_MAILBOX: the stage's guests sign up as viewers do, by the emailed link.
  const server = await startChildServer({ WHEP_MAX_VIEWERS_PER_NODE: String(counts.at(-1)! + 4), DEV_MAILBOX: "1" });
  const browser = await launchBenchChromium();
  let source: FfmpegRun | null = null;
  try {
    const { showId, streamKey } = server.demo;
    const base = server.url;
    const epoch = Date.now();
    const context = await benchContext(browser, base);
    // The host's camera: the canvas clock by WHIP with the stream key as Bearer (as OBS does), or ffmpeg over RTMP.
    let camera: Page | null = null;
    let codec: string | null = "H264 (ffmpeg)";
    if (publish === "whip") {
      // A context of its own: a page behind others in its window gets no animation frames, and the canvas stops.
      camera = await (await benchContext(browser, base)).newPage();
      await camera.goto(rtcPageUrl(base, "clock", { epoch, src: `/api/shows/${showId}/whip`, token: streamKey }));
      codec = await published(camera);
    } else {
      source = spawnFfmpeg(defaultFfmpegPath(), clockSourceArgs(`rtmp://127.0.0.1:${server.rtmpPort}/live/${streamKey}`, epoch));
    }
    // Live once the master playlist answers (it waits for every rendition's first part).
    await waitFor("the show's master playlist", async () => (await fetch(`${base}/live/${showId}/index.m3u8`)).ok);

    const whepUrl = (measure: boolean) => rtcPageUrl(base, "rtc", { epoch, src: `/api/shows/${showId}/whep`, measure });
    // The LL-HLS player in the same run: the baseline.
    const llHls = await measureGlassToGlass(context, playerUrl({ base, epoch, showId }, true), seconds);
    const { result: webrtc, fps } = await publishedFps(camera, () => measureGlassToGlass(context, whepUrl(true), seconds));

    const pages: Page[] = [];
    const cpu: Array<{ viewers: number; server_pct: number; ffmpeg_pct: number; changed: number }> = [];
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
    const [lo, hi] = [cpu[0]!, cpu.at(-1)!];
    const perViewer = (k: "server_pct" | "ffmpeg_pct") => (hi.viewers > lo.viewers ? r2((hi[k] - lo[k]) / (hi.viewers - lo.viewers)) : null);
    const viewing = {
      bench: "rtc-latency",
      publish,
      publish_codec: codec,
      // The canvas's frames per second sent while WHEP was measured (30 when the page keeps up; null: ffmpeg's clock).
      publish_fps: fps,
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
      load_end: load(),
    };
    if (guests === 0) return viewing;

    // The host stops (DELETE of the WHIP session ends the show): its ladder and encodes leave the stage's windows.
    if (camera)
      await camera.evaluate(
        (key) => fetch((window as unknown as { session: string }).session, { method: "DELETE", headers: { authorization: `Bearer ${key}` } }),
        streamKey,
      );
    await source?.terminate();
    await camera?.close();
    const stageLoadStart = load();
    // A stage that fails (a starved machine: pages that never load, publishes that time out) still leaves the WHEP line.
    const stage = await stageGuestToHost(server, {
      epoch,
      seconds,
      guests,
      context: (cookie) => benchContext(browser, base, cookie),
      cpuWindow: (s) => cpuWindow(server, s),
    }).catch((err: Error) => err);
    if (stage instanceof Error)
      return [viewing, { bench: "rtc-latency-stage", seconds, error: stage.message.split("\n")[0], load_start: stageLoadStart, load_end: load() }];
    const g = stage.guestToHost;
    const [one, all] = [stage.cpu[0]!, stage.cpu.at(-1)!];
    const perGuest = (k: "server_pct" | "ffmpeg_pct") => (all.guests > one.guests ? r2((all[k] - one[k]) / (all.guests - one.guests)) : null);
    return [
      viewing,
      {
        bench: "rtc-latency-stage",
        seconds,
        publish_codec: stage.codec,
        publish_fps: stage.fps,
        guest_to_host: { p50_ms: g.p50_ms, p95_ms: g.p95_ms, samples: g.samples, stalls: g.stalls, height: g.height },
        // The same run's WebRTC line (the clock published by the host, played by WHEP) as the baseline.
        baseline_webrtc: { publish, p50_ms: webrtc.p50_ms, p95_ms: webrtc.p95_ms },
        ratio_p50: g.p50_ms && webrtc.p50_ms ? Math.round((g.p50_ms / webrtc.p50_ms) * 1000) / 1000 : null,
        target_p50_ms: 400,
        cpu: stage.cpu,
        server_cpu_pct_per_participant: perGuest("server_pct"),
        ffmpeg_cpu_pct_per_participant: perGuest("ffmpeg_pct"),
        load_start: stageLoadStart,
        load_end: load(),
      },
    ];
  } finally {
    await browser.close();
    await source?.terminate();
    await server.stop();
  }
}
