import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultFfmpegPath } from "../../src/server/config.js";
import { startSyntheticSource, type SyntheticSource } from "../../src/server/media/index.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { launchChromium, newVisitor } from "./browser.js";
import { untilRecorded } from "../support/recording.js";
import { until } from "../support/until.js";

// A show that was live for a few seconds with an offer pinned during it, then its publisher stopped: the viewer page is
// a shoppable replay. Waits are generous (2 shared cores); nothing asserts on elapsed time.
const LONG = 45_000;

let server: TestServer;
let browser: Browser;
let source: SyntheticSource | undefined;
let offerId = "";
let offerTitle = "";
// How long the show was live from its recording's start (the source is stopped once the recording is past the pin).
let streamedSeconds = 0;

beforeAll(async () => {
  [server, browser] = await Promise.all([
    // 2 s recording segments: the playlist shows the recording's progress sooner; the shortest preview clip (3 s). One
    // rung (240p) in the live ladder instead of three: the page plays the replay, not the live HLS.
    startTestServer({
      demo: true,
      synthetic: false,
      env: { RECONNECT_GRACE_SECONDS: "1", SIMULCAST_ALLOW_PRIVATE: "1", RECORDING_SEGMENT_SECONDS: "2", PREVIEW_SECONDS: "3", HLS_LADDER: "240" },
    }),
    launchChromium(),
  ]);
  const { shows, offers, catalog, recordings } = server.services;
  const showId = server.demo.showId;
  source = startSyntheticSource({
    ffmpegPath: process.env.FFMPEG_PATH ?? defaultFfmpegPath(),
    rtmpUrl: `${server.rtmpUrl}/${server.demo.streamKey}`,
    // A cap only: the source is stopped once the recording has gone past the pin.
    durationSeconds: 60,
    restartDelayMs: 600_000,
  });
  await until("recording", async () => recordings.isRecording(showId));
  const rec = await until("recording row", async () => (await recordings.recordings(showId))[0]);
  // Pinned a while into the recording, so its marker sits clearly after the start.
  await new Promise((r) => setTimeout(r, 2000));
  const products = await catalog.productsOf((await shows.show(showId)).merchantId);
  const offer = await offers.create(showId, products[2], { showPrice: 1234, quantity: 5, durationSeconds: 3600, pin: true });
  offerId = offer.id;
  offerTitle = offer.title;
  const pinnedAt = (Date.now() - Date.parse(rec.startedAt)) / 1000;
  // Recorded past the pin, with room to play on from its marker.
  await untilRecorded(server, showId, pinnedAt + 1.5);
  await source.stop();
  streamedSeconds = (Date.now() - Date.parse(rec.startedAt)) / 1000;
  await until("show offline", async () => (await shows.show(showId)).status === "offline", 60_000);
  await until("recording ready", async () => (await recordings.recordings(showId))[0]?.status === "ready");
  await recordings.idle();
}, 120_000);

afterAll(async () => {
  await source?.stop();
  await browser?.close();
  await server?.close();
});

