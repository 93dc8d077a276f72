import type { NextAction, PaymentBody } from "../../protocol/api.js";

/** What orders ask of a payment provider (the built-in test provider, Stripe). */
export interface ChargeRequest {
  amount: number;
  currency: string;
  /** The card number; empty when `paymentMethod` (a saved method's token) is charged instead. */
  cardNumber: string;
  paymentMethod?: string;
  /** Unique per payment attempt. */
  idempotencyKey: string;
  description: string;
  /** The provider's customer a saved `paymentMethod` is attached to (Stripe charges a saved card only with it). */
  customer?: string;
  /** The order being paid: a provider that keeps one payment per order (Stripe's PaymentIntent) keys it by this. */
  orderId?: string;
  /** The provider's reference from an earlier attempt on this order (e.g. an intent awaiting 3-D Secure). */
  ref?: string | null;
}

export type ChargeResult =
  | { ok: true; ref: string }
  | { ok: false; reason: "card_declined" | "invalid_card"; ref?: string }
  /** The buyer has to authenticate (3-D Secure) before the payment can finish; `ref` is the pending payment. */
  | { ok: false; reason: "requires_action"; ref: string; nextAction: NextAction }
  /** Outcome unknown (timeout, provider error, still processing): keep the hold; a retry or a webhook settles it. */
  | { ok: false; reason: "pending"; ref?: string };

/** A card saved with the provider: the token to charge (Stripe: a PaymentMethod id) and what may be shown. */
export interface ProviderSavedCard {
  token: string;
  brand: string;
  last4: string;
  /** The provider's fingerprint of the card (same card, same value), or null when it cannot say. */
  fingerprint: string | null;
  customer: string;
}

export type CardSetupResult =
  | { ok: true; card: ProviderSavedCard }
  /** not_found: no such setup for this customer; incomplete: the browser has not finished it (3-D Secure); failed: declined. */
  | { ok: false; reason: "not_found" | "incomplete" | "failed"; status?: string };

export interface PaymentProvider {
  readonly name: string;
  charge(req: ChargeRequest): Promise<ChargeResult>;
  /** Saves a card with the provider for later charges: an opaque token plus what may be shown (brand, last 4). */
  tokenize?(cardNumber: string): Promise<{ ok: true; token: string; brand: string; last4: string } | { ok: false; reason: "invalid_card" }>;
  /**
   * Saving a card the provider's way (Stripe: one Customer per buyer account, made on first use when `customer` is
   * null, and a SetupIntent for off-session use that the browser confirms with Stripe.js). The client secret is for
   * that browser only: never logged, never in a URL.
   */
  startCardSetup?(req: { customer: string | null; accountId: string; email: string }): Promise<{ customer: string; clientSecret: string }>;
  /** The card of a setup the browser confirmed, when the setup belongs to `customer` and succeeded. */
  finishCardSetup?(req: { setupId: string; customer: string }): Promise<CardSetupResult>;
  /** Detaches a saved card from its customer so it can never be charged again; a card already detached is fine. */
  removeCard?(token: string): Promise<void>;
  /** Pays back `amount` of a charge; the same idempotency key never refunds twice. */
  refund(req: { ref: string; amount: number; currency: string; idempotencyKey: string }): Promise<{ ok: true; ref: string } | { ok: false; reason: string }>;
  /** Payment methods of the checkout body this provider takes (default: test_card). */
  readonly methods?: readonly PaymentBody["method"][];
  /** Gives up a pending payment (a hold that ended), so the buyer can no longer complete it. Best effort. */
  cancel?(req: { ref: string; idempotencyKey: string }): Promise<void>;
  /** The provider's fingerprint of a payment method's card (same card, same value): per-buyer limits for guests. */
  cardFingerprint?(paymentMethodId: string): Promise<string | null>;
}
