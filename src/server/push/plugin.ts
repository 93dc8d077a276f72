import fs from "node:fs";
import path from "node:path";
import type { FastifyPluginAsync } from "fastify";
import { registerPushRoutes } from "./routes.js";
import type { PushService } from "./service.js";

export interface PushModuleOptions {
  push: PushService;
  /** Output of `npm run build:web`: holds push-sw.js, the service worker. */
  distDir: string;
}

/**
 * Web Push: the VAPID key, subscribing and unsubscribing, and the service worker. The worker is served at
 * /push/sw.js and registered with scope /push/, where no page lives: it controls no page and intercepts no request,
 * it only receives push messages and opens the show when a notification is clicked.
 */
export const pushModule: FastifyPluginAsync<PushModuleOptions> = async (app, opts) => {
  registerPushRoutes(app, opts);
  app.get("/push/sw.js", async (req, reply) => {
    const file = path.join(path.resolve(opts.distDir), "push-sw.js");
    const body = await fs.promises.readFile(file).catch(() => null);
    if (!body) {
      req.log.error({ file }, "service worker missing: run `npm run build:web`");
      return reply.status(503).send({ error: { code: "unavailable", message: "The web app is not built yet." } });
    }
    // Browsers check a worker for updates at most daily anyway; no-cache makes a new build reach them at once.
    return reply
      .header("Cache-Control", "no-cache")
      .header("X-Content-Type-Options", "nosniff")
      .header("Content-Security-Policy", "default-src 'none'")
      .type("text/javascript; charset=utf-8")
      .send(body);
  });
  app.addHook("onClose", async () => opts.push.close());
};
