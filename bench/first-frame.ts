import { playerUrl, quantile, r0, startLiveRig } from "./live-video.js";

// Navigation → first rendered video frame (requestVideoFrameCallback) on loopback, a fresh page each time, with the
// stream already live. Baseline in the same run: navigation → load event of a trivial page from the same server.
export async function firstFrame(opts: { runs?: number } = {}) {
  const runs = opts.runs ?? 7;
  const rig = await startLiveRig();
  try {
    const frame: number[] = [];
    const blank: number[] = [];
    for (let i = 0; i < runs; i++) {
      const context = await rig.browser.newContext();
      const page = await context.newPage();
      await page.goto(playerUrl(rig, true, false));
      const ms = await page.waitForFunction(() => (window as unknown as { firstFrameMs: number | null }).firstFrameMs, undefined, { timeout: 30_000 });
      frame.push(Number(await ms.jsonValue()));
      await page.goto(`${rig.base}/bench/blank.html`);
      blank.push(
        await page.evaluate(() => {
          const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
          return nav.loadEventEnd || performance.now();
        }),
      );
      await context.close();
    }
    const p50 = quantile(frame, 50)!;
    const base = quantile(blank, 50)!;
    return {
      bench: "first-frame",
      runs,
      p50_ms: r0(p50),
      max_ms: r0(Math.max(...frame)),
      baseline_blank_page_p50_ms: Math.round(base * 10) / 10,
      ratio: Math.round((p50 / Math.max(base, 1)) * 10) / 10,
      target_ms: 1000,
    };
  } finally {
    await rig.stop();
  }
}
