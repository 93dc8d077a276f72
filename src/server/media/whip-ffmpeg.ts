import dgram from "node:dgram";
import type { AddressInfo } from "node:net";
import { type FfmpegRun, spawnFfmpeg } from "../platform/ffmpeg-process.js";
import { flvPublishArgs } from "./browser-ingest.js";
import type { WhipPeer } from "./whip-peer.js";

// A WHIP publish fed to ffmpeg: werift's RTP packets are sent, unchanged, to UDP ports ffmpeg reads through an SDP
// description on stdin, and ffmpeg publishes FLV (H.264 copied, Opus → AAC) where the browser ingest does: our RTMP
// ingest, so the show goes live and the ladder, LL-HLS, recording and simulcast see an ordinary publisher.

/** Browsers send a key frame only when asked; one every 2 s gives the packager its segment boundaries. */
const KEY_FRAME_EVERY_MS = 2_000;

export interface RtpFeedPorts {
  video: number;
  audio: number;
}

/** The SDP ffmpeg reads to receive the publish on loopback: the negotiated payload types, the ports we send to. */
export function ffmpegSdpFor(peer: Pick<WhipPeer, "video" | "audio">, ports: RtpFeedPorts): string {
  const v = peer.video;
  const a = peer.audio;
  const codec = v.mimeType.split("/")[1]!;
  return [
    "v=0",
    "o=- 0 0 IN IP4 127.0.0.1",
    "s=whip",
    "c=IN IP4 127.0.0.1",
    "t=0 0",
    `m=video ${ports.video} RTP/AVP ${v.payloadType}`,
    `a=rtpmap:${v.payloadType} ${codec}/${v.clockRate}`,
    ...(v.fmtp ? [`a=fmtp:${v.payloadType} ${v.fmtp}`] : []),
    "a=recvonly",
    ...(a ? [`m=audio ${ports.audio} RTP/AVP ${a.payloadType}`, `a=rtpmap:${a.payloadType} opus/48000/2`, "a=recvonly"] : []),
    "",
  ].join("\r\n");
}

export function whipFfmpegArgs(publishUrl: string, h264: boolean): string[] {
  return [
    "-hide_banner",
    "-nostdin",
    "-loglevel",
    "error",
    "-protocol_whitelist",
    "pipe,udp,rtp",
    // Packets arrive in order on loopback; a small queue keeps the delay low.
    "-reorder_queue_size",
    "64",
    "-f",
    "sdp",
    "-i",
    "pipe:0",
    ...flvPublishArgs(h264, publishUrl),
  ];
}

export interface WhipFeed {
  run: FfmpegRun;
  stop(): Promise<void>;
}

/** Starts ffmpeg for the publish and forwards its RTP; stops when the peer closes or `stop()` is called. */
export async function feedWhipToFfmpeg(peer: WhipPeer, opts: { ffmpegPath: string; publishUrl: string }): Promise<WhipFeed> {
  const video = await freeUdpPortPair([]);
  const ports = { video, audio: await freeUdpPortPair([video, video + 1]) };
  const run = spawnFfmpeg(opts.ffmpegPath, whipFfmpegArgs(opts.publishUrl, peer.video.mimeType.toLowerCase() === "video/h264"), { stdin: true });
  run.stdin?.end(ffmpegSdpFor(peer, ports));
  const out = dgram.createSocket("udp4");
  out.on("error", () => undefined);
  peer.onRtp((kind, packet) => {
    if (!run.hasExited()) out.send(packet.serialize(), kind === "video" ? ports.video : ports.audio, "127.0.0.1");
  });
  const keyFrames = setInterval(() => peer.requestKeyFrame(), KEY_FRAME_EVERY_MS);
  peer.requestKeyFrame();
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      clearInterval(keyFrames);
      // After the peer closed no RTP comes, and ffmpeg's first SIGTERM waits for a packet that never does: a second
      // one after 0.5 s interrupts the read (as the stage compositor does).
      await run.terminate(3_000, 500);
      out.close();
    })();
    return stopping;
  };
  peer.onClosed(() => void stop());
  void run.exited.then(() => void stop());
  return { run, stop };
}

/**
 * A port p with p and p + 1 free right now on loopback (ffmpeg's RTP input binds p + 1 for RTCP), not in `taken`;
 * ffmpeg binds them a moment later.
 */
export async function freeUdpPortPair(taken: number[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await bindUdp(0);
    const port = (first.address() as AddressInfo).port;
    const second = port < 65535 && !taken.includes(port) && !taken.includes(port + 1) ? await bindUdp(port + 1).catch(() => null) : null;
    await Promise.all([first, second].map((s) => s && new Promise<void>((r) => s.close(() => r()))));
    if (second) return port;
  }
  throw new Error("no free UDP port pair on loopback");
}

function bindUdp(port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket("udp4");
    s.once("error", reject);
    s.bind(port, "127.0.0.1", () => resolve(s));
  });
}
