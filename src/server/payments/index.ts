export type { PaymentProvider, ChargeRequest, ChargeResult, CardSetupResult, ProviderSavedCard } from "./provider.js";
export { TestPaymentProvider, TEST_CARD_OK, TEST_CARD_DECLINED, luhnValid } from "./test-provider.js";
export { StripePaymentProvider, stripeProviderFromConfig, type StripeProviderOptions } from "./stripe-provider.js";
export { StripeWebhooks, type StripePaymentEvents } from "./stripe-webhooks.js";
export { registerStripeWebhookRoute } from "./stripe-routes.js";
export { registerPaymentsConfigRoute } from "./config-routes.js";
export { paymentsModule } from "./plugin.js";
export { createPaymentsModule } from "./factory.js";
