import dgram from "node:dgram";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { StageLayout } from "../../protocol/api.js";
import { ffmpegSdpFor, freeUdpPortPair, type WhipPeer } from "../media/index.js";
import { type FfmpegRun, spawnFfmpeg } from "../platform/ffmpeg-process.js";

// The program the audience sees: one ffmpeg reads every on-stage participant's RTP (one SDP input each), draws all
// three layouts and picks one with `streamselect`, and publishes FLV to the show's own RTMP ingest, so the ladder,
// LL-HLS, recording and simulcast see an ordinary publisher. A layout switch or a mute is a command on ffmpeg's stdin
// (its interactive `c` key: `<filter> -1 <command> <arg>`), not a restart; a change of who is on stage restarts it
// (ffmpeg cannot add inputs), which the ingest's reconnect grace turns into a discontinuity, not an end.

export const PROGRAM = { width: 1280, height: 720, fps: 30 } as const;
const LAYOUT_INDEX: Record<StageLayout, number> = { host: 0, side_by_side: 1, pip: 2 };
/** Browsers send key frames only when asked; one every 2 s keeps the program's inputs decodable after a loss. */
const KEY_FRAME_EVERY_MS = 2_000;

export interface CompositorInput {
  id: string;
  peer: WhipPeer;
  muted: boolean;
}

/** A participant's picture fitted (letterboxed) into w×h, timed by arrival (see below), at the program's rate. */
function fitInto(input: number, w: number, h: number, out: string): string {
  return `[${input}:v]scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2,setsar=1[${out}]`;
}

/**
 * The filter graph for n inputs (0 is the host). Each input's frames are stamped with the time the graph takes them
 * (RTCTIME): the inputs are opened one after the other, so their own timestamps start at different moments and
 * `overlay`/`hstack` would pair a host frame with a guest frame seconds apart.
 */
export function compositorGraph(inputs: { audio: boolean; muted: boolean }[], layout: StageLayout): { graph: string; audio: boolean } {
  const { width: W, height: H, fps } = PROGRAM;
  const n = inputs.length;
  const parts: string[] = [];
  const clock = `setpts=(RTCTIME-RTCSTART)/(TB*1000000),fps=${fps}`;
  if (n === 1) {
    parts.push(`[0:v]${clock},scale=${W}:${H}:force_original_aspect_ratio=decrease,pad=${W}:${H}:(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p[v]`);
  } else {
    for (let i = 0; i < n; i++) parts.push(`[${i}:v]${clock}[t${i}]`);
    // The host fitted to the full frame once: layout 0 as it is, and the background of layout 2.
    parts.push(`[t0]split=2[h0][h1]`);
    parts.push(`${fitInto(0, W, H, "hf").replace("[0:v]", "[h0]")};[hf]split=2[L0][p0]`);
    for (let i = 1; i < n; i++) parts.push(`[t${i}]split=2[g${i}a][g${i}b]`);
    // Layout 1: everyone side by side, equal columns.
    const col = Math.floor(W / n / 2) * 2;
    parts.push(fitInto(0, col, H, "c0").replace("[0:v]", "[h1]"));
    for (let i = 1; i < n; i++) parts.push(fitInto(i, col, H, `c${i}`).replace(`[${i}:v]`, `[g${i}a]`));
    parts.push(`${Array.from({ length: n }, (_, i) => `[c${i}]`).join("")}hstack=inputs=${n},pad=${W}:${H}:(ow-iw)/2:0[L1]`);
    // Layout 2: the host full frame, each guest a quarter-size tile along the bottom right.
    const tw = Math.floor(W / 4 / 2) * 2;
    const th = Math.floor(H / 4 / 2) * 2;
    for (let i = 1; i < n; i++) parts.push(fitInto(i, tw, th, `s${i}`).replace(`[${i}:v]`, `[g${i}b]`));
    let base = "p0";
    for (let i = 1; i < n; i++) {
      const x = W - i * (tw + 24);
      const next = i === n - 1 ? "L2" : `p${i}`;
      parts.push(`[${base}][s${i}]overlay=x=${x}:y=${H - th - 24}:eof_action=pass[${next}]`);
      base = next;
    }
    parts.push(`[L0][L1][L2]streamselect@layout=inputs=3:map=${LAYOUT_INDEX[layout]},format=yuv420p[v]`);
  }
  const withAudio = inputs.map((x, i) => ({ ...x, i })).filter((x) => x.audio);
  for (const a of withAudio) parts.push(`[${a.i}:a]aresample=async=1000,asetpts=N/SR/TB,volume@m${a.i}=${a.muted ? 0 : 1}[a${a.i}]`);
  if (withAudio.length === 1) parts.push(`[a${withAudio[0]!.i}]anull[a]`);
  else if (withAudio.length > 1)
    parts.push(`${withAudio.map((a) => `[a${a.i}]`).join("")}amix=inputs=${withAudio.length}:duration=longest:dropout_transition=0[a]`);
  return { graph: parts.join(";"), audio: withAudio.length > 0 };
}

