/**
 * Resolves once the peer connection has gathered its ICE candidates, or after `timeoutMs` with what it has (no trickle
 * ICE: the offer carries the candidates gathered so far; host candidates come at once, STUN's a little later).
 */
export function iceGathered(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState !== "complete") return;
      clearTimeout(timer);
      resolve();
    });
  });
}
