export { WebhookService, DELIVERY_TIMEOUT_MS, MAX_ENDPOINTS_PER_MERCHANT, type WebhookDeps, type WebhookEvents } from "./service.js";
export { registerWebhookRoutes } from "./routes.js";
export { SIGNATURE_HEADER, EVENT_ID_HEADER, signatureHeader, verifySignature } from "./signer.js";
export { enqueueOrderWebhooks } from "./order-events.js";
export { webhooksModule } from "./plugin.js";
export { createWebhooksModule } from "./factory.js";
