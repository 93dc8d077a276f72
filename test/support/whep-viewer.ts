import { RTCPeerConnection, useH264, useOPUS } from "werift";
import { gathered } from "../../src/server/media/whip-peer.js";

/** A viewer's recvonly offer (video H.264, audio Opus) with its ICE candidates, as a WHEP player sends it (werift). */
export async function viewerOffer(opts: { video?: boolean; audio?: boolean } = {}): Promise<{ pc: RTCPeerConnection; sdp: string }> {
  const pc = new RTCPeerConnection({ codecs: { video: [useH264()], audio: [useOPUS()] } });
  if (opts.video !== false) pc.addTransceiver("video", { direction: "recvonly" });
  if (opts.audio !== false) pc.addTransceiver("audio", { direction: "recvonly" });
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc, 3000);
  return { pc, sdp: pc.localDescription!.sdp };
}
