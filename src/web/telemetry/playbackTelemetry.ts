import { useEffect, useRef, type MutableRef } from "preact/hooks";
import type { PlaybackReport } from "../../protocol/api.js";
import { serverNow } from "../platform/serverClock.js";

const REPORT_EVERY_MS = 5000;
// Mirrors the server's bounds (playbackReportBody): out-of-range values are sent as null or clamped, never rejected.
const MAX_INTERVAL_MS = 120_000;
const MAX_DELAY_MS = 3_600_000;

/** What the player knows about the position it plays: hls.js exposes the PROGRAM-DATE-TIME of the playhead. */
export interface PlayheadDateSource {
  playingDate: Date | null;
}

function newSessionId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function showIdOf(src: string): string | null {
  return /\/live\/([A-Za-z0-9_-]{1,64})\//.exec(src)?.[1] ?? null;
}

/** Wall clock (the server's, so phone drift does not count) minus the PROGRAM-DATE-TIME being played; null without PDT. */
export function liveDelayMs(video: HTMLVideoElement, hls: PlayheadDateSource | null): number | null {
  let playing: number | null = null;
  if (hls) playing = hls.playingDate?.getTime() ?? null;
  else {
    // Native HLS (Safari): getStartDate() is the PDT of the stream's start, NaN without PDT.
    const start = (video as HTMLVideoElement & { getStartDate?: () => Date }).getStartDate?.().getTime();
    if (start !== undefined && Number.isFinite(start)) playing = start + video.currentTime * 1000;
  }
  if (playing === null || !Number.isFinite(playing)) return null;
  const delay = Math.round(serverNow() - playing);
  if (delay < -60_000 || delay > MAX_DELAY_MS) return null;
  // The playhead cannot be ahead of real time: a reading below 0 is measurement error (the device's estimate of the
  // server's clock is good to about ±0.5 s, and a bursty ingest such as the studio's recorder can have its first
  // segments stamped up to one chunk late), sent as 0, at the live edge, rather than as a negative delay.
  return Math.max(0, delay);
}

function send(url: string, report: PlaybackReport, leaving: boolean): void {
  const body = JSON.stringify(report);
  const headers = { "content-type": "application/json", "x-showcart-csrf": "1" };
  try {
    // keepalive lets the last report outlive the page; sendBeacon is the fallback where keepalive fetch is missing.
    fetch(url, { method: "POST", headers, body, keepalive: leaving, credentials: "same-origin" }).catch(() => undefined);
  } catch {
    navigator.sendBeacon?.(url, new Blob([body], { type: "application/json" }));
  }
}

/**
 * Playback telemetry for the audience's player: every ~5 s (and when the page is hidden or left) it reports startup
 * time, stalls and live delay to POST /api/shows/:showId/telemetry. The host's studio preview does not report.
 * Returns a ref the player sets to its hls.js instance (for `playingDate`); left null with native HLS.
 */
export function usePlaybackTelemetry(videoRef: MutableRef<HTMLVideoElement | null>, src: string): MutableRef<PlayheadDateSource | null> {
  const hlsRef = useRef<PlayheadDateSource | null>(null);
  useEffect(() => {
    const video = videoRef.current;
    const showId = showIdOf(src);
    if (!video || !showId || location.pathname.startsWith("/studio/")) return;
    const url = `/api/shows/${encodeURIComponent(showId)}/telemetry`;
    const sessionId = newSessionId();
    const startedAt = performance.now();
    let startupMs: number | null = null;
    let startupSent = false;
    let lastReport = performance.now();
    let stalledSince: number | null = null;
    let stalledMs = 0;
    let stalls = 0;

    const onPlaying = () => {
      const now = performance.now();
      if (startupMs === null) startupMs = Math.round(now - startedAt);
      if (stalledSince !== null) {
        stalledMs += now - stalledSince;
        stalledSince = null;
      }
    };
    const onWaiting = () => {
      // Only a stall after playback started is rebuffering; before that it is startup.
      if (startupMs === null || stalledSince !== null) return;
      stalledSince = performance.now();
      stalls += 1;
    };

    const report = (leaving: boolean) => {
      if (startupMs === null) return;
      const now = performance.now();
      if (stalledSince !== null) {
        stalledMs += now - stalledSince;
        stalledSince = now;
      }
      const intervalMs = Math.min(MAX_INTERVAL_MS, Math.round(now - lastReport));
      const body: PlaybackReport = {
        sessionId,
        startupMs: startupSent ? null : startupMs,
        liveDelayMs: liveDelayMs(video, hlsRef.current),
        intervalMs,
        stalledMs: Math.min(intervalMs, Math.round(stalledMs)),
        stalls: Math.min(1000, stalls),
      };
      // Sent on every report until the server has it once; later reports carry null (the server keeps the first).
      startupSent = true;
      lastReport = now;
      stalledMs = 0;
      stalls = 0;
      send(url, body, leaving);
    };

    const timer = setInterval(() => report(false), REPORT_EVERY_MS);
    const onHide = () => {
      if (document.visibilityState === "hidden") report(true);
    };
    const onPageHide = () => report(true);
    video.addEventListener("playing", onPlaying);
    video.addEventListener("waiting", onWaiting);
    document.addEventListener("visibilitychange", onHide);
    window.addEventListener("pagehide", onPageHide);
    return () => {
      clearInterval(timer);
      video.removeEventListener("playing", onPlaying);
      video.removeEventListener("waiting", onWaiting);
      document.removeEventListener("visibilitychange", onHide);
      window.removeEventListener("pagehide", onPageHide);
    };
  }, [src]);
  return hlsRef;
}
