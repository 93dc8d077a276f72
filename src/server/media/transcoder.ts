import { spawn } from "node:child_process";
import type { FastifyBaseLogger } from "fastify";
import { spawnFfmpeg, type FfmpegRun } from "../platform/ffmpeg-process.js";
import type { LlHlsPackager } from "./ll-hls/packager.js";
import { ladderTranscodeArgs, parseInputInfo, type InputInfo, type Rung } from "./ll-hls/ladder.js";

export { OUTPUT_FPS } from "./ll-hls/ladder.js";

export interface TranscoderOptions {
  ffmpegPath: string;
  /** Pull URL of the show's stream on our own ingest. Carries a play token: never log it unredacted. */
  inputUrl: string;
  /**
   * The rungs for what the probe found (see ladderFor); called once per start, before ffmpeg, so the show can make a
   * packager for each rung's name in `packagers`.
   */
  ladder(input: InputInfo): Rung[];
  packagers: Map<string, LlHlsPackager>;
  segmentSeconds: number;
  partTargetSeconds: number;
  /** No new media for this long while ffmpeg runs → it is killed and restarted. */
  stallSeconds: number;
  /** Probe the input first: its size shapes the ladder (portrait stays portrait), an H.264 source that fits is copied. */
  probe?: boolean;
  log: FastifyBaseLogger;
}

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000];
// A run that lasted this long was healthy: the next crash starts the backoff from the beginning again.
const HEALTHY_RUN_MS = 30_000;
// ffmpeg opens the input and probes it before its first fragment: that start-up is not a stall.
const STARTUP_ALLOWANCE_MS = 15_000;
const PROBE_TIMEOUT_MS = 5_000;
const WATCHDOG_MS = 1_000;

/**
 * One show's ffmpeg: pulls from the ingest, writes every rendition as fMP4 into its packager, is restarted with
 * backoff when it dies (or stalls) while the show is live. Each run is a discontinuity in every rendition.
 */
export class ShowTranscoder {
  readonly #o: TranscoderOptions;
  #run: FfmpegRun | null = null;
  #stopping = false;
  #crashes = 0;
  #restartTimer: NodeJS.Timeout | null = null;
  #watchdog: NodeJS.Timeout | null = null;
  #restarts = 0;
  #stalls = 0;
  #rungs: Rung[] | null = null;
  #runStartedAt = 0;
  #lastDataAt = 0;
  #runDone: Promise<void> = Promise.resolve();

  constructor(options: TranscoderOptions) {
    this.#o = options;
  }

  async start(): Promise<void> {
    const input = this.#o.probe === false ? {} : await probeInput(this.#o.ffmpegPath, this.#o.inputUrl);
    if (this.#stopping) return;
    this.#rungs = this.#o.ladder(input);
    this.#o.log.info(
      { input, rungs: this.#rungs.map((r) => `${r.name}${r.frame ? ` ${r.frame.width}x${r.frame.height}` : ""}${r.copy ? " (copy)" : ""}`) },
      "transcoder ladder",
    );
    this.#copyAudio = input.audioCodec === "aac";
    this.#input = input;
    this.#spawn();
    this.#watchdog = setInterval(() => this.#checkStall(), WATCHDOG_MS);
    this.#watchdog.unref();
  }

  #copyAudio = false;
  #input: InputInfo | null = null;

  /** What the start's probe found in the source (null before it finished). */
  input(): InputInfo | null {
    return this.#input;
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

  stalls(): number {
    return this.#stalls;
  }

  rungs(): Rung[] {
    return this.#rungs ?? [];
  }

  /** Ends ffmpeg (its last fragments still reach the packagers) and resolves once every rendition is closed. */
  async stop(graceMs = 3000): Promise<void> {
    this.#stopping = true;
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    if (this.#watchdog) clearInterval(this.#watchdog);
    this.#restartTimer = null;
    this.#watchdog = null;
    await this.#run?.terminate(graceMs);
    await this.#runDone;
  }

  #checkStall(): void {
    const run = this.#run;
    if (!run || run.hasExited() || this.#stopping) return;
    const now = performance.now();
    const since = this.#lastDataAt > 0 ? now - this.#lastDataAt : now - this.#runStartedAt - STARTUP_ALLOWANCE_MS;
    if (since < this.#o.stallSeconds * 1000) return;
    this.#stalls += 1;
    this.#o.log.warn({ pid: run.pid, silentMs: Math.round(since) }, "transcoder stalled; killing it for a restart");
    // SIGKILL: a stalled ffmpeg may not react to SIGTERM; the exit handler restarts it.
    void run.terminate(0);
  }

  #spawn(): void {
    const rungs = this.#rungs!;
    const args = ladderTranscodeArgs({
      inputUrl: this.#o.inputUrl,
      rungs,
      segmentSeconds: this.#o.segmentSeconds,
      partTargetSeconds: this.#o.partTargetSeconds,
      copyAudio: this.#copyAudio,
    });
    const run = spawnFfmpeg(this.#o.ffmpegPath, args, { pipes: rungs.length });
    this.#run = run;
    this.#runStartedAt = performance.now();
    this.#lastDataAt = 0;
    const startedAt = this.#runStartedAt;
    this.#o.log.info({ pid: run.pid, args: args.map(redactPlayToken) }, "transcoder started");

    const packagers = rungs.map((r) => this.#o.packagers.get(r.name)!);
    for (const p of packagers) p.beginRun();
    const drained = run.pipes.map(
      (pipe, i) =>
        new Promise<void>((resolve) => {
          pipe.on("data", (chunk: Buffer) => {
            this.#lastDataAt = performance.now();
            try {
              packagers[i]!.push(chunk);
            } catch (err) {
              this.#o.log.error({ err: (err as Error).message, rendition: rungs[i]!.name }, "corrupt fMP4 from ffmpeg");
              void run.terminate(0);
            }
          });
          pipe.once("close", () => resolve());
          pipe.once("error", () => resolve());
        }),
    );
    this.#runDone = run.exited.then(async () => {
      // 'exit' can come before the pipes are drained: the last fragments still belong to this run.
      await Promise.race([Promise.all(drained), new Promise((r) => setTimeout(r, 1000))]);
      for (const p of packagers) p.endRun();
    });

    void this.#runDone.then(async () => {
      const exit = await run.exited;
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

/** What the input carries, from the stream lines ffmpeg prints when it opens it ({} when that fails). */
export function probeInput(ffmpegPath: string, inputUrl: string): Promise<InputInfo> {
  return new Promise((resolve) => {
    const child = spawn(ffmpegPath, ["-hide_banner", "-nostdin", "-i", inputUrl], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (c: string) => {
      stderr += c;
      // "Stream #0:…" lines are complete once ffmpeg complains about the missing output.
      if (/At least one output file must be specified/.test(stderr)) child.kill("SIGKILL");
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), PROBE_TIMEOUT_MS);
    child.once("close", () => {
      clearTimeout(timer);
      resolve(parseInputInfo(stderr));
    });
    child.once("error", () => {
      clearTimeout(timer);
      resolve({});
    });
  });
}

export function redactPlayToken(s: string): string {
  return s.replace(/([?&]token=)[^&\s]+/g, "$1<redacted>");
}
