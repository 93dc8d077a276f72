import os from "node:os";
import type { Browser, Page } from "playwright-core";
import { playerUrl, quantile, r0, startLiveRig, type LiveRig } from "./live-video.js";

// Glass-to-glass latency: the source paints its capture wall clock into each frame; Chromium (hls.js) reads it back
// from the frame on screen (requestVideoFrameCallback → canvas) and subtracts it from the display time.
// Baseline in the same run: the same stream played as plain HLS (full 2 s segments, hls.js 3 segments behind live).

interface Sample {
  g2g: number;
  pdt: number | null;
  level: number;
  behind: number;
  ahead: number;
}

function measure(rig: LiveRig, ll: boolean, seconds: number, cfg?: Record<string, unknown>) {
  return measureGlassToGlass(rig.browser, playerUrl(rig, ll, true, cfg), seconds);
}

/**
 * Glass-to-glass figures of the bench player page at `url` (live-video.ts, or rtc-pages.ts's WebRTC player), over
 * `seconds` once settled; the page is closed afterwards (a WebRTC page leaves its session first).
 */
export async function measureGlassToGlass(browser: Pick<Browser, "newPage">, url: string, seconds: number) {
  const page = await browser.newPage();
  await page.goto(url);
  try {
    return await measureOnPage(page, seconds);
  } finally {
    await page.evaluate(() => (window as unknown as { leave?: () => Promise<void> }).leave?.());
    await page.close();
  }
}

/** The same figures from a bench player page that is already open (it stays open: a stage feed keeps playing). */
export async function measureOnPage(page: Page, seconds: number) {
  await page.waitForFunction(() => (window as unknown as { samples: unknown[] }).samples.length > 0, undefined, { timeout: 90_000 });
  // Let the player settle at its live position before measuring.
  await page.waitForTimeout(5_000);
  const stallsBefore = await page.evaluate(() => (window as unknown as { stalls: number }).stalls);
  await page.evaluate(() => ((window as unknown as { samples: unknown[] }).samples.length = 0));
  await page.waitForTimeout(seconds * 1000);
  const samples = (await page.evaluate(() => (window as unknown as { samples: Sample[] }).samples)) as Sample[];
  const { stalls, target } = await page.evaluate(() => {
    const w = window as unknown as { stalls: number; hls: { targetLatency: number | null } };
    return { stalls: w.stalls, target: w.hls.targetLatency };
  });
  // A misread barcode (a frame mid-transition) gives an absurd value; anything outside 0–30 s is discarded.
  const good = samples.filter((s) => s.g2g > 0 && s.g2g < 30_000);
  const pdt = good.map((s) => s.pdt).filter((x): x is number => x !== null);
  return {
    samples: good.length,
    discarded: samples.length - good.length,
    p50_ms: r0(
      quantile(
        good.map((s) => s.g2g),
        50,
      ),
    ),
    p95_ms: r0(
      quantile(
        good.map((s) => s.g2g),
        95,
      ),
    ),
    pdt_p50_ms: r0(quantile(pdt, 50)),
    // hls.js's latency (playhead behind its live-edge estimate) and forward buffer: g2g − behind is the pipeline
    // (camera → part at the origin → on screen), behind − target is the player sitting further back than it aims.
    hls_latency_p50_ms: r0(
      quantile(
        good.map((s) => s.behind),
        50,
      ),
    ),
    buffer_p50_ms: r0(
      quantile(
        good.map((s) => s.ahead),
        50,
      ),
    ),
    // Playback stalls during the window, and hls.js's target latency at its end (PART-HOLD-BACK + stall allowance).
    stalls: stalls - stallsBefore,
    hls_target_latency_ms: target === null ? null : Math.round(target * 1000),
    height: good.at(-1)?.level ?? null,
  };
}

/**
 * `partTarget`: PART-TARGET in seconds instead of the default, `holdBackParts` PART-HOLD-BACK in parts; `player`: hls.js settings (JSON) over the web player's;
 * `ladder` other rungs than the default (720: the passed-through rung alone, no encoding); `baseline: false` skips the plain-HLS run (for trying settings; the ratio is then null).
 */
export async function latency(
  opts: { seconds?: number; partTarget?: number; holdBackParts?: number; player?: string; baseline?: boolean; ladder?: number[] } = {},
) {
  const seconds = opts.seconds ?? 60;
  const cfg = opts.player ? (JSON.parse(opts.player) as Record<string, unknown>) : undefined;
  const rig = await startLiveRig({ partTargetSeconds: opts.partTarget, partHoldBackParts: opts.holdBackParts, ladder: opts.ladder });
  try {
    const before = await rig.originRequests();
    const startedAt = performance.now();
    const ll = await measure(rig, true, seconds, cfg);
    const llSeconds = (performance.now() - startedAt) / 1000;
    const after = await rig.originRequests();
    const parts = rig.media.partTimings(rig.showId, "720p");
    const plain = opts.baseline === false ? null : await measure(rig, false, seconds);
    // When a part became available at the origin vs the PDT the origin gave its first frame (its capture estimate).
    const delays = parts.map((p) => p.availableAt - p.capturedAt);
    return {
      bench: "latency",
      seconds,
      renditions: rig.media.renditions(rig.showId),
      ...(await playlistTiming(rig)),
      player: cfg ?? null,
      load: loadavg(),
      ll_hls: ll,
      // One LL viewer's requests to the origin per second (all renditions; the page's whole visit, settling included).
      origin_req_per_s: Object.fromEntries(Object.entries(after).map(([k, v]) => [k, Math.round(((v - (before[k] ?? 0)) / llSeconds) * 10) / 10])),
      origin_part_delay_ms: { p50: r0(quantile(delays, 50)), p95: r0(quantile(delays, 95)), parts: delays.length },
      baseline_plain_hls: plain,
      ratio_p50: ll.p50_ms && plain?.p50_ms ? Math.round((ll.p50_ms / plain.p50_ms) * 1000) / 1000 : null,
      // Issue #19's aim for LL-HLS (issue #4's was 1,500 ms).
      target_p50_ms: 1000,
    };
  } finally {
    await rig.stop();
  }
}

const loadavg = () => os.loadavg().map((x) => Math.round(x * 10) / 10);

/** PART-TARGET and PART-HOLD-BACK as the top rung's playlist gives them to the player. */
async function playlistTiming(rig: LiveRig) {
  const text = await (await fetch(`${rig.base}/live/${rig.showId}/720p/index.m3u8`)).text();
  const num = (re: RegExp) => Number(re.exec(text)?.[1] ?? Number.NaN);
  return { part_target_s: num(/PART-TARGET=([\d.]+)/), part_hold_back_s: num(/PART-HOLD-BACK=([\d.]+)/) };
}
