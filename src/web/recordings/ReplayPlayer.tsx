import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { ReplayMarker, ReplayView } from "../../protocol/api.js";
import { useI18n } from "../i18n/coreText.js";
import { OfferTimeline } from "./OfferTimeline.js";

interface Props {
  replay: ReplayView;
  /** Playback position, for the offer card that follows the timeline. */
  onTime(seconds: number): void;
  /** A marker was clicked: its offer goes on the card. */
  onMarker?(marker: ReplayMarker): void;
}

/**
 * The recording of a finished show: VOD HLS (hls.js over MSE, native HLS where MSE is missing) with the browser's
 * controls, plus the offer timeline under it.
 */
export function ReplayPlayer({ replay, onTime, onMarker }: Props) {
  const { t } = useI18n();
  const videoRef = useRef<HTMLVideoElement>(null);
  const [time, setTime] = useState(0);
  const [duration, setDuration] = useState(replay.durationSeconds);

  useEffect(() => {
    const video = videoRef.current;
    if (!video) return;
    let disposed = false;
    let destroyHls: (() => void) | undefined;
    const tryPlay = () => {
      video.muted = true;
      video.play().catch(() => undefined);
    };
    const start = async () => {
      const hasMse = typeof window.MediaSource !== "undefined" || "ManagedMediaSource" in window;
      if (!hasMse && video.canPlayType("application/vnd.apple.mpegurl")) {
        video.src = replay.playbackUrl;
        video.addEventListener("loadedmetadata", tryPlay, { once: true });
        return;
      }
      const { default: Hls } = await import("hls.js/light");
      if (disposed || !Hls.isSupported()) return;
      const hls = new Hls({ startPosition: 0 });
      destroyHls = () => hls.destroy();
      hls.on(Hls.Events.MANIFEST_PARSED, tryPlay);
      hls.on(Hls.Events.ERROR, (_e, data) => {
        if (data.fatal && data.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
        else if (data.fatal && data.type === Hls.ErrorTypes.NETWORK_ERROR) hls.startLoad();
      });
      hls.loadSource(replay.playbackUrl);
      hls.attachMedia(video);
    };
    void start();
    const onTimeUpdate = () => {
      setTime(video.currentTime);
      onTime(video.currentTime);
    };
    const onDuration = () => {
      if (Number.isFinite(video.duration) && video.duration > 0) setDuration(video.duration);
    };
    video.addEventListener("timeupdate", onTimeUpdate);
    video.addEventListener("seeked", onTimeUpdate);
    video.addEventListener("durationchange", onDuration);
    return () => {
      disposed = true;
      destroyHls?.();
      video.removeEventListener("timeupdate", onTimeUpdate);
      video.removeEventListener("seeked", onTimeUpdate);
      video.removeEventListener("durationchange", onDuration);
      video.removeAttribute("src");
      video.load();
    };
  }, [replay.playbackUrl]);

  const seek = useCallback(
    (seconds: number, marker?: ReplayMarker) => {
      const video = videoRef.current;
      if (!video) return;
      video.currentTime = Math.max(0, Math.min(seconds, (Number.isFinite(video.duration) ? video.duration : duration) - 0.1));
      setTime(video.currentTime);
      onTime(video.currentTime);
      if (marker) onMarker?.(marker);
      if (video.paused) video.play().catch(() => undefined);
    },
    [duration, onTime, onMarker],
  );

  return (
    <div class="replay" data-testid="replay">
      <div class="player">
        <video
          ref={videoRef}
          muted
          autoplay
          playsInline
          controls
          poster={replay.posterUrl ?? undefined}
          data-testid="replay-video"
          aria-label={t("replay.title")}
        />
        <span class="badge badge-replay replay-badge">{t("replay.badge")}</span>
      </div>
      <OfferTimeline markers={replay.markers} durationSeconds={duration} currentTime={time} onSeek={seek} />
    </div>
  );
}
