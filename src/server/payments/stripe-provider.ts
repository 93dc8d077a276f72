import { createHash, randomUUID } from "node:crypto";
import Stripe from "stripe";
import type { NextAction } from "../../protocol/api.js";
import type { CardSetupResult, ChargeRequest, ChargeResult, PaymentProvider } from "./provider.js";

export interface StripeProviderOptions {
  secretKey: string;
  /** Another API origin, e.g. `http://127.0.0.1:4242` for the tests' recorded-response server. */
  apiBase?: string;
  /** Per request; a timeout is an unknown outcome, never a decline (the order keeps its hold). */
  timeoutMs?: number;
  /** Stripe's client retries network failures with our idempotency keys, so a retry never charges twice. */
  maxNetworkRetries?: number;
  /** Where the bank's 3-D Secure page sends the buyer back; without it Stripe answers `use_stripe_sdk`. */
  returnUrl?: (orderId: string) => string | undefined;
}

type Intent = Stripe.PaymentIntent;

// Stripe keys are at most 255 characters; ours are built from order ids and a digest of the caller's key.
function keyDigest(key: string): string {
  return createHash("sha256").update(key).digest("base64url").slice(0, 22);
}

/**
 * Payments through Stripe PaymentIntents. One intent per order: created under the idempotency key `<orderId>:intent`
 * (a retry after a timeout finds the same intent, so an order can never be charged twice), then confirmed with the
 * buyer's PaymentMethod under a key per attempt. Every POST carries an idempotency key; reads (GET) are idempotent.
 */
export class StripePaymentProvider implements PaymentProvider {
  readonly name = "stripe";
  readonly methods = ["stripe"] as const;
  readonly client: Stripe;
  readonly #returnUrl: (orderId: string) => string | undefined;

  constructor(opts: StripeProviderOptions) {
    const base = opts.apiBase ? new URL(opts.apiBase) : null;
    const protocol = base?.protocol === "http:" ? "http" : "https";
    this.client = new Stripe(opts.secretKey, {
      timeout: opts.timeoutMs ?? 20_000,
      maxNetworkRetries: opts.maxNetworkRetries ?? 1,
      appInfo: { name: "Showcart" },
      ...(base ? { host: base.hostname, port: base.port || (protocol === "http" ? 80 : 443), protocol } : {}),
    });
    this.#returnUrl = opts.returnUrl ?? (() => undefined);
  }

  /** card.fingerprint of the PaymentMethod; null when Stripe cannot say (the limit then counts email, account, client). */
  async cardFingerprint(paymentMethodId: string): Promise<string | null> {
    try {
      return (await this.client.paymentMethods.retrieve(paymentMethodId)).card?.fingerprint ?? null;
    } catch {
      return null;
    }
  }

  async charge(req: ChargeRequest): Promise<ChargeResult> {
    if (!req.orderId) throw new Error("StripePaymentProvider.charge needs the order id");
    const pm = req.paymentMethod;
    let intent: Intent | null = null;
    try {
      intent = req.ref ? await this.client.paymentIntents.retrieve(req.ref) : await this.#createIntent(req);
      if (intent.amount !== req.amount || intent.currency !== req.currency.toLowerCase())
        throw new Error(`PaymentIntent ${intent.id} does not match order ${req.orderId}`);
      // A saved card is attached to the buyer's Customer and can only be confirmed on an intent of that Customer (the
      // order's intent may have been made for a card typed in earlier, without one).
      if (req.customer && pm && customerId(intent) !== req.customer && (intent.status === "requires_payment_method" || intent.status === "requires_action"))
        intent = await this.client.paymentIntents.update(
          intent.id,
          { customer: req.customer },
          { idempotencyKey: `${req.orderId}:customer:${keyDigest(req.idempotencyKey)}` },
        );
      // Already settled, or the buyer comes back from 3-D Secure with the method they started with: report, don't confirm.
      if (intent.status === "succeeded" || intent.status === "processing" || intent.status === "canceled") return this.#outcome(intent);
      if (intent.status === "requires_action" && (!pm || pm === paymentMethodId(intent))) return this.#outcome(intent);
      if (!pm) return this.#outcome(intent);
      const returnUrl = this.#returnUrl(req.orderId);
      intent = await this.client.paymentIntents.confirm(
        intent.id,
        { payment_method: pm, ...(returnUrl ? { return_url: returnUrl } : {}) },
        { idempotencyKey: `${req.orderId}:confirm:${keyDigest(req.idempotencyKey)}` },
      );
      return this.#outcome(intent);
    } catch (err) {
      return this.#failure(err, intent?.id ?? req.ref ?? undefined);
    }
  }

