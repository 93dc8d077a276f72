import { execFile, spawn, type ChildProcess } from "node:child_process";
import type { Readable, Writable } from "node:stream";

// Every ffmpeg this process started and that has not exited yet.
const running = new Set<ChildProcess>();

// Last resort for an exit without stop(): 'exit' handlers must be synchronous, so SIGKILL (no grace) and move on.
process.on("exit", () => {
  for (const child of running) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
});

export interface FfmpegExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface FfmpegRun {
  readonly pid: number | undefined;
  /** ffmpeg's stdin when spawned with `{ stdin: true }` (input `pipe:0`), else null. */
  readonly stdin: Writable | null;
  readonly exited: Promise<FfmpegExit>;
  hasExited(): boolean;
  /** The last lines ffmpeg wrote to stderr, for the log line when it dies. */
  stderrTail(): string[];
  /** Readable ends of the extra output pipes (`pipe:3`, `pipe:4`, …) requested with `pipes`. */
  readonly pipes: Readable[];
  /**
   * SIGTERM (ffmpeg finishes its outputs, e.g. writes #EXT-X-ENDLIST), SIGKILL after graceMs; resolves on exit. With
   * `againMs`, a second SIGTERM after that long: it interrupts an input read that would otherwise block until the
   * SIGKILL (an RTP input nobody sends to any more).
   */
  terminate(graceMs?: number, againMs?: number): Promise<FfmpegExit>;
}

const STDERR_TAIL_LINES = 12;

// A binary's version, asked once per process: a process that starts several servers (the test suite) spawned
// `ffmpeg -version` for each.
const versions = new Map<string, Promise<string | null>>();

/** `ffmpeg -version`'s version word ("4.1", "5.1.9-0+deb12u1"), for the start log; null when it does not run. */
export function ffmpegVersion(ffmpegPath: string): Promise<string | null> {
  let version = versions.get(ffmpegPath);
  if (!version) {
    version = new Promise((resolve) => {
      execFile(ffmpegPath, ["-hide_banner", "-version"], { timeout: 10_000 }, (err, stdout) => {
        resolve(err ? null : (stdout.match(/^ffmpeg version (\S+)/)?.[1] ?? null));
      });
    });
    versions.set(ffmpegPath, version);
  }
  return version;
}

export function spawnFfmpeg(ffmpegPath: string, args: string[], opts: { stdin?: boolean; pipes?: number } = {}): FfmpegRun {
  const extra = Array.from({ length: opts.pipes ?? 0 }, () => "pipe" as const);
  // Not detached: the child stays in our process group, so a terminal ^C reaches it too.
  const child = spawn(ffmpegPath, args, { stdio: [opts.stdin ? "pipe" : "ignore", "ignore", "pipe", ...extra] });
  const pipes = extra.map((_, i) => child.stdio[3 + i] as Readable);
  // Writing after ffmpeg exited raises EPIPE on the stream; the exit itself is what callers act on.
  child.stdin?.on("error", () => undefined);
  running.add(child);
  const tail: string[] = [];
  let partial = "";
  // stderr must be drained or ffmpeg blocks once the pipe buffer fills.
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    const lines = (partial + chunk).split(/\r?\n|\r/);
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (line.trim() === "") continue;
      tail.push(line);
      if (tail.length > STDERR_TAIL_LINES) tail.shift();
    }
  });

  let done = false;
  const exited = new Promise<FfmpegExit>((resolve) => {
    const finish = (exit: FfmpegExit) => {
      if (done) return;
      done = true;
      running.delete(child);
      resolve(exit);
    };
    child.once("exit", (code, signal) => finish({ code, signal }));
    // spawn failure (missing binary): 'error' without 'exit'
    child.once("error", () => finish({ code: -1, signal: null }));
  });

  return {
    pid: child.pid,
    stdin: child.stdin ?? null,
    pipes,
    exited,
    hasExited: () => done,
    stderrTail: () => (partial ? [...tail, partial] : [...tail]),
    async terminate(graceMs = 3000, againMs?: number) {
      if (done) return exited;
      child.kill("SIGTERM");
      const again =
        againMs === undefined
          ? undefined
          : setTimeout(() => {
              if (!done) child.kill("SIGTERM");
            }, againMs);
      const timer = setTimeout(() => {
        if (!done) child.kill("SIGKILL");
      }, graceMs);
      const exit = await exited;
      clearTimeout(timer);
      clearTimeout(again);
      return exit;
    },
  };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM (ffmpeg then finishes its output: a recording's ENDLIST, a muxer trailer), SIGKILL after `graceMs`. */
export async function stopGracefully(run: FfmpegRun, graceMs = 6000): Promise<void> {
  if (run.hasExited() || run.pid === undefined) return;
  const pid = run.pid;
  const signal = (sig: NodeJS.Signals) => {
    if (run.hasExited()) return;
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  };
  signal("SIGTERM");
  const kill = setTimeout(() => signal("SIGKILL"), graceMs);
  await run.exited;
  clearTimeout(kill);
}
