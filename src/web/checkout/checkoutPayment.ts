import type { NextAction, OrderView, PayOrderBody } from "../../protocol/api.js";

/** What GET /api/payments/config answers. */
export interface PaymentsConfig {
  provider: "test" | "stripe";
  publishableKey?: string;
}

/** A pay answer: 200 with the paid order, or 202 with the order still pending and what the bank wants. */
export interface PayAnswer {
  order: OrderView;
  nextAction?: NextAction;
  accessToken?: string;
}

/** The ways out of a payment that the sheet shows differently. */
export class PaymentStepError extends Error {
  constructor(
    readonly code: "authentication_failed" | "still_pending",
    message: string,
    /** The last answer from the server (the order, still pending, and its access token). */
    readonly answer?: PayAnswer,
  ) {
    super(message);
  }
}

export interface PaySteps {
  /** POST /api/orders/:id/pay with the body (the same body again after 3-D Secure: the server finds the same intent). */
  pay(orderId: string, body: PayOrderBody): Promise<PayAnswer>;
  /** GET /api/orders/:id (status only). */
  status(orderId: string): Promise<OrderView>;
  /** Stripe.js `handleNextAction`: resolves with an error message when the buyer or the bank refused. */
  handleNextAction(clientSecret: string): Promise<{ error?: string }>;
  sleep(ms: number): Promise<void>;
}

// After the bank said yes, Stripe may still be confirming; the webhook or the next pay call settles it within seconds.
const POLL_DELAYS_MS = [500, 1000, 1500, 2000, 3000, 4000];

/**
 * Pays a held order and sees a 3-D Secure round trip through: 202 → Stripe.js authenticates → the same pay request
 * again (200 once the intent succeeded) → while it is still 202, poll the order until it is paid. Errors from the
 * API (declines: 402) are thrown as they come, so the sheet shows them like any other.
 */
export async function payOrder(orderId: string, body: PayOrderBody, steps: PaySteps): Promise<PayAnswer> {
  const first = await steps.pay(orderId, body);
  if (!first.nextAction) return first;
  const outcome = await steps.handleNextAction(first.nextAction.clientSecret);
  if (outcome.error) throw new PaymentStepError("authentication_failed", outcome.error, first);
  const again = await steps.pay(orderId, body);
  if (!again.nextAction) return again;
  for (const delay of POLL_DELAYS_MS) {
    await steps.sleep(delay);
    const order = await steps.status(orderId);
    if (order.status !== "pending_payment") return { ...again, order, nextAction: undefined };
  }
  throw new PaymentStepError("still_pending", "The bank has not confirmed the payment yet.", again);
}

/** The payment part of the pay body: a Stripe PaymentMethod id, or the built-in provider's test card. */
export function paymentFor(provider: PaymentsConfig["provider"], input: { card: string; paymentMethodId?: string }): PayOrderBody["payment"] {
  if (provider === "stripe") {
    if (!input.paymentMethodId) throw new Error("paymentFor: a Stripe PaymentMethod id is needed");
    return { method: "stripe", paymentMethodId: input.paymentMethodId };
  }
  return { method: "test_card", number: input.card.trim() };
}

// Stripe.js, the small part of it we use. The script must come from js.stripe.com (PCI): it cannot be bundled.
export interface StripeCardElement {
  mount(el: HTMLElement): void;
  destroy(): void;
  on(event: "change", handler: (e: { complete: boolean; error?: { message: string } }) => void): void;
}
export interface StripeJs {
  elements(opts?: { locale?: string }): { create(type: "card", opts?: Record<string, unknown>): StripeCardElement };
  createPaymentMethod(opts: {
    type: "card";
    card: StripeCardElement;
    billing_details?: { name?: string; email?: string };
  }): Promise<{ paymentMethod?: { id: string }; error?: { message?: string } }>;
  handleNextAction(opts: { clientSecret: string }): Promise<{ error?: { message?: string } }>;
  /** Saving a card: confirms the SetupIntent (3-D Secure included, in Stripe's own dialog). */
  confirmCardSetup(
    clientSecret: string,
    data: { payment_method: { card: StripeCardElement } },
  ): Promise<{ setupIntent?: { id: string; status: string }; error?: { message?: string } }>;
}

const STRIPE_JS = "https://js.stripe.com/v3/";
let stripeScript: Promise<(key: string) => StripeJs> | null = null;

/** Adds Stripe's script on first use only (never on page load), once per page; a failed load may be retried. */
export function loadStripe(publishableKey: string): Promise<StripeJs> {
  stripeScript ??= new Promise<(key: string) => StripeJs>((resolve, reject) => {
    const w = window as unknown as { Stripe?: (key: string) => StripeJs };
    if (w.Stripe) return resolve(w.Stripe);
    const script = document.createElement("script");
    script.src = STRIPE_JS;
    script.async = true;
    script.onload = () => (w.Stripe ? resolve(w.Stripe) : reject(new Error("Stripe.js loaded without window.Stripe")));
    script.onerror = () => reject(new Error("Stripe.js could not be loaded"));
    document.head.appendChild(script);
  }).catch((err) => {
    stripeScript = null;
    throw err;
  });
  return stripeScript.then((Stripe) => Stripe(publishableKey));
}
