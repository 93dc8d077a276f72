import type { ReplayMarker } from "../../protocol/api.js";
import { useI18n } from "../i18n/coreText.js";
import { markerAt } from "./replayOffer.js";

export function formatOffset(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const mm = h ? String(m).padStart(2, "0") : String(m);
  return `${h ? `${h}:` : ""}${mm}:${String(s % 60).padStart(2, "0")}`;
}

interface Props {
  markers: ReplayMarker[];
  durationSeconds: number;
  currentTime: number;
  onSeek(seconds: number, marker?: ReplayMarker): void;
}

/** A scrubber with a marker per pinned offer, and the same moments as a list: click → seek there. */
export function OfferTimeline({ markers, durationSeconds, currentTime, onSeek }: Props) {
  const { t } = useI18n();
  const duration = Math.max(durationSeconds, 0.001);
  const pct = (s: number) => `${Math.min(100, Math.max(0, (s / duration) * 100))}%`;
  const current = markerAt(markers, currentTime);

  const seekFromTrack = (e: MouseEvent) => {
    const el = e.currentTarget as HTMLElement;
    const box = el.getBoundingClientRect();
    if (box.width > 0) onSeek(((e.clientX - box.left) / box.width) * duration);
  };

  return (
    <div class="replay-timeline" data-testid="replay-timeline">
      <div class="replay-track" onClick={seekFromTrack} role="presentation">
        <div class="replay-progress" style={{ width: pct(currentTime) }} />
        {markers.map((m, i) => (
          <button
            key={`${m.offerId}-${i}`}
            type="button"
            class={`replay-marker${current === m ? " is-current" : ""}`}
            style={{ left: pct(m.atSeconds) }}
            title={`${formatOffset(m.atSeconds)} · ${m.title}`}
            aria-label={t("replay.jumpTo", { title: m.title, time: formatOffset(m.atSeconds) })}
            data-testid="replay-marker"
            data-offer-id={m.offerId}
            data-at={m.atSeconds}
            onClick={(e) => {
              e.stopPropagation();
              onSeek(m.atSeconds, m);
            }}
          />
        ))}
      </div>
      {markers.length > 0 && (
        <ol class="replay-chapters">
          {markers.map((m, i) => (
            <li key={`${m.offerId}-${i}`}>
              <button
                type="button"
                class={current === m ? "is-current" : ""}
                onClick={() => onSeek(m.atSeconds, m)}
                data-testid="replay-chapter"
                data-offer-id={m.offerId}
              >
                <span class="replay-chapter-time">{formatOffset(m.atSeconds)}</span>
                <img src={m.offer.imageUrl} alt="" width={28} height={28} loading="lazy" />
                <span class="replay-chapter-title">{m.title}</span>
              </button>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
