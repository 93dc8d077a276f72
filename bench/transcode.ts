import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { defaultFfmpegPath } from "../src/server/config.js";
import { spawnFfmpeg } from "../src/server/platform/ffmpeg-process.js";
import { ladderFor, ladderTranscodeArgs, parseInputInfo } from "../src/server/media/ll-hls/ladder.js";
import { DEFAULT_PART_TARGET_SECONDS } from "../src/server/media/service.js";

// CPU cost of the transcoder: core-seconds of ffmpeg CPU (utime + stime from /proc/<pid>/stat) per second of input,
// in real time (-re, as live), over a window after a warm-up. Baseline in the same run: decoding the same input only.
const execFileAsync = promisify(execFile);
const TICKS = 100; // USER_HZ on Linux
const WARMUP_MS = 3000;

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[11], fields[12] = utime, stime (stat fields 14 and 15)
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

async function cost(ffmpegPath: string, inputArgs: string[], outputArgs: string[], pipes: number, windowMs: number): Promise<number> {
  const run = spawnFfmpeg(ffmpegPath, ["-hide_banner", "-nostdin", "-loglevel", "error", ...inputArgs, ...outputArgs], { pipes });
  for (const p of run.pipes) p.resume();
  try {
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    if (run.hasExited()) throw new Error(`ffmpeg exited: ${run.stderrTail().join(" | ")}`);
    const c0 = cpuSeconds(run.pid!);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, windowMs));
    const c1 = cpuSeconds(run.pid!);
    return (c1 - c0) / ((performance.now() - t0) / 1000);
  } finally {
    await run.terminate(1000);
  }
}

/** `partTargets`: also the default ladder at each of these PART-TARGETs (seconds), interleaved, to compare their cost. */
export async function transcode(opts: { seconds?: number; partTargets?: number[] } = {}) {
  const windowMs = (opts.seconds ?? 10) * 1000;
  const ffmpegPath = defaultFfmpegPath();
  const dir = mkdtempSync(path.join(os.tmpdir(), "showcart-transcode-"));
  try {
    // A camera-like 720p30 H.264 + AAC source, looped in real time.
    const clip = path.join(dir, "in.flv");
    await execFileAsync(ffmpegPath, [
      "-hide_banner",
      "-nostdin",
      "-loglevel",
      "error",
      "-f",
      "lavfi",
      "-i",
      "testsrc2=size=1280x720:rate=30",
      "-f",
      "lavfi",
      "-i",
      "sine=frequency=440:sample_rate=48000",
      "-t",
      "20",
      "-c:v",
      "libx264",
      "-preset",
      "veryfast",
      "-g",
      "60",
      "-b:v",
      "2500k",
      "-pix_fmt",
      "yuv420p",
      "-c:a",
      "aac",
      "-b:a",
      "96k",
      clip,
    ]);
    const { stderr } = await execFileAsync(ffmpegPath, ["-hide_banner", "-i", clip]).catch((e: { stderr: string }) => e);
    const info = parseInputInfo(stderr);
    const input = ["-re", "-stream_loop", "-1", "-i", clip];
    const ladder = (heights: number[], copy: boolean, partTargetSeconds: number) => {
      const rungs = ladderFor(heights, copy ? info : {});
      const args = ladderTranscodeArgs({ inputUrl: clip, rungs, segmentSeconds: 2, partTargetSeconds, copyAudio: copy && info.audioCodec === "aac" });
      return { out: args.slice(args.indexOf(clip) + 1), pipes: rungs.length };
    };
    const measure = async (heights: number[], copy: boolean, partTargetSeconds = DEFAULT_PART_TARGET_SECONDS) => {
      const l = ladder(heights, copy, partTargetSeconds);
      return Math.round((await cost(ffmpegPath, input, l.out, l.pipes, windowMs)) * 1000) / 1000;
    };
    const decode = Math.round((await cost(ffmpegPath, input, ["-f", "null", "-"], 0, windowMs)) * 1000) / 1000;
    const rungs: Record<string, number> = {};
    for (const h of [720, 480, 240]) rungs[`${h}p`] = await measure([h], false);
    const ladderCopy = await measure([720, 480, 240], true);
    const ladderEncodeAll = await measure([720, 480, 240], false);
    // Two rounds, alternating, so a change in the machine's load hits every PART-TARGET alike.
    const byPartTarget: Record<string, number[]> = {};
    for (let round = 0; round < 2; round++) {
      for (const t of opts.partTargets ?? []) {
        const cpu = await measure([720, 480, 240], true, t);
        byPartTarget[String(t)] = [...(byPartTarget[String(t)] ?? []), cpu];
      }
    }
    return {
      bench: "transcode",
      unit: "CPU core-seconds per second of 720p30 input",
      window_s: windowMs / 1000,
      baseline_decode_only: decode,
      rungs_encoded: rungs,
      ladder_720copy_480_240: ladderCopy,
      ladder_all_encoded: ladderEncodeAll,
      ratio_ladder_vs_decode: Math.round((ladderCopy / decode) * 10) / 10,
      ratio_ladder_all_encoded_vs_decode: Math.round((ladderEncodeAll / decode) * 10) / 10,
      ...(opts.partTargets
        ? {
            ladder_720copy_by_part_target: Object.fromEntries(
              Object.entries(byPartTarget).map(([t, v]) => [t, Math.round((v.reduce((a, b) => a + b, 0) / v.length) * 1000) / 1000]),
            ),
          }
        : {}),
      targets: { "720p": 0.3, ladder: 0.8 },
      cores: os.cpus().length,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