  async refund(req: {
    ref: string;
    amount: number;
    currency: string;
    idempotencyKey: string;
  }): Promise<{ ok: true; ref: string } | { ok: false; reason: string }> {
    try {
      const refund = await this.client.refunds.create(
        { payment_intent: req.ref, amount: req.amount },
        { idempotencyKey: `refund:${keyDigest(req.idempotencyKey)}` },
      );
      if (refund.status === "failed" || refund.status === "canceled") return { ok: false, reason: refund.failure_reason ?? refund.status };
      return { ok: true, ref: refund.id };
    } catch (err) {
      if (err instanceof Stripe.errors.StripeError && err.type !== "StripeConnectionError" && err.type !== "StripeAPIError")
        return { ok: false, reason: err.code ?? err.type };
      return { ok: false, reason: "unavailable" };
    }
  }

  /**
   * One Customer per buyer account (created here the first time, under a key per account so a retried request finds
   * the same one), then a SetupIntent for off-session use that Stripe.js confirms in the browser (`confirmCardSetup`,
   * 3-D Secure included); the card then belongs to that Customer.
   */
  async startCardSetup(req: { customer: string | null; accountId: string; email: string }): Promise<{ customer: string; clientSecret: string }> {
    const customer =
      req.customer ??
      (await this.client.customers.create({ email: req.email, metadata: { account_id: req.accountId } }, { idempotencyKey: `customer:${req.accountId}` })).id;
    const setup = await this.client.setupIntents.create(
      { customer, usage: "off_session", automatic_payment_methods: { enabled: true, allow_redirects: "never" }, metadata: { account_id: req.accountId } },
      { idempotencyKey: `setup:${req.accountId}:${randomUUID()}` },
    );
    if (!setup.client_secret) throw new Error(`SetupIntent ${setup.id} came without a client secret`);
    return { customer, clientSecret: setup.client_secret };
  }

  async finishCardSetup(req: { setupId: string; customer: string }): Promise<CardSetupResult> {
    let setup: Stripe.SetupIntent;
    try {
      setup = await this.client.setupIntents.retrieve(req.setupId);
    } catch (err) {
      if (err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode === 404) return { ok: false, reason: "not_found" };
      throw err;
    }
    // Someone else's setup (its id is no secret to its own browser, but it is not this buyer's card).
    const owner = typeof setup.customer === "string" ? setup.customer : (setup.customer?.id ?? null);
    if (owner !== req.customer) return { ok: false, reason: "not_found" };
    if (setup.status === "requires_payment_method" || setup.status === "canceled") return { ok: false, reason: "failed", status: setup.status };
    if (setup.status !== "succeeded") return { ok: false, reason: "incomplete", status: setup.status };
    const pmId = typeof setup.payment_method === "string" ? setup.payment_method : setup.payment_method?.id;
    if (!pmId) return { ok: false, reason: "failed", status: setup.status };
    const pm = await this.client.paymentMethods.retrieve(pmId);
    return {
      ok: true,
      card: {
        token: pm.id,
        brand: pm.card?.brand ?? "card",
        last4: pm.card?.last4 ?? "",
        fingerprint: pm.card?.fingerprint ?? null,
        customer: req.customer,
      },
    };
  }

  async removeCard(token: string): Promise<void> {
    try {
      await this.client.paymentMethods.detach(token, {}, { idempotencyKey: `detach:${keyDigest(token)}` });
    } catch (err) {
      // Already detached, or gone: it cannot be charged any more, which is what removing wants.
      if (err instanceof Stripe.errors.StripeInvalidRequestError) return;
      throw err;
    }
  }

  async cancel(req: { ref: string; idempotencyKey: string }): Promise<void> {
    await this.client.paymentIntents.cancel(req.ref, { cancellation_reason: "abandoned" }, { idempotencyKey: `cancel:${keyDigest(req.idempotencyKey)}` });
  }

