import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { defaultFfmpegPath } from "../../config.js";
import { BoxSplitter, parseMoof, parseMoov, type Box } from "./boxes.js";
import { ladderFor, ladderTranscodeArgs, parseInputInfo, parseLadder } from "./ladder.js";
import { LlHlsPackager, firstMsnAt } from "./packager.js";

const clock0 = Date.parse("2026-11-25T12:00:00Z");

const execFileAsync = promisify(execFile);
const SEGMENT_SECONDS = 2;
const PART_TARGET = 0.3;

// Real ffmpeg output, made the way the transcoder makes it (same movflags and fragment duration), from a test
// pattern instead of the ingest: 7 s of 320x240 30 fps H.264 + AAC.
async function recordFragmentedMp4(): Promise<Buffer> {
  const args = ladderTranscodeArgs({
    inputUrl: "unused",
    rungs: ladderFor([240]),
    segmentSeconds: SEGMENT_SECONDS,
    partTargetSeconds: PART_TARGET,
  });
  const outputArgs = args.slice(args.indexOf("-filter_complex"), -1);
  const { stdout } = await execFileAsync(
    defaultFfmpegPath(),
    [
      "-hide_banner",
      "-nostdin",
      "-loglevel",
      "error",
      "-f",
      "lavfi",
      "-i",
      "testsrc2=size=320x240:rate=30",
      "-f",
      "lavfi",
      "-i",
      "sine=frequency=440:sample_rate=48000",
      "-t",
      "7",
      ...outputArgs.map((a) => (a === "0:a:0?" ? "1:a:0" : a)),
      "pipe:1",
    ],
    { encoding: "buffer", maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}

function topLevelBoxes(bytes: Buffer): Box[] {
  return new BoxSplitter().push(bytes);
}

interface Fed {
  packager: LlHlsPackager;
  clock: { t: number };
}

/** Feeds the recording the way ffmpeg would: each fragment when its media time has passed on the (fake) clock. */
function feed(bytes: Buffer, packager: LlHlsPackager, clock: { t: number }, chunk = 0): void {
  const boxes = topLevelBoxes(bytes);
  const tracks = parseMoov(boxes.find((b) => b.type === "moov")!.bytes);
  const video = tracks.find((t) => t.handler === "vide")!;
  for (const box of boxes) {
    if (box.type === "moof") {
      const v = parseMoof(box.bytes, tracks).find((f) => f.trackId === video.id)!;
      clock.t += (v.duration / video.timescale) * 1000;
    }
    if (chunk > 0) {
      for (let i = 0; i < box.bytes.length; i += chunk) packager.push(box.bytes.subarray(i, i + chunk));
    } else {
      packager.push(box.bytes);
    }
  }
}

function makePackager(listSize = 6, firstMsn?: number): Fed {
  const clock = { t: Date.parse("2026-11-25T12:00:00Z") };
  const packager = new LlHlsPackager({
    segmentSeconds: SEGMENT_SECONDS,
    partTargetSeconds: PART_TARGET,
    listSize,
    now: () => clock.t,
    tag: "t1",
    ...(firstMsn !== undefined ? { firstMsn } : {}),
  });
  return { packager, clock };
}

interface ParsedPlaylist {
  tags: Record<string, string>;
  targetDuration: number;
  partTarget: number;
  partHoldBack: number;
  mediaSequence: number;
  discontinuitySequence: number;
  segments: Array<{ uri: string; duration: number; pdt?: string; discontinuity: boolean; map?: string; parts: number }>;
  parts: Array<{ uri: string; duration: number; independent: boolean }>;
  hint?: string;
  lines: string[];
}

/** A strict-enough reader of our media playlists: every tag we rely on, in the order the RFC requires. */
function parsePlaylist(text: string): ParsedPlaylist {
  const lines = text.trimEnd().split("\n");
  expect(lines[0]).toBe("#EXTM3U");
  const attr = (line: string, name: string) => new RegExp(`${name}=("([^"]*)"|[^,]*)`).exec(line)?.[2] ?? new RegExp(`${name}=([^,]*)`).exec(line)?.[1];
  const tags: Record<string, string> = {};
  const segments: ParsedPlaylist["segments"] = [];
  const parts: ParsedPlaylist["parts"] = [];
  let pending: { pdt?: string; discontinuity: boolean; map?: string; parts: number } = { discontinuity: false, parts: 0 };
  let hint: string | undefined;
  let extinf: number | undefined;
  for (const line of lines.slice(1)) {
    const [tag, value = ""] = line.startsWith("#") ? [line.split(":")[0]!, line.slice(line.indexOf(":") + 1)] : ["URI", line];
    if (tag === "#EXT-X-PROGRAM-DATE-TIME") pending.pdt = value;
    else if (tag === "#EXT-X-DISCONTINUITY") pending.discontinuity = true;
    else if (tag === "#EXT-X-MAP") pending.map = attr(line, "URI");
    else if (tag === "#EXT-X-PART") {
      parts.push({ uri: attr(line, "URI")!, duration: Number(attr(line, "DURATION")), independent: attr(line, "INDEPENDENT") === "YES" });
      pending.parts += 1;
    } else if (tag === "#EXTINF") extinf = Number(value.split(",")[0]);
    else if (tag === "#EXT-X-PRELOAD-HINT") {
      expect(attr(line, "TYPE")).toBe("PART");
      hint = attr(line, "URI");
    } else if (tag === "URI") {
      expect(extinf, `EXTINF before ${line}`).toBeDefined();
      segments.push({ uri: line, duration: extinf!, ...pending });
      pending = { discontinuity: false, parts: 0 };
      extinf = undefined;
    } else tags[tag] = value;
  }
  return {
    tags,
    targetDuration: Number(tags["#EXT-X-TARGETDURATION"]),
    partTarget: Number(attr(`,${tags["#EXT-X-PART-INF"]}`, "PART-TARGET")),
    partHoldBack: Number(attr(`,${tags["#EXT-X-SERVER-CONTROL"]}`, "PART-HOLD-BACK")),
    mediaSequence: Number(tags["#EXT-X-MEDIA-SEQUENCE"]),
    discontinuitySequence: Number(tags["#EXT-X-DISCONTINUITY-SEQUENCE"] ?? 0),
    segments,
    parts,
    hint,
    lines,
  };
}

/** The conformance rules every playlist we serve must meet (RFC 8216bis §4.4, §6.2.5.2). */
function expectConformant(p: ParsedPlaylist): void {
  expect(p.tags["#EXT-X-VERSION"]).toBe("6");
  expect(p.tags["#EXT-X-SERVER-CONTROL"]).toContain("CAN-BLOCK-RELOAD=YES");
  // MUST be at least 2 × PART-TARGET (3 × is the RFC's SHOULD, and our default).
  expect(p.partHoldBack).toBeGreaterThanOrEqual(2 * p.partTarget - 1e-9);
  for (const s of p.segments) {
    expect(Math.round(s.duration), s.uri).toBeLessThanOrEqual(p.targetDuration);
    expect(s.pdt, `PDT on ${s.uri}`).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  }
  for (const part of p.parts) expect(part.duration, part.uri).toBeLessThanOrEqual(p.partTarget);
  expect(p.segments[0]?.map ?? p.lines.find((l) => l.startsWith("#EXT-X-MAP"))).toBeTruthy();
  // Segment URIs carry their media sequence number: the list is contiguous from EXT-X-MEDIA-SEQUENCE.
  expect(p.segments.map((s) => s.uri)).toEqual(p.segments.map((_, i) => `t1-s${p.mediaSequence + i}.m4s`));
}

let recording: Buffer;

beforeAll(async () => {
  recording = await recordFragmentedMp4();
}, 30_000);

afterEach(() => {
  vi.useRealTimers();
});

describe("fMP4 box reading", () => {
  it("finds the init section, H.264 + AAC tracks and keyframe-led fragments in ffmpeg's output", () => {
    const boxes = topLevelBoxes(recording);
    expect(boxes.slice(0, 2).map((b) => b.type)).toEqual(["ftyp", "moov"]);
    const tracks = parseMoov(boxes[1]!.bytes);
    expect(tracks.map((t) => [t.handler, t.codec?.slice(0, 4)])).toEqual([
      ["vide", "avc1"],
      ["soun", "mp4a"],
    ]);
    expect(tracks[0]).toMatchObject({ width: 320, height: 240 });
    const fragments = boxes.filter((b) => b.type === "moof").map((b) => parseMoof(b.bytes, tracks)[0]!);
    expect(fragments.length).toBeGreaterThan(20);
    // GOP = 60 frames at 30 fps: keyframes at 0, 2, 4, 6 s.
    const keyframeTimes = fragments.filter((f) => f.startsWithSync).map((f) => f.baseMediaDecodeTime / tracks[0]!.timescale);
    expect(keyframeTimes.map((t) => Math.round(t))).toEqual([0, 2, 4, 6]);
    for (const f of fragments) expect(f.duration / tracks[0]!.timescale).toBeLessThanOrEqual(PART_TARGET);
  });

  it("splits the same boxes however the stream is chunked", () => {
    const whole = topLevelBoxes(recording).map((b) => b.type);
    const splitter = new BoxSplitter();
    const chunked: string[] = [];
    for (let i = 0; i < recording.length; i += 999) chunked.push(...splitter.push(recording.subarray(i, i + 999)).map((b) => b.type));
    expect(chunked).toEqual(whole);
    expect(() => new BoxSplitter().push(Buffer.from([0, 0, 0, 3, 0x6d, 0x6f, 0x6f, 0x66]))).toThrow(/corrupt/);
  });
});

describe("LL-HLS packager", () => {
  it("serves the init section, parts of at most PART-TARGET and segments that start on keyframes", () => {
    const { packager, clock } = makePackager();
    feed(recording, packager, clock, 4096);
    packager.endRun();
    const boxes = topLevelBoxes(recording);
    const init = packager.resource("t1-i0.mp4");
    expect(init).toMatchObject({ kind: "init" });
    expect((init as { bytes: Buffer }).bytes.equals(Buffer.concat([boxes[0]!.bytes, boxes[1]!.bytes]))).toBe(true);

    const segments = packager.segments();
    expect(segments.map((s) => Math.round(s.duration))).toEqual([2, 2, 2, 1]);
    for (const s of segments) {
      expect(s.independent).toBe(true);
      expect(s.parts[0]!.independent).toBe(true);
      expect(s.parts.slice(1).every((p) => !p.independent)).toBe(true);
      // A segment is exactly its parts, back to back: plain HLS clients and LL-HLS clients see the same bytes.
      const seg = packager.resource(`t1-s${s.msn}.m4s`) as { bytes: Buffer };
      expect(seg.bytes.equals(Buffer.concat(s.parts.map((p) => p.bytes)))).toBe(true);
      for (const part of s.parts) expect(part.duration).toBeLessThanOrEqual(PART_TARGET);
    }
    expect(packager.resource("t1-p0.m4s")).toMatchObject({ kind: "part" });
    expect(packager.resource("zz-p0.m4s")).toBeUndefined();
    expect(packager.resource("t1-s99.m4s")).toBeUndefined();
  });

  it("writes a conformant LL-HLS playlist: PDT on every segment, parts near the edge, a hint at the next part", () => {
    const { packager, clock } = makePackager();
    // Stop mid-segment so there is an open segment with parts.
    const boxes = topLevelBoxes(recording);
    const cut = boxes.findIndex((b, i) => b.type === "moof" && i > boxes.length * 0.8);
    feed(Buffer.concat(boxes.slice(0, cut).map((b) => b.bytes)), packager, clock);
    const p = parsePlaylist(packager.playlist());
    expectConformant(p);
    expect(p.targetDuration).toBe(2);
    expect(p.partTarget).toBe(PART_TARGET);
    expect(p.tags["#EXT-X-INDEPENDENT-SEGMENTS"]).toBe("#EXT-X-INDEPENDENT-SEGMENTS");
    expect(p.segments.map((s) => s.uri)).toEqual(["t1-s0.m4s", "t1-s1.m4s"]);
    const last = packager.lastPart()!;
    expect(p.parts.at(-1)!.uri).toBe(`t1-p${last.n}.m4s`);
    expect(p.hint).toBe(`t1-p${last.n + 1}.m4s`);
    expect(packager.resource(p.hint!)).toBe("pending");
    // Parts of the open segment come after the last EXTINF, with a PDT of their own.
    const open = p.lines.slice(p.lines.lastIndexOf("t1-s1.m4s") + 1);
    expect(open[0]).toMatch(/^#EXT-X-PROGRAM-DATE-TIME:/);
    expect(open.filter((l) => l.startsWith("#EXT-X-PART:"))[0]).toContain("INDEPENDENT=YES");
    // PDT follows the media timeline: segment 1 starts 2 s after segment 0.
    expect(Date.parse(p.segments[1]!.pdt!) - Date.parse(p.segments[0]!.pdt!)).toBeCloseTo(2000, -2);
  });

  it("tells players to sit PART-HOLD-BACK = 2 parts behind live, or the configured number of parts (never under 2)", () => {
    const { packager, clock } = makePackager();
    feed(recording, packager, clock);
    const p = parsePlaylist(packager.playlist());
    expect(p.partHoldBack).toBe(0.6);
    expect(p.tags["#EXT-X-SERVER-CONTROL"]).toBe("CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.6");
    expect(p.parts.length).toBeGreaterThan(0);
    expectConformant(p);
    const roomy = new LlHlsPackager({
      segmentSeconds: SEGMENT_SECONDS,
      partTargetSeconds: PART_TARGET,
      partHoldBackParts: 3,
      listSize: 6,
      now: () => clock.t,
      tag: "t1",
    });
    feed(recording, roomy, clock);
    expect(parsePlaylist(roomy.playlist()).partHoldBack).toBe(0.9);
    expect(() => new LlHlsPackager({ segmentSeconds: SEGMENT_SECONDS, partTargetSeconds: 0.3, partHoldBackParts: 1.5, listSize: 6 })).toThrow(/at least 2/);
  });

  it("never lists a part longer than PART-TARGET: such segments appear whole, and an open one not at all", () => {
    // The recording's fragments are ~0.27 s; with a 0.1 s target every part is too long.
    const clock = { t: Date.parse("2026-11-25T12:00:00Z") };
    const packager = new LlHlsPackager({ segmentSeconds: SEGMENT_SECONDS, partTargetSeconds: 0.1, listSize: 6, now: () => clock.t, tag: "t1" });
    const boxes = topLevelBoxes(recording);
    const cut = boxes.findIndex((b, i) => b.type === "moof" && i > boxes.length * 0.8);
    feed(Buffer.concat(boxes.slice(0, cut).map((b) => b.bytes)), packager, clock);
    const p = parsePlaylist(packager.playlist());
    expect(p.parts).toEqual([]);
    expect(p.hint).toBeUndefined();
    expect(p.segments.map((s) => s.uri)).toEqual(["t1-s0.m4s", "t1-s1.m4s"]);
    for (const s of p.segments) expect(s.pdt).toBeDefined();
    // Nothing dangles after the last complete segment (no PDT or map of the hidden open segment).
    expect(p.lines.at(-1)).toBe("t1-s1.m4s");
  });

  it("starts its media sequence from the wall clock, so a later ingest of the show goes on past an earlier one's", () => {
    const { packager, clock } = makePackager(6, firstMsnAt(clock0, SEGMENT_SECONDS));
    feed(recording, packager, clock);
    const p = parsePlaylist(packager.playlist());
    expectConformant(p);
    expect(p.mediaSequence).toBe(Math.floor(clock0 / 2000));
    expect(p.segments[0]!.uri).toBe(`t1-s${Math.floor(clock0 / 2000)}.m4s`);
    // An ingest that started 2,000 s earlier had room for at most 1,000 segments of 2 s: its last number is below.
    expect(firstMsnAt(clock0 - 2_000_000, SEGMENT_SECONDS) + 999).toBeLessThan(firstMsnAt(clock0, SEGMENT_SECONDS));
  });

  it("keeps the media sequence going and marks a discontinuity with a new map when ffmpeg restarts", () => {
    const { packager, clock } = makePackager(5);
    feed(recording, packager, clock);
    const before = parsePlaylist(packager.playlist());
    packager.endRun();
    expect(packager.playlist()).not.toContain("#EXT-X-PRELOAD-HINT");
    packager.beginRun();
    feed(recording, packager, clock);
    const after = parsePlaylist(packager.playlist());
    expectConformant(after);
    expect(after.mediaSequence).toBeGreaterThan(before.mediaSequence);
    const restarted = after.segments.find((s) => s.discontinuity)!;
    expect(restarted).toBeDefined();
    expect(restarted.map).toBe("t1-i1.mp4");
    expect(after.lines.filter((l) => l === "#EXT-X-DISCONTINUITY")).toHaveLength(1);
    // Once the discontinuity slides out of the window, EXT-X-DISCONTINUITY-SEQUENCE counts it.
    packager.endRun();
    packager.beginRun();
    feed(recording, packager, clock);
    const later = parsePlaylist(packager.playlist());
    expectConformant(later);
    expect(later.discontinuitySequence).toBe(1);
    expect(later.segments[0]!.map).toBe("t1-i1.mp4");
    expect(later.segments.find((s) => s.discontinuity)!.map).toBe("t1-i2.mp4");
    // Old init sections go once no retained segment needs them.
    packager.endRun();
    packager.beginRun();
    feed(recording, packager, clock);
    expect(packager.resource("t1-i0.mp4")).toBeUndefined();
    expect(packager.resource("t1-i3.mp4")).toMatchObject({ kind: "init" });
  });

  it("gets back in step with the GOP at the first keyframe after a stream that starts mid-GOP", () => {
    const { packager, clock } = makePackager();
    const boxes = topLevelBoxes(recording);
    // Drop the first three fragments: the stream now starts mid-GOP, as a pass-through source may.
    const firstMoofs = boxes.map((b, i) => (b.type === "moof" ? i : -1)).filter((i) => i >= 0);
    feed(Buffer.concat([...boxes.slice(0, 2), ...boxes.slice(firstMoofs[3]!)].map((b) => b.bytes)), packager, clock);
    packager.endRun();
    const [first, ...rest] = packager.segments();
    expect(first!.independent).toBe(false);
    expect(first!.duration).toBeLessThan(SEGMENT_SECONDS);
    expect(rest.every((s) => s.independent)).toBe(true);
    expect(rest.slice(0, -1).map((s) => Math.round(s.duration))).toEqual([2, 2]);
    expect(packager.playlist()).not.toContain("#EXT-X-INDEPENDENT-SEGMENTS");
  });

  it("ends the playlist when the show is over", () => {
    const { packager, clock } = makePackager();
    feed(recording, packager, clock);
    packager.close();
    const text = packager.playlist();
    expect(text.trimEnd().endsWith("#EXT-X-ENDLIST")).toBe(true);
    expect(text).not.toContain("PRELOAD-HINT");
  });
});

describe("blocking playlist reload and preload hints", () => {
  function splitParts() {
    const boxes = topLevelBoxes(recording);
    const init = Buffer.concat([boxes[0]!.bytes, boxes[1]!.bytes]);
    const fragments: Buffer[] = [];
    for (let i = 2; i + 1 < boxes.length; i++) {
      if (boxes[i]!.type === "moof" && boxes[i + 1]!.type === "mdat") fragments.push(Buffer.concat([boxes[i]!.bytes, boxes[i + 1]!.bytes]));
    }
    return { init, fragments };
  }

  it("answers as soon as the requested part exists, and not before", async () => {
    vi.useFakeTimers();
    const { packager } = makePackager();
    const { init, fragments } = splitParts();
    packager.push(init);
    packager.push(fragments[0]!);
    expect(packager.satisfies(0, 0)).toBe(true);
    let answered: boolean | undefined;
    void packager.waitForPlaylist(0, 2, 6000).then((ok) => (answered = ok));
    packager.push(fragments[1]!);
    await vi.advanceTimersByTimeAsync(10);
    expect(answered).toBeUndefined();
    packager.push(fragments[2]!);
    await vi.advanceTimersByTimeAsync(0);
    expect(answered).toBe(true);

    // A whole segment (no _HLS_part) waits for that segment to be complete.
    let segment: boolean | undefined;
    void packager.waitForPlaylist(0, undefined, 6000).then((ok) => (segment = ok));
    for (const f of fragments.slice(3, 8)) packager.push(f);
    await vi.advanceTimersByTimeAsync(0);
    expect(segment).toBeUndefined();
    for (const f of fragments.slice(8, 10)) packager.push(f);
    await vi.advanceTimersByTimeAsync(0);
    expect(segment).toBe(true);
  });

  it("gives up after the hold time, and refuses requests too far ahead", async () => {
    vi.useFakeTimers();
    const { packager } = makePackager();
    const { init, fragments } = splitParts();
    packager.push(init);
    packager.push(fragments[0]!);
    let answered: boolean | undefined;
    void packager.waitForPlaylist(0, 3, 6000).then((ok) => (answered = ok));
    await vi.advanceTimersByTimeAsync(5999);
    expect(answered).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(answered).toBe(false);
    // RFC 8216bis §6.2.5.2: more than two segments ahead, or more than three parts ahead of the last one → 400.
    expect(packager.checkBlocking(2, 0)).toBe("ok");
    expect(packager.checkBlocking(3, 0)).toBe("bad_request");
    expect(packager.checkBlocking(0, 3)).toBe("ok");
    expect(packager.checkBlocking(0, 4)).toBe("bad_request");
  });

  it("holds a request for the hinted part until it arrives", async () => {
    vi.useFakeTimers();
    const { packager } = makePackager();
    const { init, fragments } = splitParts();
    packager.push(init);
    packager.push(fragments[0]!);
    const hint = packager.nextPartName();
    expect(hint).toBe("t1-p1.m4s");
    let bytes: Buffer | undefined | null = null;
    void packager.waitForPart(hint, 6000).then((b) => (bytes = b));
    await vi.advanceTimersByTimeAsync(100);
    expect(bytes).toBeNull();
    packager.push(fragments[1]!);
    await vi.advanceTimersByTimeAsync(0);
    expect((bytes as Buffer | null)?.equals(fragments[1]!)).toBe(true);
    // Not the next part: unknown, answered at once (404 at the origin).
    expect(packager.resource("t1-p9.m4s")).toBeUndefined();
  });
});

describe("ladder", () => {
  it("parses HLS_LADDER and copies the top rung only for H.264 input of that height", () => {
    expect(parseLadder("720,480,240")).toEqual([720, 480, 240]);
    expect(parseLadder("1080p, 720p")).toEqual([1080, 720]);
    expect(() => parseLadder("720,abc")).toThrow();
    expect(() => parseLadder("721")).toThrow();
    const info = parseInputInfo(
      "Input #0, flv, from 'rtmp://x':\n  Stream #0:0: Video: h264 (Constrained Baseline), yuv420p(progressive), 1280x720, 2000 kb/s, 30 fps\n  Stream #0:1: Audio: aac (LC), 48000 Hz, stereo, fltp, 96 kb/s\n",
    );
    expect(info).toEqual({ videoCodec: "h264", width: 1280, height: 720, audioCodec: "aac" });
    expect(ladderFor([240, 720, 480], info).map((r) => [r.name, r.copy])).toEqual([
      ["720p", true],
      ["480p", false],
      ["240p", false],
    ]);
    // 1080 is above the source: never scaled up, it collapses into the copied 720 rung (ladder.test.ts: the rules).
    expect(ladderFor([1080, 720], info).map((r) => [r.name, r.copy])).toEqual([["720p", true]]);
    expect(ladderFor([1080, 720], { ...info, videoCodec: "hevc" }).every((r) => !r.copy)).toBe(true);
    const args = ladderTranscodeArgs({ inputUrl: "rtmp://x", rungs: ladderFor([720, 240], info), segmentSeconds: 2, partTargetSeconds: 0.3 });
    expect(args.filter((a) => a.startsWith("pipe:"))).toEqual(["pipe:3", "pipe:4"]);
    expect(args.join(" ")).toContain("split=1[s0];[s0]scale=426:240");
  });
});
