// The adaptive ladder: which renditions a show gets and the one ffmpeg command that produces all of them, each as
// fragmented MP4 on its own pipe (pipe:3, pipe:4, …) for the LL-HLS packager.

export const OUTPUT_FPS = 30;

export interface Rung {
  /** "720p": the rendition's path segment under /live/<showId/>, named by its short side. */
  name: string;
  /** The short side: the height of a landscape picture, the width of a portrait one (a phone held upright). */
  size: number;
  /** The output picture, the source's aspect kept; absent when the source's size is unknown (then `size` high, 16:9). */
  frame?: { width: number; height: number };
  videoKbps: number;
  audioKbps: number;
  /** Pass the source's H.264 through (it already is H.264 at this size): no encode at all. */
  copy: boolean;
}

// Kbit/s per short side for 30 fps H.264 main profile (a 16:9 or 9:16 picture); in between, scaled by pixel count.
const VIDEO_KBPS: Record<number, number> = { 1080: 4500, 720: 2500, 540: 1600, 480: 1200, 360: 800, 240: 400 };

export function videoKbpsFor(size: number): number {
  return VIDEO_KBPS[size] ?? Math.max(150, Math.round((2500 * (size * size)) / (720 * 720) / 50) * 50);
}

export interface InputInfo {
  videoCodec?: string;
  width?: number;
  height?: number;
  audioCodec?: string;
}

const evenDown = (n: number) => Math.floor(n / 2) * 2;
const evenNearest = (n: number) => Math.max(2, Math.round(n / 2) * 2);

/** The picture of a rung of short side `size` for a width×height source: same aspect, even sides (H.264 4:2:0). */
export function frameFor(size: number, width: number, height: number): { width: number; height: number } {
  return width >= height ? { width: evenNearest((size * width) / height), height: size } : { width: size, height: evenNearest((size * height) / width) };
}

/**
 * Rungs for the configured sizes (short sides, highest first). A known source keeps its aspect in every rung (a
 * portrait 720x1280 phone gets 720x1280, 480x854, 240x426, not a squashed 16:9), and is never scaled up: sizes above
 * its short side collapse into one rung at the source's own size. The top rung copies the input when it already fits.
 * `upscale` keeps every size as given (a reconnect continues the renditions the show already has).
 */
export function ladderFor(sizes: number[], input: InputInfo = {}, opts: { upscale?: boolean } = {}): Rung[] {
  const known = input.width !== undefined && input.height !== undefined && input.width > 0 && input.height > 0;
  const sourceShort = known ? evenDown(Math.min(input.width!, input.height!)) : Number.POSITIVE_INFINITY;
  const capped = sizes.map((s) => (opts.upscale || sourceShort < 2 ? s : Math.min(s, sourceShort)));
  const sorted = [...new Set(capped)].sort((a, b) => b - a);
  return sorted.map((size, i) => {
    const frame = known ? frameFor(size, input.width!, input.height!) : undefined;
    return {
      name: `${size}p`,
      size,
      ...(frame ? { frame } : {}),
      videoKbps: videoKbpsFor(size),
      audioKbps: size >= 720 ? 128 : size >= 480 ? 96 : 64,
      copy: i === 0 && input.videoCodec === "h264" && frame !== undefined && frame.width === input.width && frame.height === input.height,
    };
  });
}

/** Parses HLS_LADDER ("720,480,240") into short sides (heights of a landscape source); even only, as H.264 4:2:0 needs. */
export function parseLadder(value: string): number[] {
  const heights = value.split(",").map((s) => Number(s.trim().replace(/p$/, "")));
  if (heights.length === 0 || heights.some((h) => !Number.isInteger(h) || h < 144 || h > 2160 || h % 2 !== 0)) {
    throw new Error(`invalid ladder "${value}": comma-separated even sizes (short sides) between 144 and 2160`);
  }
  return heights;
}

