import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { randomBytes } from "node:crypto";
import type { FastifyBaseLogger } from "fastify";
import { spawnFfmpeg, type FfmpegRun } from "./ffmpeg-process.js";

export interface TranscoderOptions {
  ffmpegPath: string;
  /** Pull URL of the show's stream on our own ingest. Carries a play token: never log it unredacted. */
  inputUrl: string;
  outDir: string;
  segmentSeconds: number;
  listSize: number;
  log: FastifyBaseLogger;
}

export const OUTPUT_FPS = 30;
const BACKOFF_MS = [500, 1000, 2000, 4000, 8000];
// A run that lasted this long was healthy: the next crash starts the backoff from the beginning again.
const HEALTHY_RUN_MS = 30_000;

export function hlsTranscodeArgs(o: {
  inputUrl: string;
  outDir: string;
  segmentSeconds: number;
  listSize: number;
  runTag: string;
  /** Continue an existing playlist (after a crash) rather than start one. */
  append: boolean;
}): string[] {
  // One GOP per segment: segments can only be cut on keyframes, so keyint = fps × segment length, no scenecut.
  const gop = Math.round(OUTPUT_FPS * o.segmentSeconds);
  return [
    "-hide_banner", "-nostdin", "-loglevel", "warning",
    "-i", o.inputUrl,
    "-map", "0:v:0", "-map", "0:a:0?",
    "-vf", "scale=-2:720", "-r", String(OUTPUT_FPS), "-pix_fmt", "yuv420p",
    // 2 cores for everything: veryfast + zerolatency keeps one 720p30 encode well under one core.
    "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-profile:v", "main",
    "-g", String(gop), "-keyint_min", String(gop), "-sc_threshold", "0",
    "-b:v", "2500k", "-maxrate", "2500k", "-bufsize", "5000k",
    "-c:a", "aac", "-b:a", "128k", "-ar", "48000", "-ac", "2",
    "-f", "hls",
    "-hls_time", String(o.segmentSeconds),
    "-hls_list_size", String(o.listSize),
    // append_list: a restarted ffmpeg continues the playlist and its media sequence, marking a discontinuity,
    // instead of starting over at sequence 0 (which players would ignore as stale).
    "-hls_flags", `delete_segments+independent_segments${o.append ? "+append_list" : ""}`,
    // Segment names are unique per run: they are served as immutable, so a restart must never reuse a name.
    "-hls_segment_filename", path.join(o.outDir, `${o.runTag}_%05d.ts`),
    path.join(o.outDir, "index.m3u8"),
  ];
}

/** One show's ffmpeg: pulls from the ingest, writes HLS, is restarted with backoff when it dies while the show is live. */
export class ShowTranscoder {
  readonly #o: TranscoderOptions;
  #run: FfmpegRun | null = null;
  #stopping = false;
  #crashes = 0;
  #restartTimer: NodeJS.Timeout | null = null;
  #restarts = 0;

  constructor(options: TranscoderOptions) {
    this.#o = options;
  }

  /** Starts a fresh live session: the show's old playlist and segments are removed first. */
  async start(): Promise<void> {
    await rm(this.#o.outDir, { recursive: true, force: true });
    await mkdir(this.#o.outDir, { recursive: true });
    if (!this.#stopping) this.#spawn();
  }

  pid(): number | undefined {
    return this.#run && !this.#run.hasExited() ? this.#run.pid : undefined;
  }

  running(): boolean {
    return this.pid() !== undefined;
  }

  restarts(): number {
    return this.#restarts;
  }

  async stop(graceMs = 3000): Promise<void> {
    this.#stopping = true;
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    this.#restartTimer = null;
    await this.#run?.terminate(graceMs);
  }

  #spawn(): void {
    const runTag = `s${randomBytes(4).toString("hex")}`;
    const args = hlsTranscodeArgs({ ...this.#o, runTag, append: this.#restarts > 0 });
    const run = spawnFfmpeg(this.#o.ffmpegPath, args);
    this.#run = run;
    const startedAt = performance.now();
    this.#o.log.info({ pid: run.pid, args: args.map(redactPlayToken) }, "transcoder started");
    void run.exited.then((exit) => {
      if (this.#stopping) {
        this.#o.log.info({ pid: run.pid, ...exit }, "transcoder stopped");
        return;
      }
      if (performance.now() - startedAt > HEALTHY_RUN_MS) this.#crashes = 0;
      const delay = BACKOFF_MS[Math.min(this.#crashes, BACKOFF_MS.length - 1)];
      this.#crashes += 1;
      this.#o.log.warn(
        { pid: run.pid, ...exit, restartInMs: delay, stderr: run.stderrTail().map(redactPlayToken) },
        "transcoder exited while the show is live; restarting",
      );
      this.#restartTimer = setTimeout(() => {
        this.#restartTimer = null;
        if (this.#stopping) return;
        this.#restarts += 1;
        this.#spawn();
      }, delay);
    });
  }
}

export function redactPlayToken(s: string): string {
  return s.replace(/([?&]token=)[^&\s]+/g, "$1<redacted>");
}
