import type { FastifyInstance } from "fastify";
import type { StripeWebhooks } from "./stripe-webhooks.js";

// Stripe's events are small; 1 MiB leaves room for large metadata without inviting abuse.
const WEBHOOK_BODY_LIMIT = 1024 * 1024;

/**
 * `POST /api/payments/stripe/webhook`. The signature covers the exact bytes Stripe sent, so this route gets the raw
 * body: an encapsulated plugin replaces the app's JSON parser with a Buffer parser for this route only.
 */
export function registerStripeWebhookRoute(app: FastifyInstance, deps: { webhooks: StripeWebhooks }): void {
  app.register(async (scope) => {
    scope.removeContentTypeParser("application/json");
    scope.addContentTypeParser("application/json", { parseAs: "buffer", bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) => done(null, body));
    scope.post("/api/payments/stripe/webhook", { bodyLimit: WEBHOOK_BODY_LIMIT }, async (req) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const result = await deps.webhooks.receive(raw, req.headers["stripe-signature"]);
      return { received: true, duplicate: result.duplicate };
    });
  });
}
