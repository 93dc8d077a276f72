// The adaptive ladder: which renditions a show gets and the one ffmpeg command that produces all of them, each as
// fragmented MP4 on its own pipe (pipe:3, pipe:4, …) for the LL-HLS packager.

export const OUTPUT_FPS = 30;

export interface Rung {
  /** "720p": the rendition's path segment under /live/<showId>/. */
  name: string;
  height: number;
  videoKbps: number;
  audioKbps: number;
  /** Pass the source's H.264 through (it already is H.264 at this height): no encode at all. */
  copy: boolean;
}

// Kbit/s per height for 30 fps H.264 main profile; in between, scaled by pixel count.
const VIDEO_KBPS: Record<number, number> = { 1080: 4500, 720: 2500, 540: 1600, 480: 1200, 360: 800, 240: 400 };

export function videoKbpsFor(height: number): number {
  return VIDEO_KBPS[height] ?? Math.max(150, Math.round((2500 * (height * height)) / (720 * 720) / 50) * 50);
}

export interface InputInfo {
  videoCodec?: string;
  width?: number;
  height?: number;
  audioCodec?: string;
}

/** Rungs for the configured heights (highest first); the top rung copies the input when it already fits. */
export function ladderFor(heights: number[], input: InputInfo = {}): Rung[] {
  const sorted = [...new Set(heights)].sort((a, b) => b - a);
  return sorted.map((height, i) => ({
    name: `${height}p`,
    height,
    videoKbps: videoKbpsFor(height),
    audioKbps: height >= 720 ? 128 : height >= 480 ? 96 : 64,
    copy: i === 0 && input.videoCodec === "h264" && input.height === height,
  }));
}

/** Parses HLS_LADDER ("720,480,240") into heights; even heights only, as H.264 4:2:0 needs. */
export function parseLadder(value: string): number[] {
  const heights = value.split(",").map((s) => Number(s.trim().replace(/p$/, "")));
  if (heights.length === 0 || heights.some((h) => !Number.isInteger(h) || h < 144 || h > 2160 || h % 2 !== 0)) {
    throw new Error(`invalid ladder "${value}": comma-separated even heights between 144 and 2160`);
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
            encoded.map((r, i) => `[s${i}]scale=-2:${r.height},format=yuv420p[v${i}]`).join(";"),
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
