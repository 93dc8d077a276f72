import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer } from "../support/server.js";
import { seriousAxeFindings } from "./axe.js";
import { FAKE_MEDIA_ARGS, launchChromium, newVisitor, waitForPlayback } from "./browser.js";

// The studio's go-live by WHIP (WebRTC) with Chromium's fake camera and microphone: the host presses Go live, the
// server forwards the RTP through ffmpeg into the RTMP ingest, and a viewer's page plays the show's LL-HLS with hls.js.
// Waits are generous (2 shared cores); nothing asserts on elapsed time.
const LONG = 60_000;

type TestServer = Awaited<ReturnType<typeof startTestServer>>;

let server: TestServer;
let browser: Browser;
const host = { email: "whip-studio@example.com", password: "whip-studio-password-1" };
let show: { id: string; slug: string };

beforeAll(async () => {
  // No reconnect grace: Stop must turn the show offline at once for the assertions below.
  [server, browser] = await Promise.all([startTestServer({ demo: false, env: { RECONNECT_GRACE_SECONDS: "0" } }), launchChromium({ args: FAKE_MEDIA_ARGS })]);
  const { catalog, accounts, shows } = server.services;
  const merchant = await catalog.createMerchant("WHIP Studio Shop");
  const account = await accounts.createAccount({ ...host, displayName: "Wim (Host)", role: "host", merchantId: merchant.id });
  show = await shows.createShow({ merchantId: merchant.id, hostAccountId: account.id, slug: "whip-studio", title: "WebRTC Live", commissionRateBp: 1000 });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** The picture the player shows: decoded frames, and not one flat colour (the fake camera draws a pattern). */
async function pictureOf(page: Page): Promise<{ frames: number; distinctColours: number }> {
  return page.evaluate(() => {
    const v = document.querySelector<HTMLVideoElement>("[data-testid=player-video]")!;
    const canvas = document.createElement("canvas");
    canvas.width = 64;
    canvas.height = 36;
    const ctx = canvas.getContext("2d")!;
    ctx.drawImage(v, 0, 0, canvas.width, canvas.height);
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    const colours = new Set<number>();
    for (let i = 0; i < data.length; i += 4) colours.add(((data[i]! >> 4) << 8) | ((data[i + 1]! >> 4) << 4) | (data[i + 2]! >> 4));
    return { frames: v.getVideoPlaybackQuality().totalVideoFrames, distinctColours: colours.size };
  });
}

describe("go live from the studio by WHIP", () => {
  it("publishes the fake camera by WebRTC; a second page plays the show's LL-HLS; Stop ends it", async () => {
    const hostVisitor = await newVisitor(browser, server.url);
    const viewer = await newVisitor(browser, server.url);
    const studio = await hostVisitor.context.newPage();
    await studio.goto(`/studio/${show.id}`);
    await studio.getByTestId("login-email").fill(host.email);
    await studio.getByTestId("login-password").fill(host.password);
    await studio.getByTestId("login-submit").click();
    await studio.getByTestId("studio-title").waitFor({ timeout: LONG });

    await studio.getByTestId("studio-setup-open").click();
    // The WHIP URL for OBS sits with the RTMP URL; the stream key is not in it.
    await expect(studio.getByTestId("whip-url").textContent()).resolves.toBe(`${server.url}/api/shows/${show.id}/whip`);
    await studio.getByTestId("golive-camera-on").click();
    // Chromium has RTCPeerConnection: WHIP is the default, the recorder the other choice.
    await expect(studio.getByTestId("golive-transport-choice").inputValue()).resolves.toBe("whip");
    expect(await seriousAxeFindings(studio)).toBe("");

    await studio.getByTestId("golive-start").click();
    await studio.locator("[data-testid=golive][data-phase=live]").waitFor({ timeout: LONG });
    await expect(studio.getByTestId("golive-transport").getAttribute("data-transport")).resolves.toBe("whip");
    await expect(server.services.shows.show(show.id).then((s) => s.status)).resolves.toBe("live");
    const [session] = server.services.whipSessions.of(show.id);
    expect(session?.role).toBe("host");
    expect(session?.peer.stats().videoPackets).toBeGreaterThan(0);
    // The outgoing bitrate comes from the peer connection's stats.
    await studio.waitForFunction(() => /[1-9]/.test(document.querySelector("[data-testid=health-bitrate]")?.textContent ?? ""), undefined, { timeout: LONG });
    expect(await seriousAxeFindings(studio)).toBe("");

    const page = await viewer.context.newPage();
    await page.goto(`/shows/${show.slug}`, { timeout: LONG });
    await waitForPlayback(page, LONG);
    // hls.js plays through MSE (a blob: source), and the frames carry the fake camera's picture.
    await expect(page.evaluate(() => document.querySelector<HTMLVideoElement>("[data-testid=player-video]")!.currentSrc)).resolves.toMatch(/^blob:/);
    // Playback has begun; on a busy machine the first frames come slowly, so wait for more than ten before looking.
    await page.waitForFunction(
      () => document.querySelector<HTMLVideoElement>("[data-testid=player-video]")!.getVideoPlaybackQuality().totalVideoFrames > 10,
      undefined,
      {
        timeout: LONG,
      },
    );
    const picture = await pictureOf(page);
    expect(picture.frames).toBeGreaterThan(10);
    expect(picture.distinctColours).toBeGreaterThan(4);
    await studio.getByTestId("golive").screenshot({ path: "/tmp/showcart-golive-whip.png" });

    await studio.getByTestId("golive-stop").click();
    await studio.locator("[data-testid=golive][data-phase=preview]").waitFor({ timeout: LONG });
    await expect.poll(async () => (await server.services.shows.show(show.id)).status, { timeout: LONG, interval: 250 }).toBe("offline");
    expect(server.services.media.status().live).toEqual([]);
    await expect.poll(() => server.services.whipSessions.size, { timeout: LONG, interval: 250 }).toBe(0);
    expect(hostVisitor.errors).toEqual([]);
    expect(viewer.errors).toEqual([]);
    await hostVisitor.context.close();
    await viewer.context.close();
  }, 180_000);

  it("falls back to the recorder, and says so, when WebRTC finds no path (relay-only ICE, no TURN server)", async () => {
    // Relay-only ICE with no TURN server: the studio's peer connection has no candidate at all, as behind a firewall
    // that drops UDP with no TURN configured. (Chromium's --force-webrtc-ip-handling-policy still lets loopback through.)
    const blocked = await launchChromium({ args: FAKE_MEDIA_ARGS });
    try {
      const hostVisitor = await newVisitor(blocked, server.url);
      await hostVisitor.context.addInitScript(() => {
        const Native = window.RTCPeerConnection;
        const made: RTCPeerConnection[] = [];
        (window as unknown as { peers: RTCPeerConnection[] }).peers = made;
        window.RTCPeerConnection = class extends Native {
          constructor(config?: RTCConfiguration) {
            super({ ...config, iceTransportPolicy: "relay" });
            made.push(this);
          }
        };
      });
      // The studio's own clock (Playwright's fake timers, running at real speed until moved on): its 30 s wait for
      // WHIP to go on air is skipped forward below instead of waited out in real time.
      await hostVisitor.context.clock.install();
      const studio = await hostVisitor.context.newPage();
      await studio.goto(`/studio/${show.id}`);
      await studio.getByTestId("login-email").fill(host.email);
      await studio.getByTestId("login-password").fill(host.password);
      await studio.getByTestId("login-submit").click();
      await studio.getByTestId("studio-title").waitFor({ timeout: LONG });
      await studio.getByTestId("studio-setup-open").click();
      await studio.getByTestId("golive-start").click();
      // WHIP first (the session exists on the server and the studio holds its answer), then the recorder once WHIP is
      // not on air within 30 s (BrowserPublisher's WHIP_LIVE_MS, started before the offer): the studio's clock jumps
      // past it. Without the answer in hand the studio could not yet DELETE the session it gives up on.
      await expect.poll(() => server.services.whipSessions.of(show.id).length, { timeout: LONG, interval: 100 }).toBe(1);
      await studio.waitForFunction(() => (window as unknown as { peers: RTCPeerConnection[] }).peers.some((pc) => pc.remoteDescription), undefined, {
        timeout: LONG,
        polling: 100,
      });
      await studio.clock.fastForward(31_000);
      await studio.locator("[data-testid=golive-transport][data-transport=recorder]").waitFor({ timeout: 150_000 });
      await expect(studio.getByTestId("golive-notice").textContent()).resolves.toMatch(/WebRTC could not connect/);
      expect(server.services.whipSessions.size).toBe(0);
      await studio.locator("[data-testid=golive][data-phase=live]").waitFor({ timeout: LONG });
      await expect(server.services.shows.show(show.id).then((s) => s.status)).resolves.toBe("live");

      await studio.getByTestId("golive-stop").click();
      await studio.locator("[data-testid=golive][data-phase=preview]").waitFor({ timeout: LONG });
      await expect.poll(async () => (await server.services.shows.show(show.id)).status, { timeout: LONG, interval: 250 }).toBe("offline");
      expect(hostVisitor.errors).toEqual([]);
      await hostVisitor.context.close();
    } finally {
      await blocked.close();
    }
  }, 300_000);
});
