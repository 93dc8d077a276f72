import type { Kysely } from "kysely";
import Stripe from "stripe";
import { type Db, scoped } from "../db/index.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import type { PaymentsTables } from "./schema.js";

/** What a verified Stripe event means for an order; the orders module implements it (idempotently). */
export interface StripePaymentEvents {
  /** payment_intent.succeeded: the order's payment went through (after 3-D Secure, or after a timeout on our side). */
  succeeded(p: { orderId: string; ref: string; amount: number; currency: string }): Promise<unknown>;
  /** payment_intent.payment_failed: a decline or a failed 3-D Secure; the hold rules of the order decide. */
  failed(p: { orderId: string; ref: string; reason: string }): Promise<unknown>;
}

interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

// A claim whose handler never finished (the process died) may be taken again after this long; Stripe retries for days.
const STALE_CLAIM_MS = 5 * 60_000;

/**
 * Incoming Stripe webhooks: the signature is checked against the endpoint's signing secret over the raw body, and
 * each event id is handled once. An event is claimed (row in stripe_events) before it is handled and marked processed
 * after; a handler that fails drops the claim and answers 500, so Stripe delivers the event again.
 */
export class StripeWebhooks {
  readonly #db: Kysely<PaymentsTables>;
  readonly #clock: Clock;
  readonly #secret: string;
  readonly #events: StripePaymentEvents;
  readonly #log: Log | null;

  constructor(deps: { db: Db; clock: Clock; signingSecret: string; events: StripePaymentEvents; log?: Log }) {
    this.#db = scoped(deps.db);
    this.#clock = deps.clock;
    this.#secret = deps.signingSecret;
    this.#events = deps.events;
    this.#log = deps.log ?? null;
  }

  /** The event, if the `Stripe-Signature` header signs exactly these bytes with our secret (within 5 minutes). */
  verify(rawBody: Buffer | string, signature: string | string[] | undefined): Stripe.Event {
    if (typeof signature !== "string" || signature.length === 0) throw new AppError("invalid_signature", "Stripe-Signature header missing.");
    try {
      return Stripe.webhooks.constructEvent(rawBody, signature, this.#secret);
    } catch {
      throw new AppError("invalid_signature");
    }
  }

  async receive(rawBody: Buffer | string, signature: string | string[] | undefined): Promise<{ id: string; type: string; duplicate: boolean }> {
    const event = this.verify(rawBody, signature);
    const now = this.#clock.now();
    const orderId = orderIdOf(event);
    const claimed = await this.#db
      .insertInto("stripe_events")
      .values({ id: event.id, type: event.type, order_id: orderId, claimed_at: now, processed_at: null })
      .onConflict((oc) =>
        oc
          .column("id")
          .doUpdateSet({ claimed_at: now })
          .where("stripe_events.processed_at", "is", null)
          .where("stripe_events.claimed_at", "<", new Date(now.getTime() - STALE_CLAIM_MS)),
      )
      .returning("id")
      .executeTakeFirst();
    if (!claimed) return { id: event.id, type: event.type, duplicate: true };
    try {
      await this.#handle(event);
    } catch (err) {
      await this.#db.deleteFrom("stripe_events").where("id", "=", event.id).where("processed_at", "is", null).execute();
      throw err;
    }
    await this.#db.updateTable("stripe_events").set({ processed_at: this.#clock.now() }).where("id", "=", event.id).execute();
    return { id: event.id, type: event.type, duplicate: false };
  }

  async #handle(event: Stripe.Event): Promise<void> {
    if (event.type !== "payment_intent.succeeded" && event.type !== "payment_intent.payment_failed") return; // acknowledged, nothing to do
    const intent = event.data.object;
    const orderId = intent.metadata?.order_id;
    if (!orderId) {
      this.#log?.info({ eventId: event.id, paymentIntent: intent.id }, "stripe event without a Showcart order");
      return;
    }
    if (event.type === "payment_intent.succeeded") {
      const result = await this.#events.succeeded({ orderId, ref: intent.id, amount: intent.amount, currency: intent.currency.toUpperCase() });
      this.#log?.info({ eventId: event.id, orderId, result }, "stripe payment succeeded");
    } else {
      const reason = intent.last_payment_error?.code ?? "payment_failed";
      await this.#events.failed({ orderId, ref: intent.id, reason });
      this.#log?.info({ eventId: event.id, orderId, reason }, "stripe payment failed");
    }
  }
}

function orderIdOf(event: Stripe.Event): string | null {
  const obj = event.data.object as { metadata?: Record<string, string> | null };
  return obj.metadata?.order_id ?? null;
}