/** Reads the probe lines ffmpeg prints for its input ("Stream #0:0: Video: h264 (High), yuv420p, 1280x720, …"). */
export function parseInputInfo(stderr: string): InputInfo {
  const info: InputInfo = {};
  const video = /Stream #0:\d+.*?: Video: (\w+)[^\n]*?, (\d{2,5})x(\d{2,5})/.exec(stderr);
  if (video) {
    info.videoCodec = video[1];
    info.width = Number(video[2]);
    info.height = Number(video[3]);
  }
  const audio = /Stream #0:\d+.*?: Audio: (\w+)/.exec(stderr);
  if (audio) info.audioCodec = audio[1];
  return info;
}

export interface LadderArgsOptions {
  inputUrl: string;
  rungs: Rung[];
  segmentSeconds: number;
  partTargetSeconds: number;
  /** Input audio is AAC already: every rendition carries it unchanged. */
  copyAudio?: boolean;
}

export function ladderTranscodeArgs(o: LadderArgsOptions): string[] {
  // One GOP per segment: segments are cut on keyframes, so keyint = fps × segment length, no scene-cut keyframes.
  const gop = Math.round(OUTPUT_FPS * o.segmentSeconds);
  // movenc cuts a fragment once it holds ≥ frag_duration, i.e. up to one frame more: leave that frame of headroom so
  // every part stays ≤ PART-TARGET.
  const fragUs = Math.max(50_000, Math.round(o.partTargetSeconds * 1e6 - 1e6 / OUTPUT_FPS - 1000));
  const encoded = o.rungs.filter((r) => !r.copy);
  const filter =
    encoded.length === 0
      ? []
      : [
          "-filter_complex",
          `[0:v:0]fps=${OUTPUT_FPS},split=${encoded.length}${encoded.map((_, i) => `[s${i}]`).join("")};` +
            // setsar=1: rounding to even sides moves the aspect a hair (720x1280 → 240x426 is 0.16% wider), and scale
            // would make up for it with non-square pixels, which players show as a 239-wide picture.
            encoded.map((r, i) => `[s${i}]scale=${r.frame ? `${r.frame.width}:${r.frame.height},setsar=1` : `-2:${r.size}`},format=yuv420p[v${i}]`).join(";"),
        ];
  const outputs = o.rungs.flatMap((rung, pipeIndex) => {
    const video = rung.copy
      ? ["-map", "0:v:0", "-c:v", "copy"]
      : [
          "-map",
          `[v${encoded.indexOf(rung)}]`,
          // 2 cores for everything: veryfast + zerolatency (no B-frames, no lookahead: a frame leaves the encoder
          // as soon as it is coded, which LL-HLS parts need).
          "-c:v",
          "libx264",
          "-preset",
          "veryfast",
          "-tune",
          "zerolatency",
          "-profile:v",
          "main",
          "-g",
          String(gop),
          "-keyint_min",
          String(gop),
          "-sc_threshold",
          "0",
          "-b:v",
          `${rung.videoKbps}k`,
          "-maxrate",
          `${rung.videoKbps}k`,
          "-bufsize",
          `${rung.videoKbps * 2}k`,
        ];
    const audio = o.copyAudio
      ? ["-map", "0:a:0?", "-c:a", "copy"]
      : ["-map", "0:a:0?", "-c:a", "aac", "-b:a", `${rung.audioKbps}k`, "-ar", "48000", "-ac", "2"];
    return [
      ...video,
      ...audio,
      "-f",
      "mp4",
      // empty_moov: the init section comes first, alone; frag_keyframe: every keyframe starts a fragment (so a
      // segment can start there); default_base_moof: CMAF-style offsets; skip_trailer: no mfra at the end.
      "-movflags",
      "frag_keyframe+empty_moov+default_base_moof+skip_trailer",
      "-frag_duration",
      String(fragUs),
      `pipe:${3 + pipeIndex}`,
    ];
  });
  return ["-hide_banner", "-nostdin", "-loglevel", "warning", "-fflags", "nobuffer", "-i", o.inputUrl, ...filter, ...outputs];
}