describe("shoppable replay", () => {
  it("plays the recording, seeks to an offer's marker and sells that offer", async () => {
    const { context, errors } = await newVisitor(browser, server.url);
    const page = await context.newPage();
    await page.goto(`/shows/${server.demo.slug}`);
    await page.getByTestId("replay").waitFor({ timeout: LONG });
    await expect(page.getByTestId("status-badge").getAttribute("data-status")).resolves.toBe("offline");

    // It plays: the position moves on past half a second.
    await page.waitForFunction(
      () => {
        const v = document.querySelector<HTMLVideoElement>("[data-testid=replay-video]");
        return !!v && !v.paused && v.readyState >= 3 && v.currentTime > 0.5;
      },
      undefined,
      { timeout: LONG, polling: 250 },
    );

    const marker = page.locator(`[data-testid=replay-marker][data-offer-id="${offerId}"]`);
    await marker.waitFor({ timeout: LONG });
    const at = Number(await marker.getAttribute("data-at"));
    expect(at).toBeGreaterThan(1);
    expect(at).toBeLessThan(streamedSeconds + 1);

    // Move away from the marker first, so the click has somewhere to go.
    await page.getByTestId("replay-video").evaluate((v: HTMLVideoElement) => {
      v.currentTime = 0;
    });
    await marker.click();
    await page.waitForFunction(
      (target) => {
        const v = document.querySelector<HTMLVideoElement>("[data-testid=replay-video]");
        return !!v && Math.abs(v.currentTime - target) <= 1.5;
      },
      at,
      { timeout: LONG, polling: 100 },
    );
    const card = page.getByTestId("offer-card");
    await expect(card.getAttribute("data-offer-id")).resolves.toBe(offerId);
    await expect(page.getByTestId("offer-title").textContent()).resolves.toBe(offerTitle);

    await page.screenshot({ path: "/tmp/showcart-replay.png" });

    // Still open after the show: buyable from the replay.
    await page.getByTestId("buy").click();
    await page.getByTestId("checkout").waitFor();
    await page.getByTestId("checkout-name").fill("Erika Mustermann");
    await page.getByTestId("checkout-email").fill("erika@example.com");
    await page.getByTestId("checkout-line1").fill("Hauptstraße 1");
    await page.getByTestId("checkout-postalCode").fill("10115");
    await page.getByTestId("checkout-city").fill("Berlin");
    await page.getByTestId("checkout-submit").click();
    await page.getByTestId("order-confirmation").waitFor({ timeout: LONG });
    expect((await server.services.offers.offer(offerId)).remaining).toBe(4);

    // The show card on the home page has the recording's poster.
    await page.goto("/");
    const poster = page.locator(`[data-testid=show-card][data-slug="${server.demo.slug}"] img[data-testid=show-poster]`);
    await poster.waitFor({ timeout: LONG });
    await expect(poster.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).resolves.toBe(true);
    // Hovering the card plays the preview clip.
    await page.locator(`[data-testid=show-card][data-slug="${server.demo.slug}"]`).hover();
    await page.waitForFunction(
      () => {
        const v = document.querySelector<HTMLVideoElement>("[data-testid=show-preview]");
        return !!v && !v.paused && v.currentTime > 0.2;
      },
      undefined,
      { timeout: LONG, polling: 200 },
    );
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);

  it("lets the host add a simulcast destination in the studio without ever showing its key again", async () => {
    const { context, errors } = await newVisitor(browser, server.url, { viewport: { width: 1280, height: 900 } });
    const studio = await context.newPage();
    await studio.goto(`/studio/${server.demo.showId}`);
    await studio.getByTestId("login-email").fill(server.demo.hostEmail);
    await studio.getByTestId("login-password").fill(server.demo.hostPassword);
    await studio.getByTestId("login-submit").click();
    await studio.getByTestId("studio-setup-open").click({ timeout: LONG }); // simulcast is in the control room's set-up drawer
    const panel = studio.getByTestId("simulcast");
    await panel.waitFor({ timeout: LONG });
    const key = "live_e2e_9f8e7d6c5b4a";
    await studio.getByTestId("destination-name").fill("Elsewhere");
    await studio.getByTestId("destination-url").fill("rtmp://127.0.0.1:9/live");
    await studio.getByTestId("destination-key").fill(key);
    await studio.getByTestId("destination-add").click();
    const row = studio.getByTestId("destination");
    await row.waitFor({ timeout: LONG });
    await expect(row.textContent()).resolves.toContain("Elsewhere");
    await expect(row.getAttribute("data-status")).resolves.toBe("idle");
    await expect(studio.getByTestId("destination-key").inputValue()).resolves.toBe("");
    expect(await studio.content()).not.toContain(key);
    await panel.screenshot({ path: "/tmp/showcart-simulcast.png" });
    await row.getByRole("button", { name: "Remove" }).click();
    await row.waitFor({ state: "detached", timeout: LONG });
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);
});
