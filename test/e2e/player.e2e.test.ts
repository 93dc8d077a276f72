import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer } from "../support/server.js";
import { launchChromium, newVisitor, waitForPlayback } from "./browser.js";

// The viewer's player on the LL-HLS ladder: low-latency playback, the quality menu, and a stream that survives its
// encoder dropping out for a moment. Waits are generous; nothing asserts on elapsed time.
const LONG = 45_000;

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer({ demo: true, env: { RECONNECT_GRACE_SECONDS: "20" } }), launchChromium()]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("live player", () => {
  it("offers Auto and every rendition, and switches to the one picked", async () => {
    const { context, errors } = await newVisitor(browser, server.url);
    const page = await context.newPage();
    await page.goto(`/shows/${server.demo.slug}`);
    const menu = page.getByTestId("quality-menu");
    await menu.waitFor({ timeout: LONG });
    const options = await menu.locator("option").allTextContents();
    expect(options).toEqual(["Auto", "720p", "480p", "240p"]);
    await expect(menu.inputValue()).resolves.toBe("-1");

    await menu.selectOption({ label: "240p" });
    await page.waitForFunction((h) => document.querySelector<HTMLVideoElement>("[data-testid=player-video]")?.videoHeight === h, 240, {
      timeout: LONG,
      polling: 250,
    });
    await menu.selectOption({ label: "Auto" });
    await expect(menu.inputValue()).resolves.toBe("-1");
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);

  it("keeps playing through an encoder reconnect, showing the show as reconnecting meanwhile", async () => {
    const { context, errors } = await newVisitor(browser, server.url);
    const page = await context.newPage();
    await page.goto(`/shows/${server.demo.slug}`);
    await page.waitForFunction(() => (document.querySelector<HTMLVideoElement>("[data-testid=player-video]")?.currentTime ?? 0) > 1, undefined, {
      timeout: LONG,
      polling: 250,
    });
    // The demo encoder drops (the synthetic source restarts by itself about a second later).
    server.services.media.disconnectShow(server.demo.showId);
    await page.getByTestId("status-badge").and(page.locator("[data-status=reconnecting]")).waitFor({ timeout: LONG });
    await expect(page.getByTestId("player-video").count()).resolves.toBe(1);
    await page.getByTestId("status-badge").and(page.locator("[data-status=live]")).waitFor({ timeout: LONG });
    const before = await page.evaluate(() => document.querySelector<HTMLVideoElement>("[data-testid=player-video]")!.currentTime);
    // Same page, same player: playback carries on past the discontinuity.
    await page.waitForFunction((from) => (document.querySelector<HTMLVideoElement>("[data-testid=player-video]")?.currentTime ?? 0) > from + 2, before, {
      timeout: LONG,
      polling: 250,
    });
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);

  it("starts over when its playlists move on but no media gets through, and then plays", async () => {
    const { context, errors } = await newVisitor(browser, server.url);
    // The first MediaSource of the page swallows every append and never finishes one: hls.js waits on its buffer
    // queue for good while its playlists keep loading (as once seen in CI, cause unknown). Later ones work.
    await context.addInitScript(() => {
      let first = true;
      const addSourceBuffer = MediaSource.prototype.addSourceBuffer;
      MediaSource.prototype.addSourceBuffer = function (this: MediaSource, type: string) {
        const sb = addSourceBuffer.call(this, type);
        if (first) {
          first = false;
          Object.defineProperty(sb, "updating", { get: () => true });
          sb.appendBuffer = () => undefined;
        }
        return sb;
      };
    });
    const page = await context.newPage();
    await page.goto(`/shows/${server.demo.slug}`);
    await waitForPlayback(page, LONG, { restartExpected: true });
    await expect(page.getByTestId("player").getAttribute("data-restarts")).resolves.toBe("1");
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});
