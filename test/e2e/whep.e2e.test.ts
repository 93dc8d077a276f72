import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.js";
import { until } from "../support/until.js";
import { seriousAxeFindings } from "./axe.js";
import { launchChromium, newVisitor } from "./browser.js";

// Sub-second viewing: the demo show (synthetic source published by RTMP) played by WHEP in Chromium, the mode shown
// on the player, the viewer's toggle back to LL-HLS, and WebRTC broken (no ICE path) falling back to LL-HLS.
const LONG = 60_000;

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer({ demo: true, env: { WHEP_MAX_VIEWERS_PER_NODE: "5" } }), launchChromium()]);
  await until("the demo show live", () => server.services.media.playUrl(server.demo.showId) !== null, 120_000);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Records when the player's mode label changed to each mode (performance.now() of the page). */
async function recordModes(page: Page) {
  await page.addInitScript(() => {
    const seen: Record<string, number> = {};
    (window as unknown as { modeTimes: Record<string, number> }).modeTimes = seen;
    new MutationObserver(() => {
      const mode = document.querySelector("[data-testid=player-mode]")?.getAttribute("data-mode");
      if (mode && !(mode in seen)) seen[mode] = performance.now();
    }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-mode"] });
  });
}

/**
 * Waits for the player to settle on WebRTC. The show's first WHEP viewer starts its encode; on this shared machine
 * (load 20-30) that has taken longer than the player's 4.5 s, and the player rightly fell back to LL-HLS. Then the
 * encode runs (it lingers 10 s): ask again with the toggle, as a viewer would, and count it in the log.
 */
async function untilWebRtc(page: Page) {
  const mode = page.getByTestId("player-mode");
  await page.locator("[data-testid=player-mode]:is([data-mode=webrtc], [data-mode=ll-hls])").waitFor({ timeout: LONG });
  for (let retry = 0; retry < 2 && (await mode.getAttribute("data-mode")) === "ll-hls"; retry++) {
    console.warn("whep.e2e: WebRTC missed the player's deadline (cold encode or a starved machine); toggling sub-second off and on");
    await page.getByTestId("subsecond-toggle").click();
    await page.getByTestId("subsecond-toggle").click();
    await page.locator("[data-testid=player-mode]:is([data-mode=webrtc], [data-mode=ll-hls])").waitFor({ timeout: LONG });
  }
  await page.locator("[data-testid=player-mode][data-mode=webrtc]").waitFor({ timeout: LONG });
}

/** Video frames presented over `ms` (requestVideoFrameCallback), so "plays" means pictures, not just a connection. */
function framesPresented(page: Page, ms: number): Promise<number> {
  return page.evaluate(
    (ms) =>
      new Promise<number>((resolve) => {
        const v = document.querySelector<HTMLVideoElement>("[data-testid=player-video]")!;
        let n = 0;
        const tick = () => {
          n++;
          v.requestVideoFrameCallback(tick);
        };
        v.requestVideoFrameCallback(tick);
        setTimeout(() => resolve(n), ms);
      }),
    ms,
  );
}

describe("sub-second viewing (WHEP)", () => {
  it("plays the live show by WebRTC, says so, and switches to LL-HLS when the viewer turns sub-second off", async () => {
    const { context, errors } = await newVisitor(browser, server.url);
    const page = await context.newPage();
    await recordModes(page);
    await page.goto(`/shows/${server.demo.slug}?mode=webrtc`);
    const mode = page.getByTestId("player-mode");
    await untilWebRtc(page);
    await expect(mode.textContent()).resolves.toBe("Sub-second (WebRTC)");
    await expect(page.getByTestId("subsecond-toggle").getAttribute("aria-pressed")).resolves.toBe("true");
    expect(server.services.whep.viewers().total).toBe(1);
    const video = await page.evaluate(() => {
      const v = document.querySelector<HTMLVideoElement>("[data-testid=player-video]")!;
      return { webrtc: v.srcObject instanceof MediaStream, width: v.videoWidth, height: v.videoHeight };
    });
    expect(video).toEqual({ webrtc: true, width: 1280, height: 720 });
    expect(await framesPresented(page, 3_000)).toBeGreaterThan(0);
    expect(await seriousAxeFindings(page), "axe: viewer page in WebRTC mode").toBe("");

    // Off: LL-HLS, the quality menu is back, the server's session is gone.
    await page.getByTestId("subsecond-toggle").click();
    await page.locator("[data-testid=player-mode][data-mode=ll-hls]").waitFor({ timeout: LONG });
    await expect(mode.textContent()).resolves.toBe("Low latency (LL-HLS)");
    await page.getByTestId("quality-menu").waitFor({ timeout: LONG });
    await page.waitForFunction(() => (document.querySelector<HTMLVideoElement>("[data-testid=player-video]")?.currentTime ?? 0) > 1, undefined, {
      timeout: LONG,
      polling: 250,
    });
    await expect.poll(() => server.services.whep.viewers().total, { timeout: 10_000 }).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  }, 240_000);

  it("shows the mode in German", async () => {
    const { context, errors } = await newVisitor(browser, server.url, { locale: "de-DE" });
    const page = await context.newPage();
    await page.goto(`/shows/${server.demo.slug}?mode=webrtc`);
    await untilWebRtc(page);
    await expect(page.getByTestId("player-mode").textContent()).resolves.toBe("Sekundenschnell (WebRTC)");
    await expect(page.getByTestId("subsecond-toggle").textContent()).resolves.toBe("Sekundenschnell");
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);

  it("falls back to LL-HLS within 5 s when WebRTC cannot connect (no ICE path: UDP blocked)", async () => {
    const { context, errors } = await newVisitor(browser, server.url);
    const page = await context.newPage();
    await recordModes(page);
    // Blocked UDP as the peers see it: neither learns a candidate of the other, so ICE never finds a path. (Chromium's
    // --force-webrtc-ip-handling-policy=disable_non_proxied_udp still connected over loopback here.)
    const noCandidates = (sdp: string) => sdp.replace(/^a=candidate:.*\r\n/gm, "");
    await page.route("**/api/shows/*/whep", async (route) => {
      const answer = await route.fetch({ postData: noCandidates(route.request().postData() ?? "") });
      await route.fulfill({ response: answer, body: noCandidates(await answer.text()) });
    });
    await page.goto(`/shows/${server.demo.slug}?mode=webrtc`);
    await page.locator("[data-testid=player-mode][data-mode=ll-hls]").waitFor({ timeout: LONG });
    const times = await page.evaluate(() => (window as unknown as { modeTimes: Record<string, number> }).modeTimes);
    expect(times.webrtc).toBeUndefined();
    // The player's own deadline (4.5 s from trying WebRTC) bounds this; the figure is its design, not a benchmark.
    expect(times["ll-hls"]! - times.connecting!).toBeLessThanOrEqual(5_000);
    await page.waitForFunction(() => (document.querySelector<HTMLVideoElement>("[data-testid=player-video]")?.currentTime ?? 0) > 1, undefined, {
      timeout: LONG,
      polling: 250,
    });
    expect(await seriousAxeFindings(page), "axe: viewer page after the fallback").toBe("");
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);

  it("goes straight to LL-HLS with no WHEP request where the server offers none (WHEP off); ?mode=webrtc still asks", async () => {
    const off = await startTestServer({ demo: true, env: { WHEP_MAX_VIEWERS_PER_NODE: "0" } });
    try {
      await until("the demo show live", () => off.services.media.playUrl(off.demo.showId) !== null, 120_000);
      const { context, errors } = await newVisitor(browser, off.url);
      const page = await context.newPage();
      const whepPosts: string[] = [];
      page.on("request", (r) => {
        if (r.method() === "POST" && /\/api\/shows\/[^/]+\/whep$/.test(new URL(r.url()).pathname)) whepPosts.push(page.url());
      });
      await page.goto(`/shows/${off.demo.slug}`);
      await page.locator("[data-testid=player-mode][data-mode=ll-hls]").waitFor({ timeout: LONG });
      // The viewer's preference stays "sub-second"; the server's show view said it is not offered here.
      await expect(page.getByTestId("subsecond-toggle").getAttribute("aria-pressed")).resolves.toBe("true");
      await page.waitForFunction(() => (document.querySelector<HTMLVideoElement>("[data-testid=player-video]")?.currentTime ?? 0) > 1, undefined, {
        timeout: LONG,
        polling: 250,
      });
      expect(whepPosts).toEqual([]);
      expect(await seriousAxeFindings(page), "axe: viewer page, LL-HLS without trying WebRTC").toBe("");

      // Asked for explicitly: one offer, refused with whep_full, and LL-HLS plays.
      await page.goto(`/shows/${off.demo.slug}?mode=webrtc`);
      await page.locator("[data-testid=player-mode][data-mode=ll-hls]").waitFor({ timeout: LONG });
      expect(whepPosts).toHaveLength(1);
      expect(errors).toEqual([]);
      await context.close();
    } finally {
      await off.close();
    }
  }, 180_000);
});
