import type { HlsConfig } from "hls.js";

// How far behind live the web player plays: its hls.js settings and its catch-up. One module for the web player
// (LivePlayer) and the latency benches' player page, so the bench times what viewers get.

export const liveHlsSettings = {
  // LL-HLS: blocking playlist reloads, parts and preload hints; playback aims PART-HOLD-BACK behind the edge.
  // No liveSyncDuration(Count) here: hls.js lets either override PART-HOLD-BACK as the target latency.
  lowLatencyMode: true,
  // hls.js's own catch-up is off (1): it only speeds up with more than 1 s buffered, which a PART-HOLD-BACK under
  // 1 s never has, so a player that started late stayed late (measured: 0.40 and 0.45 s behind its target).
  // keepNearLive below does it instead.
  maxLiveSyncPlaybackRate: 1,
  // hls.js moves the target latency back by this much per stall (default 1 s, up to a target duration): a
  // busy phone stalling twice would otherwise sit 2 s further behind for the rest of the show.
  liveSyncOnStallIncrease: 0.3,
  backBufferLength: 30,
} satisfies Partial<HlsConfig>;

/** What keepNearLive reads from hls.js. */
export interface LatencySource {
  /** Seconds between hls.js's live-edge estimate and the playhead. */
  readonly latency: number;
  /** PART-HOLD-BACK plus hls.js's allowance for the stalls so far; null before a playlist. */
  readonly targetLatency: number | null;
}

export const CATCH_UP = {
  /** Playback rate while catching up (10 % faster: hardly audible, pitch kept). */
  rate: 1.1,
  /** Start catching up this far (s) behind the target, stop this close to it. */
  startBehind: 0.1,
  stopBehind: 0.02,
  /** Never while less than this (s) is buffered ahead: catching up must not cause the stall it would cost. */
  minBuffer: 0.2,
};

/**
 * Whether to play faster now: behind the target by more than `startBehind` (or, once catching up, by more than
 * `stopBehind`), with more than `minBuffer` seconds buffered ahead.
 */
export function shouldCatchUp(s: { latency: number; target: number | null; buffered: number; catchingUp: boolean }, o: typeof CATCH_UP): boolean {
  if (s.target === null || s.latency <= 0) return false;
  return s.buffered > o.minBuffer && s.latency - s.target > (s.catchingUp ? o.stopBehind : o.startBehind);
}

/**
 * Plays a little faster while the player is behind hls.js's target latency, back at normal speed once there.
 * Returns the detacher. The bench page gets this and shouldCatchUp as source text: no imports, no outer variables
 * but `decide`.
 */
export function keepNearLive(hls: LatencySource, video: HTMLMediaElement, o: typeof CATCH_UP, decide = shouldCatchUp): () => void {
  let catchingUp = false;
  const onTime = () => {
    if (video.paused) return;
    const end = video.buffered.length > 0 ? video.buffered.end(video.buffered.length - 1) : 0;
    catchingUp = decide({ latency: hls.latency, target: hls.targetLatency, buffered: end - video.currentTime, catchingUp }, o);
    const rate = catchingUp ? o.rate : 1;
    if (video.playbackRate !== rate) video.playbackRate = rate;
  };
  video.addEventListener("timeupdate", onTime);
  return () => {
    video.removeEventListener("timeupdate", onTime);
    if (video.playbackRate !== 1) video.playbackRate = 1;
  };
}
