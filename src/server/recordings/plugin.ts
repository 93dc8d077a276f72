import type { FastifyPluginAsync } from "fastify";
import { registerRecordingRoutes } from "./routes.js";

/** Replays and their media; recordings a crash interrupted are closed when the app is ready (before ingest starts). */
export const recordingsModule: FastifyPluginAsync<Parameters<typeof registerRecordingRoutes>[1]> = async (app, opts) => {
  registerRecordingRoutes(app, opts);
  app.addHook("onReady", async () => void (await opts.recordings.recoverInterrupted()));
};
