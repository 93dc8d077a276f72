import type { FastifyPluginAsync } from "fastify";
import type { Sweepers } from "../http/sweepers.js";
import { registerPollRoutes } from "./routes.js";

export type PollsModuleOptions = Parameters<typeof registerPollRoutes>[1] & { sweepers: Sweepers };

/** Polls in the studio and for viewers; polls past their end closed every second. */
export const pollsModule: FastifyPluginAsync<PollsModuleOptions> = async (app, opts) => {
  registerPollRoutes(app, opts);
  opts.sweepers.install(app, (every) => every(1000, () => opts.polls.closeDue()));
};