export function compositorArgs(sdpFiles: string[], graph: { graph: string; audio: boolean }, publishUrl: string): string[] {
  return [
    "-hide_banner",
    "-loglevel",
    "error",
    ...sdpFiles.flatMap((file) => [
      "-protocol_whitelist",
      "file,udp,rtp",
      "-reorder_queue_size",
      "64",
      // Half a second to find each input's picture size (a key frame is asked for as the compositor starts).
      "-analyzeduration",
      "500000",
      "-probesize",
      "1000000",
      "-f",
      "sdp",
      "-i",
      file,
    ]),
    "-filter_complex",
    graph.graph,
    "-map",
    "[v]",
    ...(graph.audio ? ["-map", "[a]"] : []),
    "-c:v",
    "libx264",
    // ultrafast: the compositor draws every layout each frame and shares two cores with the ladder and the browsers.
    "-preset",
    "ultrafast",
    "-tune",
    "zerolatency",
    "-b:v",
    "2500k",
    "-maxrate",
    "3000k",
    "-bufsize",
    "3000k",
    "-pix_fmt",
    "yuv420p",
    "-force_key_frames",
    "expr:gte(t,n_forced*2)",
    ...(graph.audio ? ["-c:a", "aac", "-b:a", "128k", "-ar", "48000", "-ac", "2"] : []),
    // Each packet goes out as it is muxed (RTMP does so anyway; a file output would sit in a 32 KB buffer).
    "-flush_packets",
    "1",
    "-f",
    "flv",
    publishUrl,
  ];
}

export interface Compositor {
  readonly inputIds: string[];
  run: FfmpegRun;
  /** Switches the layout in the running ffmpeg (streamselect's `map` command); no restart. */
  setLayout(layout: StageLayout): void;
  setMuted(inputId: string, muted: boolean): void;
  stop(): Promise<void>;
}

/** Starts the program for the given participants (the host first) and forwards their RTP to it. */
export async function startCompositor(opts: { ffmpegPath: string; publishUrl: string; inputs: CompositorInput[]; layout: StageLayout }): Promise<Compositor> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "showcart-stage-"));
  const taken: number[] = [];
  const sdpFiles: string[] = [];
  const ports: { video: number; audio: number }[] = [];
  for (const [i, input] of opts.inputs.entries()) {
    const video = await freeUdpPortPair(taken);
    taken.push(video, video + 1);
    const audio = await freeUdpPortPair(taken);
    taken.push(audio, audio + 1);
    ports.push({ video, audio });
    const file = path.join(dir, `in${i}.sdp`);
    await fs.writeFile(file, ffmpegSdpFor(input.peer, { video, audio }));
    sdpFiles.push(file);
  }
  const graph = compositorGraph(
    opts.inputs.map((x) => ({ audio: x.peer.audio != null, muted: x.muted })),
    opts.layout,
  );
  const run = spawnFfmpeg(opts.ffmpegPath, compositorArgs(sdpFiles, graph, opts.publishUrl), { stdin: true });
  const out = dgram.createSocket("udp4");
  out.on("error", () => undefined);
  let stopped = false;
  opts.inputs.forEach((input, i) => {
    input.peer.onRtp((kind, packet) => {
      if (!stopped && !run.hasExited()) out.send(packet.serialize(), kind === "video" ? ports[i]!.video : ports[i]!.audio, "127.0.0.1");
    });
  });
  const askKeyFrames = () => {
    for (const input of opts.inputs) input.peer.requestKeyFrame();
  };
  askKeyFrames();
  const keyFrames = setInterval(askKeyFrames, KEY_FRAME_EVERY_MS);
  // ffmpeg reads one key per 100 ms; `c` then reads the rest of the line at once.
  const command = (line: string) => {
    if (!run.hasExited()) run.stdin?.write(`c${line}\n`);
  };
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      clearInterval(keyFrames);
      // ffmpeg ends on SIGTERM once each input's reader thread returns from its socket, so the RTP keeps flowing until
      // it has exited; a participant who has gone sends nothing, and only a second signal (after 0.5 s) interrupts that
      // read (without these, every stop waited out the grace and ended by SIGKILL, the program's trailer unwritten).
      await run.terminate(3_000, 500);
      stopped = true;
      out.close();
      await fs.rm(dir, { recursive: true, force: true });
    })();
    return stopping;
  };
  void run.exited.then(() => void stop());
  return {
    inputIds: opts.inputs.map((x) => x.id),
    run,
    setLayout: (layout) => {
      if (opts.inputs.length > 1) command(`streamselect@layout -1 map ${LAYOUT_INDEX[layout]}`);
    },
    setMuted: (inputId, muted) => {
      const i = opts.inputs.findIndex((x) => x.id === inputId);
      if (i >= 0 && opts.inputs[i]!.peer.audio) command(`volume@m${i} -1 volume ${muted ? 0 : 1}`);
    },
    stop,
  };
}