  #createIntent(req: ChargeRequest): Promise<Intent> {
    // Same parameters on every attempt for this order, so Stripe's idempotency check accepts the retry. Methods that
    // leave the page need a return URL at confirmation; without one only those that don't (cards, 3-D Secure included).
    const redirects = this.#returnUrl(req.orderId!) ? "always" : "never";
    return this.client.paymentIntents.create(
      {
        amount: req.amount,
        currency: req.currency.toLowerCase(),
        description: req.description,
        metadata: { order_id: req.orderId! },
        ...(req.customer ? { customer: req.customer } : {}),
        automatic_payment_methods: { enabled: true, allow_redirects: redirects },
      },
      { idempotencyKey: `${req.orderId}:intent` },
    );
  }

  #outcome(intent: Intent): ChargeResult {
    switch (intent.status) {
      case "succeeded":
        return { ok: true, ref: intent.id };
      case "requires_action": {
        const action = nextAction(intent);
        return action ? { ok: false, reason: "requires_action", ref: intent.id, nextAction: action } : { ok: false, reason: "pending", ref: intent.id };
      }
      case "requires_payment_method": // declined, or 3-D Secure failed: another method may be tried on the same intent
      case "canceled":
        return { ok: false, reason: "card_declined", ref: intent.id };
      default:
        // processing, requires_confirmation, requires_capture: the webhook or a later retry settles it.
        return { ok: false, reason: "pending", ref: intent.id };
    }
  }

  async #failure(err: unknown, ref: string | undefined): Promise<ChargeResult> {
    if (!(err instanceof Stripe.errors.StripeError)) return { ok: false, reason: "pending", ...(ref ? { ref } : {}) };
    const intent = (err.raw as { payment_intent?: Intent } | undefined)?.payment_intent;
    const intentRef = intent?.id ?? ref;
    if (err.type === "StripeCardError") return { ok: false, reason: "card_declined", ...(intentRef ? { ref: intentRef } : {}) };
    // Confirming an intent that settled meanwhile (a retry after a timeout): its current state is the answer.
    if (err.code === "payment_intent_unexpected_state" && intentRef) {
      try {
        return this.#outcome(await this.client.paymentIntents.retrieve(intentRef));
      } catch {
        return { ok: false, reason: "pending", ref: intentRef };
      }
    }
    if (err.type === "StripeInvalidRequestError" && err.param === "payment_method")
      return { ok: false, reason: "invalid_card", ...(intentRef ? { ref: intentRef } : {}) };
    // Connection errors, timeouts, Stripe's 5xx and rate limits, an invalid key: nothing is known about the charge.
    return { ok: false, reason: "pending", ...(intentRef ? { ref: intentRef } : {}) };
  }
}

function customerId(intent: Intent): string | null {
  const c = intent.customer;
  return typeof c === "string" ? c : (c?.id ?? null);
}

function paymentMethodId(intent: Intent): string | null {
  const pm = intent.payment_method;
  return typeof pm === "string" ? pm : (pm?.id ?? null);
}

function nextAction(intent: Intent): NextAction | null {
  const clientSecret = intent.client_secret;
  if (!clientSecret) return null;
  if (intent.next_action?.type === "redirect_to_url" && intent.next_action.redirect_to_url?.url)
    return { type: "redirect_to_url", clientSecret, url: intent.next_action.redirect_to_url.url };
  return { type: "use_stripe_sdk", clientSecret };
}

/** The provider from the STRIPE_* settings (see README); fails at start when the secret key is missing. */
export function stripeProviderFromConfig(c: {
  STRIPE_SECRET_KEY?: string;
  STRIPE_API_BASE?: string;
  STRIPE_TIMEOUT_MS: number;
  STRIPE_RETURN_URL?: string;
}): StripePaymentProvider {
  if (!c.STRIPE_SECRET_KEY) throw new Error("PAYMENT_PROVIDER=stripe needs STRIPE_SECRET_KEY");
  const template = c.STRIPE_RETURN_URL;
  return new StripePaymentProvider({
    secretKey: c.STRIPE_SECRET_KEY,
    apiBase: c.STRIPE_API_BASE,
    timeoutMs: c.STRIPE_TIMEOUT_MS,
    returnUrl: template ? (orderId) => template.replace("{orderId}", encodeURIComponent(orderId)) : undefined,
  });
}
