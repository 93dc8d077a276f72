import type { FastifyPluginAsync } from "fastify";
import { registerPaymentsConfigRoute } from "./config-routes.js";
import { registerStripeWebhookRoute } from "./stripe-routes.js";
import type { StripeWebhooks } from "./stripe-webhooks.js";

export interface PaymentsModuleOptions {
  provider: "stripe" | "test";
  publishableKey: string | undefined;
  /** Stripe's webhook, when STRIPE_WEBHOOK_SECRET is set. */
  stripeWebhooks: StripeWebhooks | null;
}

/** What the checkout needs to know about the provider, and Stripe's webhook. */
export const paymentsModule: FastifyPluginAsync<PaymentsModuleOptions> = async (app, opts) => {
  registerPaymentsConfigRoute(app, { provider: opts.provider, publishableKey: opts.publishableKey });
  if (opts.stripeWebhooks) registerStripeWebhookRoute(app, { webhooks: opts.stripeWebhooks });
  else if (opts.provider === "stripe")
    app.log.warn("STRIPE_WEBHOOK_SECRET is not set: payments finished after 3-D Secure or a timeout are only seen when the buyer pays again");
};
