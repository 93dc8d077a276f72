import { execFile, spawn, type ChildProcess } from "node:child_process";
import dgram from "node:dgram";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { AddressInfo } from "node:net";
import { RtpPacket } from "werift";
import { afterAll, describe, expect, it } from "vitest";
import { defaultFfmpegPath, defaultFfprobePath } from "../config.js";
import type { WhipPeer } from "../media/index.js";
import { startCompositor } from "./compositor.js";
import { until } from "../../../test/support/until.js";

const run = promisify(execFile);
const ffmpeg = process.env.FFMPEG_PATH ?? defaultFfmpegPath();

/**
 * A stand-in for a browser's WHIP publish: ffmpeg encodes a solid colour to H.264 RTP (payload type 102, as Chromium
 * negotiates) and the packets reach the compositor through the same `onRtp` a werift peer offers.
 */
async function colourPublisher(colour: string): Promise<{ peer: WhipPeer; keyFrames: () => number; stop(): void }> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", r));
  const port = (socket.address() as AddressInfo).port;
  const listeners: ((kind: "audio" | "video", p: RtpPacket) => void)[] = [];
  socket.on("message", (msg) => {
    const packet = RtpPacket.deSerialize(msg);
    for (const l of listeners) l("video", packet);
  });
  const child: ChildProcess = spawn(
    ffmpeg,
    [
      ...["-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", `color=c=${colour}:s=640x480:r=15`],
      ...["-c:v", "libx264", "-profile:v", "baseline", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "15", "-bsf:v", "dump_extra"],
      ...["-payload_type", "102", "-f", "rtp", `rtp://127.0.0.1:${port}?pkt_size=1200`],
    ],
    { stdio: "ignore" },
  );
  let asked = 0;
  const peer: WhipPeer = {
    answer: "",
    video: { mimeType: "video/H264", payloadType: 102, clockRate: 90000, fmtp: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f" },
    audio: null,
    onRtp: (l) => void listeners.push(l),
    requestKeyFrame: () => void asked++,
    stats: () => ({ audioPackets: 0, videoPackets: 0 }),
    onClosed: () => undefined,
    close: async () => undefined,
  };
  return {
    peer,
    keyFrames: () => asked,
    stop: () => {
      child.kill("SIGKILL");
      socket.close();
    },
  };
}

/** User + system CPU seconds of a process so far (/proc, clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The FLV's frame at `seconds`, 16×9 RGB. */
async function frameAt(file: string, seconds: number): Promise<Buffer> {
  const { stdout } = await run(
    ffmpeg,
    ["-v", "error", "-ss", String(seconds), "-i", file, "-frames:v", "1", "-vf", "scale=16:9", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
    { encoding: "buffer", maxBuffer: 1 << 20 },
  );
  return stdout as unknown as Buffer;
}

function colourAt(frame: Buffer, x: number, y: number): string {
  const i = (y * 16 + x) * 3;
  const [r, g, b] = [frame[i]!, frame[i + 1]!, frame[i + 2]!];
  if (r > 150 && g < 90 && b < 90) return "red";
  if (b > 150 && r < 90 && g < 90) return "blue";
  if (r < 40 && g < 40 && b < 40) return "dark";
  return `rgb(${r},${g},${b})`;
}

/**
 * How many seconds of program the FLV holds so far: its last video packet's timestamp (the compositor flushes packet by
 * packet), 0 before there is one. The phases below are measured in program time, so a slow machine only makes them
 * take longer.
 */
async function writtenSeconds(file: string): Promise<number> {
  if (!fs.existsSync(file)) return 0;
  const probe = await run(defaultFfprobePath(), ["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time", "-of", "csv=p=0", file]).catch(
    () => null,
  );
  const last = probe?.stdout.trim().split("\n").pop();
  return last ? Number(last) || 0 : 0;
}

/** Waits until the FLV holds `seconds` of program; returns how many it holds then. */
function untilWritten(file: string, seconds: number, timeoutMs = 90_000): Promise<number> {
  return until(
    `${seconds} s of program in the FLV`,
    async () => {
      const at = await writtenSeconds(file);
      return at >= seconds ? at : null;
    },
    timeoutMs,
    200,
  );
}

async function duration(file: string): Promise<number> {
  const probe = await run(defaultFfprobePath(), ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", file]).catch(() => null);
  return probe ? Number(probe.stdout.trim()) : Number.NaN;
}

describe("the stage's compositor (real ffmpeg)", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stage-compositor-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("draws host and guest side by side, then switches to picture-in-picture and host only by command, in one run", async () => {
    const [red, blue] = await Promise.all([colourPublisher("red"), colourPublisher("blue")]);
    const file = path.join(dir, "program.flv");
    const compositor = await startCompositor({
      ffmpegPath: ffmpeg,
      publishUrl: file,
      inputs: [
        { id: "host", peer: red.peer, muted: false },
        { id: "guest", peer: blue.peer, muted: false },
      ],
      layout: "side_by_side",
    });
    // Each layout holds for PHASE_S seconds of program (read back from the growing FLV), so every frame checked below
    // sits a second or more away from a switch.
    const PHASE_S = 2;
    await untilWritten(file, PHASE_S);
    const cpuBefore = cpuSeconds(compositor.run.pid!);
    const marks: { layout: string; at: number }[] = [];
    const t0 = Date.now();
    const pipAt = await writtenSeconds(file);
    compositor.setLayout("pip");
    marks.push({ layout: "pip", at: Date.now() - t0 });
    await untilWritten(file, pipAt + PHASE_S);
    const hostAt = await writtenSeconds(file);
    compositor.setLayout("host");
    marks.push({ layout: "host", at: Date.now() - t0 });
    await untilWritten(file, hostAt + PHASE_S);
    const pid = compositor.run.pid;
    const cpu = (cpuSeconds(pid!) - cpuBefore) / ((Date.now() - t0) / 1000);
    await compositor.stop();
    red.stop();
    blue.stop();
    expect(compositor.run.stderrTail().join("\n")).not.toMatch(/Error initializing|Invalid argument|No such filter/);
    expect(compositor.run.pid).toBe(pid);
    const total = await duration(file);
    if (!(total > hostAt + PHASE_S - 0.5))
      console.log(
        total,
        fs.existsSync(file) && fs.statSync(file).size,
        compositor.run.stderrTail(),
        await run(defaultFfprobePath(), ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", file]).catch((e) => String(e)),
      );
    expect(total).toBeGreaterThan(hostAt + PHASE_S - 0.5);
    // The first frames: host left, guest right.
    const first = await frameAt(file, 0.5);
    expect([colourAt(first, 4, 4), colourAt(first, 12, 4)]).toEqual(["red", "blue"]);
    // The last half second: host only (no blue anywhere in the row or the corner).
    const last = await frameAt(file, total - 0.5);
    expect([colourAt(last, 4, 4), colourAt(last, 8, 4), colourAt(last, 12, 4)]).toEqual(["red", "red", "red"]);
    expect(colourAt(last, 14, 7)).not.toBe("blue");
    // Halfway between the two commands: picture-in-picture (red behind, the blue tile bottom right).
    const mid = await frameAt(file, (pipAt + hostAt) / 2);
    expect([colourAt(mid, 8, 4), colourAt(mid, 14, 7)]).toEqual(["red", "blue"]);
    expect(red.keyFrames()).toBeGreaterThan(0);
    if (process.env.SHOWCART_E2E_REPORT)
      console.log(JSON.stringify({ stageCompositor: { inputs: 2, program: "1280x720@30", cpuCores: Number(cpu.toFixed(2)), seconds: total, marks } }));
  }, 180_000);
});
