import { execFile } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { AddressInfo } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAKE_MEDIA_ARGS, launchChromium } from "../../../test/e2e/browser.js";
import { whipPublishFrom } from "../../../test/support/whip-browser.js";
import { AppError } from "../platform/errors.js";
import { defaultFfmpegPath, defaultFfprobePath } from "../config.js";
import { feedWhipToFfmpeg } from "./whip-ffmpeg.js";
import { answerWhipOffer, checkWhipOffer, type WhipPeer } from "./whip-peer.js";

// A bare HTTP server speaking the WHIP exchange (POST offer → 201 + answer) around answerWhipOffer, and Debian's
// Chromium publishing its fake camera to it: the real interop, without the show routes on top.
describe("WHIP peer (werift) with Chromium", () => {
  let browser: Browser;
  let server: http.Server;
  let base: string;
  const peers: WhipPeer[] = [];
  const offers: string[] = [];

  beforeAll(async () => {
    server = http.createServer(async (req, res) => {
      if (req.method === "POST" && req.url === "/whip") {
        let body = "";
        for await (const chunk of req) body += chunk;
        offers.push(body);
        try {
          const peer = await answerWhipOffer(body);
          peers.push(peer);
          res.writeHead(201, { "content-type": "application/sdp", location: `/whip/${peers.length}` });
          res.end(peer.answer);
        } catch (err) {
          res.writeHead(err instanceof AppError ? err.status : 500, { "content-type": "application/json" });
          res.end(JSON.stringify({ error: { code: (err as AppError).code, message: (err as Error).message } }));
        }
        return;
      }
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<!doctype html><title>whip</title>");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium({ args: FAKE_MEDIA_ARGS });
  });

  afterAll(async () => {
    await Promise.all(peers.map((p) => p.close()));
    await browser?.close();
    await new Promise((r) => server?.close(r));
  });

  /** The browser's side of WHIP against this test's /whip route. */
  async function publish(page: Page, media: { video: boolean; audio: boolean }): Promise<{ status: number; body: string }> {
    await page.goto(`${base}/`);
    return whipPublishFrom(page, "/whip", { media });
  }

  it("answers Chromium's WHIP offer and receives its camera's RTP video (H.264) and audio", async () => {
    const page = await browser.newPage();
    const { status, body } = await publish(page, { video: true, audio: true });
    expect(status).toBe(201);
    expect(body).toMatch(/^v=0\r\n/);
    const peer = peers.at(-1)!;
    expect(peer.video.mimeType).toBe("video/H264");
    const t0 = Date.now();
    while (peer.stats().videoPackets < 50 && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 200));
    const packets: { kind: string; pt: number }[] = [];
    peer.onRtp((kind, p) => packets.length < 200 && packets.push({ kind, pt: p.header.payloadType }));
    peer.requestKeyFrame();
    await new Promise((r) => setTimeout(r, 1000));
    expect(peer.stats().videoPackets).toBeGreaterThanOrEqual(50);
    expect(peer.stats().audioPackets).toBeGreaterThan(0);
    expect(packets.some((p) => p.kind === "video" && p.pt === peer.video.payloadType)).toBe(true);
    const state = await page.evaluate(() => (window as unknown as { publisher: RTCPeerConnection }).publisher.connectionState);
    expect(state).toBe("connected");
    await page.close();
  });

  it("refuses an offer without video, and text that is not SDP, with invalid_sdp", async () => {
    const page = await browser.newPage();
    const { status, body } = await publish(page, { video: false, audio: true });
    expect(status).toBe(400);
    expect(JSON.parse(body).error.code).toBe("invalid_sdp");
    await page.close();
    const bad = [
      "",
      "hello",
      `v=0\r\n${"a=x\r\n".repeat(10_000)}`,
      offers[0]!.replace(/a=fingerprint:[^\r\n]*\r\n/g, ""),
      offers[0]!.replace(/a=sendonly/g, "a=recvonly"),
    ];
    for (const offer of bad) expect(() => checkWhipOffer(offer)).toThrowError(expect.objectContaining({ code: "invalid_sdp" }));
    // Two video sections (a second camera) are refused too: the program takes one picture per publisher.
    const video = offers[0]!.slice(offers[0]!.indexOf("m=video"));
    expect(() => checkWhipOffer(`${offers[0]!}${video}`)).toThrowError(expect.objectContaining({ code: "invalid_sdp" }));
  });

  it("feeds the publish to ffmpeg as RTP: the FLV it writes has Chromium's H.264 (copied) and AAC", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "whip-ffmpeg-"));
    const file = path.join(dir, "out.flv");
    const page = await browser.newPage();
    expect((await publish(page, { video: true, audio: true })).status).toBe(201);
    const feed = await feedWhipToFfmpeg(peers.at(-1)!, { ffmpegPath: defaultFfmpegPath(), publishUrl: file });
    const t0 = Date.now();
    while ((!fs.existsSync(file) || fs.statSync(file).size < 100_000) && Date.now() - t0 < 60_000 && !feed.run.hasExited())
      await new Promise((r) => setTimeout(r, 500));
    await feed.stop();
    await page.close();
    expect(feed.run.stderrTail().join("\n")).not.toMatch(/Invalid data|could not find codec/i);
    const probe = await promisify(execFile)(defaultFfprobePath(), ["-v", "error", "-show_entries", "stream=codec_name,width", "-of", "json", file]);
    const streams = (JSON.parse(probe.stdout) as { streams: { codec_name: string; width?: number }[] }).streams;
    expect(streams.map((s) => s.codec_name).sort()).toEqual(["aac", "h264"]);
    expect(streams.find((s) => s.codec_name === "h264")!.width).toBeGreaterThan(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
