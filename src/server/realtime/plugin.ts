import type { FastifyPluginAsync } from "fastify";
import { type RealtimeRouteDeps, registerRealtimeRoutes } from "./routes.js";

/** The room sockets; the hub's broadcast tick starts when the app is ready. */
export const realtimeModule: FastifyPluginAsync<RealtimeRouteDeps> = async (app, opts) => {
  registerRealtimeRoutes(app, opts);
  app.addHook("onReady", async () => opts.hub.start());
};
