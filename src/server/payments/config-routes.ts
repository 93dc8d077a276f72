import type { FastifyInstance } from "fastify";

export interface PaymentsClientConfig {
  provider: "test" | "stripe";
  /** Stripe's publishable key (pk_…) for Stripe.js; it is public by design, the secret key never leaves the server. */
  publishableKey?: string;
}

/** `GET /api/payments/config`: what the checkout needs to take a card (anyone; no secrets in it). */
export function registerPaymentsConfigRoute(app: FastifyInstance, config: PaymentsClientConfig): void {
  const body: PaymentsClientConfig =
    config.provider === "stripe" && config.publishableKey ? { provider: "stripe", publishableKey: config.publishableKey } : { provider: config.provider };
  app.get("/api/payments/config", async (_req, reply) => {
    reply.header("Cache-Control", "no-cache");
    return body;
  });
}
