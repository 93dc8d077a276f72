import { describe, expect, it } from "vitest";
import { ladderFor, ladderTranscodeArgs, parseInputInfo } from "./ladder.js";

const LADDER = [720, 480, 240];
const h264 = (width: number, height: number) => ({ videoCodec: "h264", width, height, audioCodec: "aac" });
// What each rung encodes to: name, picture (or "?" when the source's size is unknown), copied or not.
const shape = (rungs: ReturnType<typeof ladderFor>) => rungs.map((r) => [r.name, r.frame ? `${r.frame.width}x${r.frame.height}` : "?", r.copy]);
const scales = (rungs: ReturnType<typeof ladderFor>) =>
  ladderTranscodeArgs({ inputUrl: "rtmp://x", rungs, segmentSeconds: 2, partTargetSeconds: 0.3 })
    .join(" ")
    .match(/scale=[^,]+/g);

describe("ladder choice by the source's short side", () => {
  it("keeps a landscape source 16:9 and copies the rung it already fits", () => {
    const rungs = ladderFor(LADDER, h264(1280, 720));
    expect(shape(rungs)).toEqual([
      ["720p", "1280x720", true],
      ["480p", "854x480", false],
      ["240p", "426x240", false],
    ]);
    expect(scales(rungs)).toEqual(["scale=854:480", "scale=426:240"]);
  });

  it("keeps a portrait source (a phone held upright) portrait in every rung, sized by its width", () => {
    const rungs = ladderFor(LADDER, h264(720, 1280));
    expect(shape(rungs)).toEqual([
      ["720p", "720x1280", true],
      ["480p", "480x854", false],
      ["240p", "240x426", false],
    ]);
    expect(scales(rungs)).toEqual(["scale=480:854", "scale=240:426"]);
    // Square pixels: 240x426 is not exactly 9:16, and scale would otherwise mark the pixels a hair narrow.
    expect(ladderTranscodeArgs({ inputUrl: "rtmp://x", rungs, segmentSeconds: 2, partTargetSeconds: 0.3 }).join(" ")).toContain("scale=240:426,setsar=1,");
    // Bitrates follow the short side: a 720x1280 rung has the pixels of a 1280x720 one.
    expect(rungs.map((r) => r.videoKbps)).toEqual(ladderFor(LADDER, h264(1280, 720)).map((r) => r.videoKbps));
    // A 1080x1920 phone: nothing fits the top rung exactly, so all three are encoded.
    expect(shape(ladderFor(LADDER, h264(1080, 1920)))).toEqual([
      ["720p", "720x1280", false],
      ["480p", "480x854", false],
      ["240p", "240x426", false],
    ]);
  });

  it("keeps a square source square", () => {
    expect(shape(ladderFor(LADDER, h264(1080, 1080)))).toEqual([
      ["720p", "720x720", false],
      ["480p", "480x480", false],
      ["240p", "240x240", false],
    ]);
    expect(shape(ladderFor(LADDER, h264(720, 720)))[0]).toEqual(["720p", "720x720", true]);
  });

  it("never scales a small source up: the sizes above it collapse into one rung at its own size", () => {
    expect(shape(ladderFor(LADDER, h264(640, 360)))).toEqual([
      ["360p", "640x360", true],
      ["240p", "426x240", false],
    ]);
    expect(shape(ladderFor(LADDER, h264(360, 640)))).toEqual([
      ["360p", "360x640", true],
      ["240p", "240x426", false],
    ]);
    // Exactly one configured size: no duplicate rung.
    expect(shape(ladderFor(LADDER, h264(426, 240)))).toEqual([["240p", "426x240", true]]);
    // Below every size: one rung, the source itself (re-encoded when it is not H.264, or its sides are odd).
    expect(shape(ladderFor(LADDER, { videoCodec: "vp8", width: 180, height: 320 }))).toEqual([["180p", "180x320", false]]);
    expect(shape(ladderFor(LADDER, h264(175, 311)))).toEqual([["174p", "174x310", false]]);
  });

  it("keeps today's 16:9 assumption when the probe found no size, and the given sizes on a reconnect", () => {
    const unknown = ladderFor(LADDER, {});
    expect(shape(unknown)).toEqual([
      ["720p", "?", false],
      ["480p", "?", false],
      ["240p", "?", false],
    ]);
    expect(scales(unknown)).toEqual(["scale=-2:720", "scale=-2:480", "scale=-2:240"]);
    // A show that started at 720x1280 and whose phone comes back at 360x640 continues its 720p and 240p playlists.
    expect(shape(ladderFor([720, 240], h264(360, 640), { upscale: true }))).toEqual([
      ["720p", "720x1280", false],
      ["240p", "240x426", false],
    ]);
  });

  it("reads a portrait source's size from ffmpeg's probe lines", () => {
    const info = parseInputInfo(
      "Input #0, flv, from 'rtmp://x':\n  Stream #0:0: Video: h264 (Constrained Baseline), yuv420p(progressive), 720x1280, 2000 kb/s, 30 fps\n  Stream #0:1: Audio: aac (LC), 48000 Hz, stereo, fltp, 96 kb/s\n",
    );
    expect(info).toEqual(h264(720, 1280));
  });
});
