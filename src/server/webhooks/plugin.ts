import type { FastifyPluginAsync } from "fastify";
import type { Sweepers } from "../http/sweepers.js";
import { registerWebhookRoutes } from "./routes.js";
import type { WebhookService } from "./service.js";

/**
 * A merchant's webhook endpoints and their deliveries (delivery itself is the outbox's); hourly, the retention of the
 * delivery log (`retentionDays`: OUTBOX_RETENTION_DAYS, 0 keeps it).
 */
export const webhooksModule: FastifyPluginAsync<{ webhooks: WebhookService; sweepers: Sweepers; retentionDays: number }> = async (app, opts) => {
  registerWebhookRoutes(app, opts);
  opts.sweepers.install(app, (every) => every(3600_000, () => opts.webhooks.pruneDeliveries(opts.retentionDays)));
};
