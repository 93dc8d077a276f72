import type { FastifyBaseLogger, FastifyPluginAsync } from "fastify";
import type { LiveAnalytics } from "../../protocol/api.js";
import type { Sweepers } from "../http/sweepers.js";
import { SAMPLE_MS } from "./recorder.js";
import { type AnalyticsRouteDeps, registerAnalyticsRoutes } from "./routes.js";

/** What analytics reads of the rooms (realtime is built after it). */
export interface AnalyticsLaterDoors {
  rooms: {
    /** Shows with a room on this node, and this node's viewers in each (the show's staff left out). */
    showRooms(): string[];
    localViewers(showId: string): number;
    /** Shows whose studio is open on this node; the live chart goes to those sockets. */
    openStudios(): string[];
    toStudio(showId: string, live: LiveAnalytics): void;
  };
}

export type AnalyticsModuleOptions = AnalyticsRouteDeps &
  AnalyticsLaterDoors & {
    sweepers: Sweepers;
    flushMs: number;
    retentionDays: number;
    log: FastifyBaseLogger;
  };

/** Sample this node's viewers (every 10 s), then write, then send open studios their live chart. */
export async function sampleAndPush(opts: Pick<AnalyticsModuleOptions, "recorder" | "reports" | "rooms" | "pinnedOffer" | "log">): Promise<void> {
  const { recorder, rooms } = opts;
  if (!recorder.enabled) return;
  for (const showId of new Set([...rooms.showRooms(), ...recorder.sampledShows()])) recorder.sample(showId, rooms.localViewers(showId));
  await recorder.flush();
  for (const showId of rooms.openStudios()) {
    try {
      rooms.toStudio(showId, await opts.reports.live(showId, await opts.pinnedOffer(showId)));
    } catch (err) {
      opts.log.warn({ err, showId }, "analytics: live chart failed");
    }
  }
}

/** Beacons and reports; the sample, flush and retention timers run with the sweepers. A last flush on close. */
export const analyticsModule: FastifyPluginAsync<AnalyticsModuleOptions> = async (app, opts) => {
  registerAnalyticsRoutes(app, opts);
  opts.sweepers.install(app, (every) => {
    every(opts.flushMs, () => opts.recorder.flush());
    every(SAMPLE_MS, () => sampleAndPush(opts));
    every(3600_000, () => opts.recorder.prune(opts.retentionDays));
  });
  app.addHook("onClose", async () => {
    await opts.recorder.flush().catch((err) => opts.log.warn({ err }, "analytics: last flush failed"));
  });
};
