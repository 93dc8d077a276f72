import type { ErrorCode } from "../../protocol/errors.js";
import { iceGathered } from "../media/iceGathering.js";
import { ApiError } from "../platform/apiClient.js";

// Loopback and LAN candidates come at once; STUN/TURN ones within a second or two (we do not trickle).
const GATHER_MS = 3000;

/**
 * One SDP exchange with a stage route (a publish or a participant's feed): the offer with its gathered candidates,
 * POSTed with the caller's credentials (a stage token as Bearer, or the studio's session cookie), and the answer set.
 */
export async function exchangeStageSdp(path: string, pc: RTCPeerConnection, headers: Record<string, string> = {}): Promise<void> {
  await pc.setLocalDescription(await pc.createOffer());
  await iceGathered(pc, GATHER_MS);
  const res = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/sdp", "x-showcart-csrf": "1", ...headers },
    body: pc.localDescription?.sdp ?? "",
  });
  if (res.status !== 201) {
    const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
    throw new ApiError(res.status, (body?.error?.code ?? "internal") as ErrorCode, body?.error?.message ?? String(res.status));
  }
  await pc.setRemoteDescription({ type: "answer", sdp: await res.text() });
}

/** Receives a participant's picture and sound through the server (the stage's forwarding). */
export function watchStageFeed(
  path: string,
  onStream: (stream: MediaStream) => void,
  headers: Record<string, string> = {},
): { pc: RTCPeerConnection; ready: Promise<void> } {
  const pc = new RTCPeerConnection();
  pc.addTransceiver("video", { direction: "recvonly" });
  pc.addTransceiver("audio", { direction: "recvonly" });
  pc.ontrack = (e) => onStream(e.streams[0] ?? new MediaStream([e.track]));
  return { pc, ready: exchangeStageSdp(path, pc, headers) };
}
