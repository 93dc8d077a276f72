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

export const STUCK = {
  /** Nothing requested, nothing new buffered and the playhead still for this long... */
  idleMs: 12_000,
  /** ...while the playlist announced this many new parts or segments (~6 s of a live show at 0.3 s parts). */
  advances: 20,
};

/** What the stuck watch reads of the video element. */
export interface MediaProgress {
  readonly currentTime: number;
  readonly buffered: TimeRanges;
  readonly paused: boolean;
  readonly readyState: number;
}

/**
 * Spots a player that keeps loading playlists but appends nothing (seen once in a loaded CI run: hls.js reloading the
 * 240p playlist part by part for 40 s without a media request, the video empty). An encoder reconnect is not that
 * (the playlist stands still meanwhile), nor a slow start (fragments are being requested). `advanced()` on every
 * playlist that moved on, `reset()` on every fragment request; `check()` every second returns true when the player
 * should start over (then the watch starts afresh).
 */
export function stuckWatch(
  video: MediaProgress,
  o: typeof STUCK = STUCK,
  now: () => number = () => performance.now(),
  hidden: () => boolean = () => document.hidden,
) {
  let end = -1;
  let time = -1;
  let since = now();
  let advances = 0;
  const progressed = () => {
    const b = video.buffered;
    const e = b.length > 0 ? b.end(b.length - 1) : 0;
    if (e === end && video.currentTime === time) return false;
    end = e;
    time = video.currentTime;
    return true;
  };
  /** A fragment is being requested, or the player is not expected to progress now: the watch starts afresh. */
  const reset = () => {
    since = now();
    advances = 0;
  };
  progressed();
  return {
    advanced(): void {
      advances += 1;
    },
    reset,
    check(): boolean {
      // A hidden tab (timers throttled, a muted video may be paused to save power) or a paused video with data to play
      // (autoplay refused) is not stuck.
      if (progressed() || hidden() || (video.paused && video.readyState >= 3)) {
        reset();
        return false;
      }
      if (now() - since < o.idleMs || advances < o.advances) return false;
      reset();
      return true;
    },
  };
}
