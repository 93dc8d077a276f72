import type { FastifyPluginAsync } from "fastify";
import type { Sweepers } from "../http/sweepers.js";
import type { LineupService } from "./lineup.js";
import { registerLineupRoutes } from "./lineup-routes.js";
import { registerOfferRoutes } from "./routes.js";

export type OffersModuleOptions = Parameters<typeof registerOfferRoutes>[1] & { lineup: LineupService; sweepers: Sweepers };

/** The studio's offers and its show line-up; offers past their end closed every second. */
export const offersModule: FastifyPluginAsync<OffersModuleOptions> = async (app, opts) => {
  registerOfferRoutes(app, opts);
  registerLineupRoutes(app, opts);
  opts.sweepers.install(app, (every) => every(1000, () => opts.offers.closeExpired()));
};
