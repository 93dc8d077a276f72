import type { FastifyPluginAsync } from "fastify";
import type { StageMedia } from "./media.js";
import { type StageRouteDeps, registerStageRoutes } from "./routes.js";

/** The stage: co-hosts and guests, their WHIP publishes and feeds, and the composed program. */
export const stageModule: FastifyPluginAsync<StageRouteDeps & { media: StageMedia }> = async (app, opts) => {
  registerStageRoutes(app, opts);
  app.addHook("onClose", async () => opts.media.stop());
};
