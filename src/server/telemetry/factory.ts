import { type ModuleContext, type ModulePlugin, modulePlugin } from "../modules.js";
import { PlaybackAggregator } from "./aggregator.js";
import { telemetryModule } from "./plugin.js";

type StatsListener = (showId: string) => void;

/** Players' playback reports; a show's figures changing is announced to `onStatsChanged` listeners (the studio's stats). */
export function createTelemetryModule(
  ctx: ModuleContext,
  doors: { media: { status(): { live: string[] } } },
): { playback: PlaybackAggregator; onStatsChanged(listener: StatsListener): void; plugin: ModulePlugin } {
  const playback = new PlaybackAggregator(ctx.clock);
  const listeners: StatsListener[] = [];
  const plugin = modulePlugin("telemetry", telemetryModule, {
    aggregator: playback,
    rateLimits: ctx.rateLimits,
    isLive: (showId) => doors.media.status().live.includes(showId),
    sweepers: ctx.sweepers,
    statsChanged: (showId) => {
      for (const listener of listeners) listener(showId);
    },
  });
  return { playback, onStatsChanged: (listener) => void listeners.push(listener), plugin };
}
