// WHEP playback in the browser (draft-ietf-wish-whep): a recvonly offer POSTed to the show's WHEP URL, the answer
// applied, the tracks played in the <video>. Loaded lazily by LivePlayer, only when it tries sub-second mode.

import { iceGathered } from "./iceGathering.js";

/** Why WebRTC playback did not start or stopped; the player falls back to LL-HLS on any of them. */
export type WhepFailure = "full" | "refused" | "ice" | "no_frames" | "unsupported" | "ended";

export class WhepError extends Error {
  constructor(readonly reason: WhepFailure) {
    super(`WHEP: ${reason}`);
  }
}

export interface WhepPlayback {
  /** Stops the connection and ends the server's session (DELETE). */
  close(): void;
}

/** A connection without a new decoded frame for this long has failed (blocked midway, show over). */
const STALL_MS = 3_000;

/**
 * Plays the show by WHEP into `video`. Resolves once the first frame is decoded (within `deadlineMs` of the call),
 * rejects with WhepError otherwise. After that, `onFailure` reports a connection that broke or stopped delivering.
 */
export async function playWhep(
  video: HTMLVideoElement,
  url: string,
  opts: { deadlineMs: number; onFailure(reason: WhepFailure): void },
): Promise<WhepPlayback> {
  if (typeof RTCPeerConnection === "undefined") throw new WhepError("unsupported");
  const started = performance.now();
  const pc = new RTCPeerConnection();
  let session: string | null = null;
  let closed = false;
  let stallTimer: ReturnType<typeof setInterval> | undefined;
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(stallTimer);
    pc.close();
    if (session) void fetch(session, { method: "DELETE", keepalive: true }).catch(() => undefined);
  };
  try {
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.addTransceiver("audio", { direction: "recvonly" });
    const stream = new MediaStream();
    pc.ontrack = (e) => {
      stream.addTrack(e.track);
      if (video.srcObject !== stream) video.srcObject = stream;
    };
    await pc.setLocalDescription(await pc.createOffer());
    // No trickle: the offer carries the candidates gathered within a short wait (host candidates come at once).
    await iceGathered(pc, 1_000);
    const left = () => opts.deadlineMs - (performance.now() - started);
    const abort = new AbortController();
    const abortTimer = setTimeout(() => abort.abort(), Math.max(0, left()));
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/sdp" },
      body: pc.localDescription?.sdp,
      signal: abort.signal,
    }).finally(() => clearTimeout(abortTimer));
    if (res.status !== 201) {
      const code = ((await res.json().catch(() => null)) as { error?: { code?: string } } | null)?.error?.code;
      throw new WhepError(code === "whep_full" || code === "whep_unavailable" ? "full" : "refused");
    }
    const location = res.headers.get("location");
    session = location ? new URL(location, new URL(url, window.location.href)).href : null;
    await pc.setRemoteDescription({ type: "answer", sdp: await res.text() });
    await firstFrame(video, pc, left());
  } catch (err) {
    close();
    if (err instanceof WhepError) throw err;
    throw new WhepError((err as Error).name === "AbortError" ? "no_frames" : "refused");
  }
  // Playing: watch for the connection failing or the picture stopping.
  let lastFrames = -1;
  let lastChange = performance.now();
  stallTimer = setInterval(() => {
    void framesDecoded(pc).then((frames) => {
      if (closed) return;
      if (frames !== lastFrames) {
        lastFrames = frames;
        lastChange = performance.now();
      } else if (performance.now() - lastChange > STALL_MS) {
        close();
        opts.onFailure("no_frames");
      }
    });
  }, 1_000);
  pc.addEventListener("connectionstatechange", () => {
    if (closed || (pc.connectionState !== "failed" && pc.connectionState !== "closed")) return;
    close();
    opts.onFailure("ice");
  });
  return { close };
}

async function framesDecoded(pc: RTCPeerConnection): Promise<number> {
  let frames = 0;
  (await pc.getStats()).forEach((s: { type: string; kind?: string; framesDecoded?: number }) => {
    if (s.type === "inbound-rtp" && s.kind === "video") frames += s.framesDecoded ?? 0;
  });
  return frames;
}

/** Resolves at the first decoded frame; rejects on ICE failure or when `timeoutMs` runs out first. */
function firstFrame(video: HTMLVideoElement, pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err?: WhepError) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearInterval(poll);
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => finish(new WhepError(pc.connectionState === "connected" ? "no_frames" : "ice")), Math.max(0, timeoutMs));
    const poll = setInterval(() => {
      void framesDecoded(pc).then((n) => n > 0 && finish());
    }, 200);
    pc.addEventListener("connectionstatechange", () => {
      if (pc.connectionState === "failed") finish(new WhepError("ice"));
    });
    video.play().catch(() => undefined);
  });
}
