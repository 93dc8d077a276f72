import { createHmac } from "node:crypto";
import { type ModuleContext, type ModulePlugin, modulePlugin } from "../modules.js";
import { paymentsModule } from "./plugin.js";
import type { PaymentProvider } from "./provider.js";
import { stripeProviderFromConfig } from "./stripe-provider.js";
import { type StripePaymentEvents, StripeWebhooks } from "./stripe-webhooks.js";
import { TestPaymentProvider } from "./test-provider.js";

/**
 * The payment provider (Stripe, or the built-in test card) and the card fingerprint. Stripe's webhook settles orders,
 * built after payments: its plugin takes the orders' payment events when it is registered.
 */
export function createPaymentsModule(
  ctx: ModuleContext,
  doors: { provider?: PaymentProvider },
): { payments: PaymentProvider; cardFingerprint(cardNumber: string): string; plugin(events: StripePaymentEvents): ModulePlugin } {
  const { config } = ctx;
  const payments =
    doors.provider ??
    (config.PAYMENT_PROVIDER === "stripe" ? stripeProviderFromConfig(config) : new TestPaymentProvider({ latencyMs: config.PAYMENT_TEST_LATENCY_MS }));
  // Per-buyer limits match guests by card: a keyed hash, so the stored value says nothing without the server's key.
  const cardFingerprint = (n: string) =>
    createHmac("sha256", ctx.secretsKey)
      .update(`card:${n.replace(/\s+/g, "")}`)
      .digest("base64url");
  const plugin = (events: StripePaymentEvents): ModulePlugin => {
    const stripeWebhooks =
      payments.name === "stripe" && config.STRIPE_WEBHOOK_SECRET
        ? new StripeWebhooks({ db: ctx.db, clock: ctx.clock, signingSecret: config.STRIPE_WEBHOOK_SECRET, events, log: ctx.log.child({ module: "stripe" }) })
        : null;
    return modulePlugin("payments", paymentsModule, {
      provider: payments.name === "stripe" ? "stripe" : "test",
      publishableKey: config.STRIPE_PUBLISHABLE_KEY,
      stripeWebhooks,
    });
  };
  return { payments, cardFingerprint, plugin };
}
