import { useEffect, useRef, useState } from "preact/hooks";
import type { ReplayView } from "../../protocol/api.js";

/**
 * A show card's picture after the show: the recording's poster, and its short muted preview clip while the card is
 * hovered or focused (the clip is only fetched then: preload="none").
 */
export function ReplayThumb({ replay, active }: { replay: Pick<ReplayView, "posterUrl" | "previewUrl">; active: boolean }) {
  const videoRef = useRef<HTMLVideoElement>(null);
  const [playing, setPlaying] = useState(false);

  useEffect(() => {
    const video = videoRef.current;
    if (!video) return;
    if (active) {
      video.play().then(
        () => setPlaying(true),
        () => setPlaying(false),
      );
    } else {
      video.pause();
      setPlaying(false);
    }
  }, [active]);

  return (
    <>
      {replay.posterUrl && <img src={replay.posterUrl} alt="" loading="lazy" data-testid="show-poster" />}
      {replay.previewUrl && (
        <video
          ref={videoRef}
          src={replay.previewUrl}
          muted
          loop
          playsInline
          preload="none"
          class={playing ? "is-playing" : ""}
          data-testid="show-preview"
          aria-hidden="true"
        />
      )}
    </>
  );
}
