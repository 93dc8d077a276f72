import { RTCPeerConnection, type RTCIceServer, type RtpPacket, useH264, useNACK, useOPUS, usePLI, useREMB, useVP8 } from "werift";
import { AppError } from "../platform/errors.js";

// WebRTC on the server is werift (pure TypeScript): it hands us RTP packets without decoding them, so a publish can be
// forwarded (to ffmpeg, to guests) at packet cost; docs/architecture.md "WebRTC" has the comparison with @roamhq/wrtc.

/** A WHIP offer is a few KB (Chromium's audio+video offer with candidates: ~5 KB); more is not an offer. */
export const MAX_OFFER_BYTES = 32 * 1024;

export interface WhipPeerOptions {
  /** STUN/TURN for real networks; loopback and LAN need none. */
  iceServers?: RTCIceServer[];
  /** Addresses to announce as host candidates besides the interfaces' own (a public address behind 1:1 NAT). */
  publicAddresses?: string[];
  /** The UDP ports to bind (WEBRTC_PORT_RANGE), for a firewall rule; any port when unset. */
  portRange?: [number, number];
  /** How long ICE gathering may take before the answer goes out with what it has. */
  gatherTimeoutMs?: number;
}

export interface WhipPeer {
  /** The SDP answer (ICE candidates included: WHIP has no trickle from the server in the answer's round trip). */
  answer: string;
  /** The negotiated video codec, e.g. `{ mimeType: "video/H264", payloadType: 102, clockRate: 90000 }`. */
  video: { mimeType: string; payloadType: number; clockRate: number; fmtp?: string };
  /** The negotiated audio (Opus) payload type, or null when the offer sent no audio. */
  audio: { payloadType: number } | null;
  /** Every RTP packet the publisher sends, still encoded (audio and video). */
  onRtp(listener: (kind: "audio" | "video", packet: RtpPacket) => void): void;
  /** Asks the publisher for a key frame (PLI): a new consumer needs one to start decoding. */
  requestKeyFrame(): void;
  /** Packets received so far per kind. */
  stats(): { audioPackets: number; videoPackets: number };
  /** The connection failed or closed (ICE timeout, the publisher left). */
  onClosed(listener: () => void): void;
  close(): Promise<void>;
}

/**
 * Checks a WHIP offer before any WebRTC state exists: SDP text with one sending video section. Bad offers are client
 * errors (`invalid_sdp`), never a half-built peer connection.
 */
export function checkWhipOffer(offer: string): void {
  if (Buffer.byteLength(offer) > MAX_OFFER_BYTES) throw new AppError("invalid_sdp", `The offer is larger than ${MAX_OFFER_BYTES} bytes.`);
  if (!/^v=0\r?\n/.test(offer)) throw new AppError("invalid_sdp", "The body is not an SDP offer (it must start with v=0).");
  const sections = offer.split(/\r?\nm=/).slice(1);
  const video = sections.filter((s) => s.startsWith("video "));
  if (video.length === 0) throw new AppError("invalid_sdp", "The offer has no video section: publish a camera or screen.");
  if (video.length > 1) throw new AppError("invalid_sdp", "The offer has more than one video section: publish one camera.");
  if (sections.filter((s) => s.startsWith("audio ")).length > 1) throw new AppError("invalid_sdp", "The offer has more than one audio section.");
  if (/\r?\na=(recvonly|inactive)\r?$/m.test(video[0]!)) throw new AppError("invalid_sdp", "The offer's video section does not send (a=recvonly or inactive).");
  if (!/\r?\na=rtpmap:\d+ (H264|VP8)\/90000/i.test(video[0]!)) throw new AppError("invalid_sdp", "The offer's video offers neither H.264 nor VP8.");
  if (!/\r?\na=fingerprint:/.test(offer)) throw new AppError("invalid_sdp", "The offer has no DTLS fingerprint.");
}

