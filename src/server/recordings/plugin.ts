import type { FastifyPluginAsync } from "fastify";
import { registerRecordingRoutes } from "./routes.js";

/**
 * Replays and their media; recordings a crash interrupted are closed when the app is ready (before ingest starts),
 * then posters and previews a shutdown left unmade are cut in the background.
 */
export const recordingsModule: FastifyPluginAsync<Parameters<typeof registerRecordingRoutes>[1]> = async (app, opts) => {
  registerRecordingRoutes(app, opts);
  app.addHook("onReady", async () => {
    await opts.recordings.recoverInterrupted();
    // In the background: ffmpeg cuts them one recording at a time, and start-up does not wait.
    opts.recordings.startMissingDerivatives();
  });
};
