import { RTCPeerConnection, type RTCIceServer, useH264, useNACK, useOPUS, usePLI, useREMB, useVP8 } from "werift";
import type { WhipPeer } from "../media/index.js";
import { AppError } from "../platform/errors.js";

// The stage's small SFU: one receive-only offer from a participant's browser per other participant it watches, and the
// server answers with send-only tracks that carry the watched participant's RTP unchanged (werift rewrites SSRC,
// payload type and sequence numbers per sender). No decoding: forwarding costs a packet copy.

export interface StageFeed {
  answer: string;
  close(): Promise<void>;
  onClosed(listener: () => void): void;
}

export async function answerFeedOffer(
  offer: string,
  source: WhipPeer,
  opts: { iceServers?: RTCIceServer[]; publicAddresses?: string[] } = {},
): Promise<StageFeed> {
  if (!/^v=0\r?\n/.test(offer) || Buffer.byteLength(offer) > 32 * 1024) throw new AppError("invalid_sdp", "The body is not an SDP offer.");
  if (!/\r?\nm=video /.test(offer)) throw new AppError("invalid_sdp", "The offer has no video section to receive the participant's camera.");
  const feedback = [useNACK(), usePLI(), useREMB()];
  const h264 = source.video.mimeType.toLowerCase() === "video/h264";
  const pc = new RTCPeerConnection({
    iceServers: opts.iceServers ?? [],
    iceAdditionalHostAddresses: opts.publicAddresses,
    codecs: {
      // The publisher's codec only: the packets go out as they came in.
      video: [h264 ? useH264({ rtcpFeedback: feedback, parameters: source.video.fmtp }) : useVP8({ rtcpFeedback: feedback })],
      audio: [useOPUS()],
    },
  });
  const closed: (() => void)[] = [];
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
    for (const t of pc.getTransceivers()) t.setDirection("sendonly");
    await pc.setLocalDescription(await pc.createAnswer());
    await new Promise<void>((resolve) => {
      if (pc.iceGatheringState === "complete") return resolve();
      const timer = setTimeout(resolve, 3_000);
      pc.iceGatheringStateChange.subscribe((s) => {
        if (s === "complete") {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } catch (err) {
    await pc.close().catch(() => {});
    throw new AppError("invalid_sdp", `The offer could not be answered: ${(err as Error).message}`.slice(0, 300));
  }
  const video = pc.getTransceivers().find((t) => t.kind === "video");
  const audio = pc.getTransceivers().find((t) => t.kind === "audio");
  if (!video?.codecs.length) {
    await pc.close().catch(() => {});
    throw new AppError("invalid_sdp", `The offer cannot receive ${source.video.mimeType}, the participant's codec.`);
  }
  // A new watcher needs a key frame to start decoding; so does one that lost packets and asks (PLI).
  video.sender.onPictureLossIndication.subscribe(() => source.requestKeyFrame());
  pc.connectionStateChange.subscribe((state) => {
    if (state === "connected") source.requestKeyFrame();
  });
  source.onRtp((kind, packet) => {
    if (ended) return;
    const sender = kind === "video" ? video.sender : audio?.sender;
    // sendRtp rewrites the header in place; each watcher gets its own copy.
    if (sender) void sender.sendRtp(packet.serialize()).catch(() => undefined);
  });
  source.onClosed(() => void pc.close().catch(() => undefined));
  return {
    answer: pc.localDescription!.sdp,
    onClosed: (l) => void closed.push(l),
    close: async () => {
      end();
      await pc.close();
    },
  };
}
