import type { PlaybackReport } from "../../protocol/api.js";
import { type ModuleContext, type ModulePlugin, modulePlugin } from "../modules.js";
import { PlaybackAggregator } from "./aggregator.js";
import { telemetryModule } from "./plugin.js";

type StatsListener = (showId: string) => void;
type ReportListener = (showId: string, report: PlaybackReport) => void;

/**
 * Players' playback reports; a show's figures changing is announced to `onStatsChanged` listeners (the studio's
 * stats), each accepted report to `onReport` listeners (analytics).
 */
export function createTelemetryModule(
  ctx: ModuleContext,
  doors: { media: { status(): { live: string[] } } },
): { playback: PlaybackAggregator; onStatsChanged(listener: StatsListener): void; onReport(listener: ReportListener): void; plugin: ModulePlugin } {
  const playback = new PlaybackAggregator(ctx.clock);
  const listeners: StatsListener[] = [];
  const reportListeners: ReportListener[] = [];
  const plugin = modulePlugin("telemetry", telemetryModule, {
    aggregator: playback,
    rateLimits: ctx.rateLimits,
    isLive: (showId) => doors.media.status().live.includes(showId),
    sweepers: ctx.sweepers,
    reported: (showId, report) => {
      for (const listener of reportListeners) listener(showId, report);
    },
    statsChanged: (showId) => {
      for (const listener of listeners) listener(showId);
    },
  });
  return {
    playback,
    onStatsChanged: (listener) => void listeners.push(listener),
    onReport: (listener) => void reportListeners.push(listener),
    plugin,
  };
}
