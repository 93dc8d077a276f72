import { existsSync } from "node:fs";
import type { FastifyBaseLogger } from "fastify";
import { redact } from "../platform/ids.js";
import { spawnFfmpeg, type FfmpegRun } from "../platform/ffmpeg-process.js";

export interface SyntheticSourceOptions {
  ffmpegPath: string;
  /** rtmp://host:port/live/<streamKey> */
  rtmpUrl: string;
  log?: FastifyBaseLogger;
  /** Stop publishing after this many seconds (the source then restarts, as after any exit, until stop()). */
  durationSeconds?: number;
  /** Font for the burned-in clock; defaults to the first Debian font found, no clock when none is. */
  fontFile?: string | null;
  /** Wait before republishing after ffmpeg exits. */
  restartDelayMs?: number;
  /** Picture size, "1280x720" by default; "720x1280" stands in for a phone held upright. */
  size?: string;
}

export interface SyntheticSource {
  stop(): Promise<void>;
  /** pid of the current publishing ffmpeg, for tests. */
  pid(): number | undefined;
  /** How many times ffmpeg was started. */
  starts(): number;
}

// The npm ffmpeg build is static: fontconfig there cannot be trusted, so drawtext gets an explicit font file.
const FONT_CANDIDATES = [
  "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf",
  "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
  "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
  "/usr/share/fonts/truetype/freefont/FreeSans.ttf",
];

export function findClockFont(): string | null {
  return FONT_CANDIDATES.find((f) => existsSync(f)) ?? null;
}

export function syntheticSourceArgs(rtmpUrl: string, fontFile: string | null, durationSeconds?: number, size = "1280x720"): string[] {
  // Filter-graph escaping: ':' separates options and '\' escapes; font paths here never contain either.
  const clock = fontFile
    ? ["-vf", `drawtext=fontfile=${fontFile}:text='%{localtime}':x=24:y=24:fontsize=48:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=8`]
    : [];
  return [
    "-hide_banner",
    "-nostdin",
    "-loglevel",
    "error",
    "-re",
    "-f",
    "lavfi",
    "-i",
    `testsrc2=size=${size}:rate=30`,
    "-re",
    "-f",
    "lavfi",
    "-i",
    "sine=frequency=440:sample_rate=48000",
    ...(durationSeconds ? ["-t", String(durationSeconds)] : []),
    ...clock,
    // ultrafast: the source only stands in for a camera; the transcoder is the encode we pay for.
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-tune",
    "zerolatency",
    "-pix_fmt",
    "yuv420p",
    "-g",
    "60",
    "-b:v",
    "2000k",
    "-maxrate",
    "2000k",
    "-bufsize",
    "4000k",
    "-c:a",
    "aac",
    "-b:a",
    "96k",
    "-ar",
    "48000",
    "-ac",
    "2",
    "-f",
    "flv",
    rtmpUrl,
  ];
}

export function redactRtmpUrl(url: string): string {
  // The last path segment of a publish URL is the stream key.
  return url.replace(/\/([^/?]+)(\?.*)?$/, (_m, key: string) => `/${redact(key)}`);
}

/** A test-pattern "camera": 720p30 (or opts.size) bars with a wall clock and a 440 Hz tone, published to rtmpUrl until stop(). */
export function startSyntheticSource(opts: SyntheticSourceOptions): SyntheticSource {
  const font = opts.fontFile === undefined ? findClockFont() : opts.fontFile;
  const restartDelayMs = opts.restartDelayMs ?? 1000;
  const safeUrl = redactRtmpUrl(opts.rtmpUrl);
  const key = /\/([^/?]+)(\?.*)?$/.exec(opts.rtmpUrl)?.[1] ?? "";
  const scrub = (line: string) => (key ? line.split(key).join(redact(key)) : line);
  if (!font) opts.log?.warn("synthetic source: no font file found, publishing without the clock overlay");
  const args = syntheticSourceArgs(opts.rtmpUrl, font, opts.durationSeconds, opts.size);

  let stopped = false;
  let run: FfmpegRun | null = null;
  let timer: NodeJS.Timeout | null = null;
  let starts = 0;

  const start = () => {
    if (stopped) return;
    starts += 1;
    const current = spawnFfmpeg(opts.ffmpegPath, args);
    run = current;
    opts.log?.info({ pid: current.pid, url: safeUrl }, "synthetic source publishing");
    void current.exited.then((exit) => {
      if (stopped) return;
      opts.log?.warn({ ...exit, url: safeUrl, stderr: current.stderrTail().map(scrub) }, "synthetic source exited; restarting");
      timer = setTimeout(start, restartDelayMs);
    });
  };
  start();

  return {
    pid: () => (run && !run.hasExited() ? run.pid : undefined),
    starts: () => starts,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await run?.terminate();
    },
  };
}
