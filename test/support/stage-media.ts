import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import type { Page } from "playwright-core";
import { defaultFfmpegPath } from "../../src/server/config.js";
import { whipPublishFrom } from "./whip-browser.js";

// The stage's media tests (one node and two): coloured fake cameras, the program read back from LL-HLS, and the
// browser's side of publishing to the stage and watching someone on it.

const run = promisify(execFile);
const ffmpeg = process.env.FFMPEG_PATH ?? defaultFfmpegPath();

/** A solid-colour Y4M file for Chromium's fake camera: each browser's camera is told apart by its colour. */
export async function colourY4m(dir: string, colour: string): Promise<string> {
  const file = path.join(dir, `${colour}.y4m`);
  await run(ffmpeg, ["-v", "error", "-f", "lavfi", "-i", `color=c=${colour}:s=640x480:r=15`, "-t", "2", "-pix_fmt", "yuv420p", "-y", file]);
  return file;
}

/**
 * The program's latest frame as the audience gets it from a node's LL-HLS, shrunk to 16×9 RGB: the key frame that
 * starts the last independent part of the first rendition (else the last complete segment that starts with one).
 * The media is fetched here and handed to ffmpeg whole; ffmpeg's own HLS reader opened every rendition and, probing,
 * waited for the next segment (~1.4–2 s a look).
 */
export async function programFrame(base: string, showId: string): Promise<Buffer> {
  const get = async (url: URL) => {
    const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    if (!res.ok) throw new Error(`${url}: ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  };
  const master = new URL(`${base}/live/${showId}/index.m3u8`);
  const rendition = (await get(master))
    .toString()
    .split("\n")
    .find((l) => l.trim() && !l.startsWith("#"));
  if (!rendition) throw new Error("no rendition in the master playlist");
  const playlistUrl = new URL(rendition.trim(), master);
  // Each part or segment with the init section (EXT-X-MAP) in force where it is listed: a restart brings a new one.
  let map: string | null = null;
  let part: { map: string; uri: string } | null = null;
  const segments: { map: string; uri: string }[] = [];
  let segmentNext = false;
  for (const line of (await get(playlistUrl))
    .toString()
    .split("\n")
    .map((l) => l.trim())) {
    if (line.startsWith("#EXT-X-MAP:")) map = line.match(/URI="([^"]+)"/)?.[1] ?? null;
    else if (line.startsWith("#EXT-X-PART:") && line.includes("INDEPENDENT=YES") && map) part = { map, uri: line.match(/URI="([^"]+)"/)![1]! };
    else if (line.startsWith("#EXTINF:")) segmentNext = true;
    else if (segmentNext && line && !line.startsWith("#")) {
      if (map) segments.push({ map, uri: line });
      segmentNext = false;
    }
  }
  // A segment may start without a key frame (the packager cuts one when the encoder's GOP overruns); it decodes to nothing.
  for (const media of [...(part ? [part] : []), ...segments.reverse()]) {
    const input = Buffer.concat([await get(new URL(media.map, playlistUrl)), await get(new URL(media.uri, playlistUrl))]);
    const decode = run(
      ffmpeg,
      ["-v", "error", "-f", "mp4", "-i", "pipe:0", "-map", "0:v:0", "-frames:v", "1", "-vf", "scale=16:9", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
      {
        encoding: "buffer",
        timeout: 60_000,
        maxBuffer: 1 << 20,
      },
    );
    decode.child.stdin!.on("error", () => undefined);
    decode.child.stdin!.end(input);
    const frame = (await decode).stdout as unknown as Buffer;
    if (frame.length === 16 * 9 * 3) return frame;
  }
  throw new Error("no decodable part or segment yet");
}

export type Colour = "red" | "blue" | "dark" | "other";
export function colourAt(frame: Buffer, x: number, y: number): Colour {
  const i = (y * 16 + x) * 3;
  const [r, g, b] = [frame[i]!, frame[i + 1]!, frame[i + 2]!];
  if (r > 150 && g < 90 && b < 90) return "red";
  if (b > 150 && r < 90 && g < 90) return "blue";
  if (r < 40 && g < 40 && b < 40) return "dark";
  return "other";
}

/** A blank page of the server's origin (fetches carry its cookies) without the app pages' camera-denying policy. */
export async function blankPage(page: Page): Promise<Page> {
  await page.route("**/stage-test-blank", (route) => route.fulfill({ contentType: "text/html", body: "<!doctype html><title>stage</title>" }));
  await page.goto("/stage-test-blank");
  return page;
}

/** The browser's side of WHIP at 640×480 with a microphone; its status. */
export async function whipPublish(page: Page, url: string, headers: Record<string, string>): Promise<number> {
  return (await whipPublishFrom(page, url, { headers, media: { video: { width: 640, height: 480 }, audio: true } })).status;
}

/** Watches another participant through the stage's forwarding and reports the centre pixel's colour once it plays. */
export async function watchFeed(page: Page, url: string, headers: Record<string, string>): Promise<{ status: number; rgb: number[] | null; ms: number }> {
  return page.evaluate(
    async ({ url, headers }) => {
      const t0 = performance.now();
      const pc = new RTCPeerConnection();
      pc.addTransceiver("video", { direction: "recvonly" });
      pc.addTransceiver("audio", { direction: "recvonly" });
      const video = document.createElement("video");
      video.muted = true;
      video.autoplay = true;
      document.body.append(video);
      pc.ontrack = (e) => {
        if (e.track.kind === "video") video.srcObject = new MediaStream([e.track]);
      };
      await pc.setLocalDescription(await pc.createOffer());
      await new Promise<void>((resolve) => {
        if (pc.iceGatheringState === "complete") resolve();
        pc.onicegatheringstatechange = () => pc.iceGatheringState === "complete" && resolve();
        setTimeout(resolve, 3000);
      });
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/sdp", ...headers }, body: pc.localDescription!.sdp });
      if (res.status !== 201) return { status: res.status, rgb: null, ms: 0 };
      await pc.setRemoteDescription({ type: "answer", sdp: await res.text() });
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && (video.readyState < 2 || video.videoWidth === 0)) await new Promise((r) => setTimeout(r, 100));
      const canvas = document.createElement("canvas");
      canvas.width = 16;
      canvas.height = 12;
      const ctx = canvas.getContext("2d")!;
      ctx.drawImage(video, 0, 0, 16, 12);
      return { status: 201, rgb: [...ctx.getImageData(8, 6, 1, 1).data.slice(0, 3)], ms: performance.now() - t0 };
    },
    { url, headers },
  );
}
