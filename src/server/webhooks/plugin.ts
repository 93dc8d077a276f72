import type { FastifyPluginAsync } from "fastify";
import { registerWebhookRoutes } from "./routes.js";

/** A merchant's webhook endpoints and their deliveries (delivery itself is the outbox's). */
export const webhooksModule: FastifyPluginAsync<Parameters<typeof registerWebhookRoutes>[1]> = async (app, opts) => registerWebhookRoutes(app, opts);
