import type { StudioStats } from "../../protocol/api.js";
import { useStudioText } from "../shows/studioText.js";

/** Measured in the studio while it publishes from the browser. */
export interface PublisherHealth {
  /** Bytes handed to the socket over the last second. */
  bytesPerSecond: number;
  /** Bytes the socket could not send yet (a slow uplink grows this). */
  queuedBytes: number;
  dropped: number | null;
  /** "track": frames the camera track discarded (MediaStreamTrack stats); "gaps": recorder timeslices that came late. */
  droppedSource: "track" | "gaps";
}

/** Outgoing bitrate and dropped frames of a browser publish, and the audience's delay and rebuffering. */
export function StudioHealth({ stats, publisher }: { stats: StudioStats; publisher: PublisherHealth | null }) {
  const { t, locale } = useStudioText();
  const n = (v: number, digits = 0) => new Intl.NumberFormat(locale, { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(v);
  const seconds = (ms: number | null | undefined) => (ms === null || ms === undefined ? "—" : `${n(ms / 1000, 1)} s`);
  const row = (label: string, value: string, testId: string, note?: string) => (
    <div class="health-row">
      <span class="health-label">{label}</span>
      <span class="health-value" data-testid={testId}>
        {value}
      </span>
      {note && <span class="health-note muted">{note}</span>}
    </div>
  );
  return (
    <div class="health" data-testid="studio-health">
      {publisher && (
        <>
          {row(
            t("health.bitrate"),
            `${n((publisher.bytesPerSecond * 8) / 1000)} kbit/s`,
            "health-bitrate",
            publisher.queuedBytes > 256 * 1024 ? t("health.queued", { kb: n(publisher.queuedBytes / 1024) }) : undefined,
          )}
          {row(
            t("health.dropped"),
            publisher.dropped === null ? "—" : n(publisher.dropped),
            "health-dropped",
            publisher.droppedSource === "track" ? t("health.droppedTrack") : t("health.droppedGaps"),
          )}
        </>
      )}
      {row(
        t("health.delay"),
        seconds(stats.medianDelayMs),
        "health-delay",
        stats.p90DelayMs != null ? t("health.p90", { value: seconds(stats.p90DelayMs) }) : undefined,
      )}
      {row(t("health.rebuffer"), stats.rebufferRatio == null ? "—" : `${n(stats.rebufferRatio * 100, 1)} %`, "health-rebuffer")}
      {row(t("health.startup"), seconds(stats.medianStartupMs), "health-startup")}
      {row(t("health.reporting"), n(stats.viewersReporting ?? 0), "health-reporting")}
    </div>
  );
}
