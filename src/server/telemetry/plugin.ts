import type { FastifyPluginAsync } from "fastify";
import type { Sweepers } from "../http/sweepers.js";
import { type TelemetryRouteDeps, registerTelemetryRoutes } from "./routes.js";

export type TelemetryModuleOptions = TelemetryRouteDeps & {
  sweepers: Sweepers;
  /** A show's playback figures changed: its open studios' stats are due for a refresh. */
  statsChanged(showId: string): void;
};

/** Players' playback reports. They change a studio's stats without any other event: refreshed every 5 s. */
export const telemetryModule: FastifyPluginAsync<TelemetryModuleOptions> = async (app, opts) => {
  registerTelemetryRoutes(app, opts);
  opts.sweepers.always(app, 5000, () => {
    for (const showId of opts.aggregator.activeShows()) opts.statsChanged(showId);
  });
};