/** Answers a publisher's WHIP offer with a receive-only peer connection; H.264 first so ffmpeg can copy it. */
export async function answerWhipOffer(offer: string, opts: WhipPeerOptions = {}): Promise<WhipPeer> {
  checkWhipOffer(offer);
  const feedback = [useNACK(), usePLI(), useREMB()];
  const pc = new RTCPeerConnection({
    iceServers: opts.iceServers ?? [],
    iceAdditionalHostAddresses: opts.publicAddresses,
    icePortRange: opts.portRange,
    codecs: {
      video: [
        useH264({ rtcpFeedback: feedback, parameters: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f" }),
        useVP8({ rtcpFeedback: feedback }),
      ],
      audio: [useOPUS()],
    },
  });
  const listeners: ((kind: "audio" | "video", packet: RtpPacket) => void)[] = [];
  const closed: (() => void)[] = [];
  const counts = { audioPackets: 0, videoPackets: 0 };
  let videoSsrc: number | undefined;
  let videoReceiver: { sendRtcpPLI(ssrc: number): Promise<void> } | undefined;
  pc.onTrack.subscribe((track) => {
    const kind = track.kind === "video" ? "video" : "audio";
    if (kind === "video") videoReceiver = pc.getTransceivers().find((t) => t.receiver.track === track)?.receiver;
    track.onReceiveRtp.subscribe((packet) => {
      if (kind === "video") {
        counts.videoPackets++;
        videoSsrc = packet.header.ssrc;
      } else counts.audioPackets++;
      for (const l of listeners) l(kind, packet);
    });
  });
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    for (const l of closed) l();
  };
  pc.connectionStateChange.subscribe((state) => {
    if (state === "failed" || state === "closed") end();
  });
  try {
    await pc.setRemoteDescription({ type: "offer", sdp: offer });
    for (const t of pc.getTransceivers()) {
      t.setDirection("recvonly");
      // An answer lists the offer's codecs in the offer's order (Chromium puts VP8 first): keep one, H.264 first,
      // so the publisher sends what ffmpeg can copy and every consumer knows the codec.
      if (t.kind === "video") t.codecs = [...t.codecs].sort((a, b) => videoCodecRank(a) - videoCodecRank(b)).slice(0, 1);
    }
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc, opts.gatherTimeoutMs ?? 3_000);
  } catch (err) {
    await pc.close().catch(() => {});
    if (err instanceof AppError) throw err;
    throw new AppError("invalid_sdp", `The offer could not be answered: ${(err as Error).message}`.slice(0, 300));
  }
  const answer = pc.localDescription?.sdp;
  const video = pc.getTransceivers().find((t) => t.kind === "video")?.codecs[0];
  if (!answer || !video) {
    await pc.close().catch(() => {});
    throw new AppError("invalid_sdp", "No video codec in common with the offer (H.264 or VP8).");
  }
  const audio = pc.getTransceivers().find((t) => t.kind === "audio")?.codecs[0];
  return {
    answer,
    audio: audio ? { payloadType: audio.payloadType } : null,
    video: { mimeType: video.mimeType, payloadType: video.payloadType, clockRate: video.clockRate, fmtp: video.parameters },
    onRtp: (l) => void listeners.push(l),
    requestKeyFrame: () => {
      if (videoReceiver && videoSsrc !== undefined) void videoReceiver.sendRtcpPLI(videoSsrc).catch(() => {});
    },
    stats: () => ({ ...counts }),
    onClosed: (l) => void closed.push(l),
    close: async () => {
      end();
      await pc.close();
    },
  };
}

/** H.264 constrained baseline in packetization mode 1 (what browsers and OBS send), other H.264, then VP8. */
function videoCodecRank(codec: { mimeType: string; parameters?: string }): number {
  const mime = codec.mimeType.toLowerCase();
  const fmtp = codec.parameters ?? "";
  if (mime === "video/h264" && /packetization-mode=1/.test(fmtp)) return /profile-level-id=42e0/i.test(fmtp) ? 0 : 1;
  if (mime === "video/h264") return 3;
  if (mime === "video/vp8") return 2;
  return 4;
}

/** Resolves once werift has gathered its ICE candidates, or after `timeoutMs` (the answer carries what it has). */
export function gathered(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    pc.iceGatheringStateChange.subscribe((state) => {
      if (state !== "complete") return;
      clearTimeout(timer);
      resolve();
    });
  });
}
