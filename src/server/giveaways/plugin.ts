import type { FastifyPluginAsync } from "fastify";
import type { Sweepers } from "../http/sweepers.js";
import { registerGiveawayRoutes } from "./routes.js";

export type GiveawaysModuleOptions = Parameters<typeof registerGiveawayRoutes>[1] & { sweepers: Sweepers };

/** Giveaways in the studio and for viewers; giveaways past their end drawn every second. */
export const giveawaysModule: FastifyPluginAsync<GiveawaysModuleOptions> = async (app, opts) => {
  registerGiveawayRoutes(app, opts);
  opts.sweepers.install(app, (every) => every(1000, () => opts.giveaways.closeDue()));
};
