import type { FastifyPluginAsync } from "fastify";
import { type EmbedRouteDeps, registerEmbedRoutes } from "./routes.js";

/** The embeddable player's settings and oEmbed (the /embed page and embed.js are the web routes', http/web.ts). */
export const embedModule: FastifyPluginAsync<EmbedRouteDeps> = async (app, opts) => registerEmbedRoutes(app, opts);
