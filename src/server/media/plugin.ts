import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import type { createBrowserIngest } from "./browser-ingest.js";
import type { Media } from "./service.js";
import type { WhipIngest } from "./whip-ingest.js";

/** Browser publishing (MediaRecorder over WebSocket, WHIP), the LL-HLS origin, and RTMP ingest listening once the app is ready. */
export const mediaModule: FastifyPluginAsync<{
  media: Media;
  browserIngest: ReturnType<typeof createBrowserIngest>;
  /** POST/DELETE /api/shows/:showId/whep (its own scope: the application/sdp body parser). */
  whep: FastifyPluginAsync;
  whipIngest: WhipIngest;
  /** Several nodes: the live directory's refresh and the orphaned-show sweep. */
  cluster?: { install(app: FastifyInstance): void };
}> = async (app, opts) => {
  opts.browserIngest.register(app);
  opts.whipIngest.register(app);
  opts.cluster?.install(app);
  await app.register(opts.media.routes);
  await app.register(opts.whep);
  app.addHook("onReady", async () => opts.media.start());
};
