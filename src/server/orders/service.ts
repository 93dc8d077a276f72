import { createHash } from "node:crypto";
import type { CreateOrderBody, NextAction, OrderView, PayOrderBody, PaymentBody } from "../../protocol/api.js";
import type { CommissionService } from "../commissions/index.js";
import type { Database, Db } from "../db/index.js";
import { sql, type Selectable, type Transaction } from "kysely";
import type { OfferService, Reservation } from "../offers/index.js";
import type { ChargeResult, PaymentProvider } from "../payments/index.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { randomId } from "../platform/ids.js";
import type { EventBatch, Outbox } from "../outbox/index.js";
import type { WebhookEvents } from "../webhooks/index.js";
import type { ShowService } from "../shows/index.js";
import { orderEmail } from "./emails.js";
import { reserveVariantStock, vatIncluded } from "../catalog/index.js";
import { isUniqueViolation } from "../db/index.js";
import { canonicalJson } from "../platform/canonical-json.js";

export type OrderRow = Omit<Selectable<Database["orders"]>, "created_at" | "updated_at" | "hold_expires_at" | "payment_lock_until"> & {
  created_at: Date | string;
  updated_at: Date | string;
  hold_expires_at: Date | string | null;
  payment_lock_until: Date | string | null;
};

// Idempotency keys are kept this long; afterwards the same key starts a new request. Retired keys are renamed to
// RETIRED_KEY + order id, which frees the unique index without losing the row.
const IDEMPOTENCY_KEY_TTL_MS = 24 * 3600 * 1000;
const RETIRED_KEY = "retired:";

// How long one charge may take before the order is considered abandoned by a crashed process.
const PAYMENT_LOCK_MS = 60_000;
export const DEFAULT_HOLD_MS = 5 * 60_000;

export interface OrderDeps {
  db: Db;
  clock: Clock;
  offers: OfferService;
  shows: ShowService;
  commissions: CommissionService;
  payments: PaymentProvider;
  /** How long a checkout hold keeps the units (default 5 minutes). */
  holdMs?: number;
  /** Emails, webhooks and domain events (offer.updated, order.paid…) leave only through it. */
  outbox: Outbox;
  /** Outgoing merchant webhooks (order.paid/fulfilled/refunded), enqueued in each transition's transaction. */
  webhooks?: WebhookEvents;
  /** Keyed hash of a card number for per-buyer limits (the server salts it with its secret); never the number. */
  cardFingerprint?: (cardNumber: string) => string;
  /** Sold-out waitlists: released units go to the next waiting buyer as a timed hold before they go back on sale. */
  waitlist?: WaitlistHooks;
  /** How long a waitlisted buyer has to claim released units (default 2 minutes). */
  claimMs?: number;
  /** The buyer's order page (with its access token) for the links in order emails. */
  orderUrl?: (orderId: string) => string;
}

/** What the orders module asks of the waitlist, inside its own transactions (see src/server/waitlist). */
export interface WaitlistHooks {
  next(tx: Transaction<Database>, offerId: string): Promise<{ id: string; email: string; accountId: string | null } | null>;
  offered(tx: Transaction<Database>, entryId: string, hold: { orderId: string; showId: string; offerId: string; offerTitle: string; email: string; expiresAt: Date }, events: EventBatch): Promise<void>;
  released(tx: Transaction<Database>, orderId: string): Promise<void>;
  claimed(tx: Transaction<Database>, orderId: string): Promise<void>;
}

export const DEFAULT_CLAIM_MS = 2 * 60_000;

/** Who is buying, beyond the body: the signed-in account and, for one-tap with saved details, the saved card. */
export interface BuyerContext {
  accountId?: string | null;
  /** The host share-link cookie (`sc_ref`), if any: commissions attribute the order with it. */
  referral?: string | null;
  savedCard?: { token: string; fingerprint: string };
  /** Keyed hash of the placing client (its device id, else its address): who an anonymous hold belongs to. */
  clientKey?: string | null;
}

/** A card to charge: typed in, or saved with the provider (token). */
export type CardInput = { number: string } | { token: string; fingerprint: string };

/** The body's payment as a card to charge. A provider-side payment method (Stripe) has no fingerprint of ours. */
export function cardInput(p: PaymentBody): CardInput {
  return p.method === "test_card" ? { number: p.number } : { token: p.paymentMethodId, fingerprint: "" };
}

// Orders that count towards a per-buyer limit: held or bought and not (fully) refunded.
const LIMIT_STATUSES = ["pending_payment", "paid", "fulfilled", "delivered"] as const;
// A hold placed before the buyer typed anything: filled in when it is paid.
const NO_ADDRESS = { name: "", line1: "", postalCode: "", city: "", country: "" };

export function defaultCardFingerprint(cardNumber: string): string {
  return createHash("sha256").update(`showcart-card:${cardNumber.replace(/\s+/g, "")}`).digest("base64url");
}

export interface PlaceOrderResult {
  order: OrderView;
  replayed: boolean;
  /** The payment needs the buyer (3-D Secure): the order stays pending_payment with its hold. */
  nextAction?: NextAction;
}

/** A payment attempt's answer: the order, and what the buyer must do when the provider asks for authentication. */
export interface ChargeOutcome {
  order: OrderView;
  nextAction?: NextAction;
}

const SETTLED_STATUSES: readonly string[] = ["paid", "fulfilled", "delivered", "refunded"];

// Same key + same body → same order. The hash covers a canonical form of the body, with a digest of the card number
// instead of the number itself.
export function requestHash(body: CreateOrderBody, accountId?: string | null): string {
  const payment =
    body.payment && (body.payment.method === "test_card" ? { method: body.payment.method, card: createHash("sha256").update(body.payment.number.replace(/\s+/g, "")).digest("hex") } : body.payment);
  return createHash("sha256").update(canonicalJson({ ...body, payment, account: accountId ?? undefined })).digest("base64url");
}


/** The in-transaction charge was not approved at once: roll back and take the two-step path. */
class ChargeNotApproved extends Error {}


export type OrderEventType = "created" | "held" | "paid" | "payment_failed" | "expired" | "cancelled" | "fulfilled" | "delivered" | "refunded" | "payment_action_required" | "late_payment_refunded";

/** The order's append-only history: one row per transition, written in the transition's own transaction. */
export async function recordOrderEvent(tx: Transaction<Database>, orderId: string, type: OrderEventType, at: Date, data: Record<string, unknown>): Promise<void> {
  await tx.insertInto("order_events").values({ id: randomId("oev"), order_id: orderId, type, data: JSON.stringify(data), at }).execute();
}

export function orderView(r: OrderRow): OrderView {
  return {
    id: r.id,
    status: r.status,
    offerId: r.offer_id,
    showId: r.show_id,
    quantity: r.quantity,
    unitPrice: Number(r.unit_price),
    total: Number(r.total),
    currency: r.currency,
    buyer: { name: r.buyer_name, email: r.buyer_email },
    shipping: JSON.parse(r.shipping),
    createdAt: new Date(r.created_at).toISOString(),
    holdExpiresAt: r.status === "pending_payment" && r.hold_expires_at ? new Date(r.hold_expires_at).toISOString() : null,
    gift: r.gift ? JSON.parse(r.gift) : null,
    shipment: r.carrier ? { carrier: r.carrier, trackingNumber: r.tracking_number ?? "" } : null,
    refundedQuantity: r.refunded_quantity,
    refundedAmount: Number(r.refunded_amount),
    vatRateBp: r.vat_rate_bp,
    vat: vatIncluded(Number(r.total), r.vat_rate_bp),
  };
}

/**
 * Steps of other modules inside the order's own transactions (coupons: src/server/coupons, mystery items:
 * src/server/mystery), registered with OrderService.use(). A hook that throws rolls the whole step back.
 */
export interface OrderHooks {
  /** placeOrder, after the order row is written: may refuse the order (AppError) or return a discount (minor units) off its total. */
  created?(tx: Transaction<Database>, order: { id: string; offerId: string; showId: string; quantity: number; gross: number; currency: string; accountId: string | null }, body: CreateOrderBody, events: EventBatch): Promise<{ discount: number } | undefined>;
  /** The transaction that marks the order paid (must not fail for a payment already taken). */
  paid?(tx: Transaction<Database>, order: OrderRow, events: EventBatch): Promise<void>;
  /** The refund's transaction, after its units went back (`restocked`: refunded before shipping). */
  refunded?(tx: Transaction<Database>, order: OrderRow, refund: { id: string; quantity: number; restocked: boolean }, events: EventBatch): Promise<void>;
}

/**
 * Checkout for a pinned show offer. Transaction 1 takes the stock with a conditional UPDATE and inserts the order
 * (pending_payment) under a unique idempotency key; the charge runs outside any transaction; transaction 2 marks the
 * order paid and writes the host's commission, or marks it failed and gives the units back.
 */
export class OrderService {
  // Idempotency keys this process has used. With PGlite exactly one process owns the database, so after
  // loadIdempotencyKeys() the set is complete and a key not in it cannot have an order: a sold-out attempt with a
  // fresh key is answered without touching the database. The same holds on PostgreSQL with the in-process bus (one node,
  // see app.ts); with several nodes (Redis bus) the set is never trusted alone.
  readonly #keys = new Set<string>();
  #keysComplete = false;
  readonly #hooks: OrderHooks[] = [];

  /** Adds another module's steps to order creation and payment (see OrderHooks). */
  use(hooks: OrderHooks): void {
    this.#hooks.push(hooks);
  }

  /** Runs the created hooks; a discount lowers the order's total in the same transaction. Returns the discount. */
  async #created(tx: Transaction<Database>, order: Parameters<NonNullable<OrderHooks["created"]>>[1], body: CreateOrderBody, events: EventBatch): Promise<number> {
    let discount = 0;
    for (const h of this.#hooks) discount += (await h.created?.(tx, order, body, events))?.discount ?? 0;
    if (discount > 0) await tx.updateTable("orders").set({ total: order.gross - discount }).where("id", "=", order.id).execute();
    return discount;
  }

  private readonly db: Db;
  private readonly clock: Clock;
  private readonly offers: OfferService;
  private readonly shows: ShowService;
  private readonly commissions: CommissionService;
  private readonly payments: PaymentProvider;
  private readonly holdMs: number;
  private readonly outbox: Outbox;
  private readonly webhooks: WebhookEvents | null;
  private readonly waitlist: WaitlistHooks | null;
  private readonly claimMs: number;
  private readonly fingerprint: (cardNumber: string) => string;
  private readonly orderUrl: (orderId: string) => string | undefined;

  constructor(deps: OrderDeps) {
    this.db = deps.db;
    this.clock = deps.clock;
    this.offers = deps.offers;
    this.shows = deps.shows;
    this.commissions = deps.commissions;
    this.payments = deps.payments;
    this.holdMs = deps.holdMs ?? DEFAULT_HOLD_MS;
    this.outbox = deps.outbox;
    this.webhooks = deps.webhooks ?? null;
    this.waitlist = deps.waitlist ?? null;
    this.claimMs = deps.claimMs ?? DEFAULT_CLAIM_MS;
    this.fingerprint = deps.cardFingerprint ?? defaultCardFingerprint;
    this.orderUrl = deps.orderUrl ?? (() => undefined);
  }

  /**
   * Per-buyer limit, inside the transaction that takes or pays: the buyer's units of this offer over held and bought
   * orders (matched by account, email or card fingerprint), minus refunds. Callers hold the offer's row lock (take()'s
   * UPDATE, or FOR UPDATE), so concurrent buys by one buyer are counted one after the other.
   */
  async #checkLimit(tx: Transaction<Database>, offerId: string, limit: number | null, quantity: number, who: { accountId?: string | null; email?: string | null; fingerprint?: string | null; clientKey?: string | null }, excludeOrderId?: string): Promise<void> {
    if (limit === null) return;
    if (quantity > limit) throw AppError.expected("limit_exceeded", `At most ${limit} per buyer.`, { limit, already: 0 });
    const email = who.email?.trim().toLowerCase() || null;
    // A hold without buyer details still has its client (device, else address), so one client cannot hold it all.
    if (!who.accountId && !email && !who.fingerprint && !who.clientKey) return;
    let q = tx
      .selectFrom("orders")
      .select(sql<number>`coalesce(sum(quantity - refunded_quantity), 0)`.as("units"))
      .where("offer_id", "=", offerId)
      .where("status", "in", [...LIMIT_STATUSES])
      .where((eb) =>
        eb.or([
          ...(who.accountId ? [eb("account_id", "=", who.accountId)] : []),
          ...(email ? [eb(sql`lower(buyer_email)`, "=", email)] : []),
          ...(who.fingerprint ? [eb("card_fingerprint", "=", who.fingerprint)] : []),
          ...(who.clientKey ? [eb("client_key", "=", who.clientKey)] : []),
        ]),
      );
    if (excludeOrderId) q = q.where("id", "!=", excludeOrderId);
    const already = Number((await q.executeTakeFirstOrThrow()).units);
    if (already + quantity > limit) throw AppError.expected("limit_exceeded", `At most ${limit} per buyer; you have ${already}.`, { limit, already });
  }

  /**
   * The card's keyed fingerprint for per-buyer limits: from the number, the saved card, or the provider's fingerprint
   * of a payment method (Stripe's card.fingerprint), so a guest cannot pass the limit by changing the email.
   */
  async #cardFingerprint(card: CardInput): Promise<string> {
    if ("number" in card) return this.fingerprint(card.number);
    if (card.fingerprint || !this.payments.cardFingerprint) return card.fingerprint;
    const theirs = await this.payments.cardFingerprint(card.token);
    return theirs ? this.fingerprint(`provider:${this.payments.name}:${theirs}`) : "";
  }

  /** Call once at start on a single-process database (PGlite) to make the local key set authoritative. */
  async loadIdempotencyKeys(): Promise<number> {
    const rows = await this.db.selectFrom("orders").select("idempotency_key").where("idempotency_key", "not like", `${RETIRED_KEY}%`).execute();
    for (const r of rows) this.#keys.add(r.idempotency_key);
    this.#keysComplete = true;
    return rows.length;
  }

  /**
   * Takes the units and creates the order. With `payment` it is charged at once (one-tap buy): paid, or
   * payment_failed with the units back. Without, the order is a hold: the units stay reserved for the buyer until
   * `holdExpiresAt`, and `pay()` confirms it.
   */
  placeOrder(body: CreateOrderBody, idempotencyKey: string, ctx: BuyerContext = {}): Promise<PlaceOrderResult> {
    return this.#place(body, idempotencyKey, ctx, true);
  }

  async #place(body: CreateOrderBody, idempotencyKey: string, ctx: BuyerContext, allowInTxCharge: boolean): Promise<PlaceOrderResult> {
    const accountId = ctx.accountId ?? null;
    // One-tap: a typed card, or the signed-in buyer's saved one.
    if (body.payment) this.assertPaymentMethod(body.payment.method);
    const card: CardInput | null = body.payment ? cardInput(body.payment) : (ctx.savedCard ?? null);
    if (card && (!body.buyer || !body.shipping)) throw new AppError("invalid_body", "buyer and shipping are required to pay");
    if (!this.#keysComplete || this.#keys.has(idempotencyKey)) {
      const replay = await this.replay(idempotencyKey, requestHash(body, accountId), card !== null);
      // A one-tap order still waiting for 3-D Secure: the same request continues it (next action again, or paid).
      if (replay && card && replay.order.status === "pending_payment") return { ...(await this.payWithOutcome(replay.order.id, card)), replayed: true };
      if (replay) return replay;
    }
    // Most attempts in a flash sale end here, without a database round trip.
    if (this.offers.knownShort(body.offerId, body.quantity)) throw AppError.expected("sold_out");
    const hash = requestHash(body, accountId);
    const fingerprint = card ? await this.#cardFingerprint(card) : null;
    const buyer = body.buyer ?? { name: "", email: "" };
    const shipping = JSON.stringify(body.shipping ?? NO_ADDRESS);
    // Claimed before the transaction so a concurrent request with the same key goes to the database and finds it.
    const fresh = !this.#keys.has(idempotencyKey);
    this.#keys.add(idempotencyKey);

    const now = this.clock.now();
    const orderId = randomId("ord");
    // A one-tap order holds its units only for the charge; a hold for the checkout timer.
    const holdExpiresAt = new Date(now.getTime() + (card ? PAYMENT_LOCK_MS : this.holdMs));
    let reservation: Reservation;
    const events = this.outbox.batch();
    // An in-process provider (the test provider) is asked inside the transaction: approved, the order commits paid in
    // one transaction. Any other answer rolls it back and the order takes the usual two-step path below.
    const inTxCharge = allowInTxCharge && card !== null && this.payments.inProcess === true;
    const showId = inTxCharge ? await this.offers.offerShow(body.offerId) : null;
    const terms = showId ? await this.shows.commissionTerms(showId) : null;
    let paidInTx: OrderView | null = null;
    let discount = 0;
    try {
      reservation = await this.db.transaction().execute(async (tx) => {
        // Requests queued behind the one that sold the last unit learn it here, before any statement of theirs runs.
        if (this.offers.knownShort(body.offerId, body.quantity)) throw AppError.expected("sold_out");
        const r = await this.offers.take(tx, body.offerId, body.quantity, events);
        // take()'s UPDATE holds the offer's row lock until commit: a concurrent order of the same buyer waits here.
        await this.#checkLimit(tx, body.offerId, r.perBuyerLimit, body.quantity, { accountId, email: buyer.email, fingerprint, clientKey: ctx.clientKey });
        await tx
          .insertInto("orders")
          .values({
            id: orderId,
            offer_id: body.offerId,
            show_id: r.showId,
            quantity: body.quantity,
            unit_price: r.unitPrice,
            total: r.unitPrice * body.quantity,
            currency: r.currency,
            vat_rate_bp: r.vatRateBp,
            buyer_name: buyer.name,
            buyer_email: buyer.email,
            shipping,
            status: "pending_payment",
            payment_ref: null,
            idempotency_key: idempotencyKey,
            request_hash: hash,
            hold_expires_at: holdExpiresAt,
            payment_lock_until: card ? holdExpiresAt : null,
            gift: body.gift ? JSON.stringify(body.gift) : null,
            created_at: now,
            updated_at: now,
            account_id: accountId,
            card_fingerprint: fingerprint || null,
            client_key: ctx.clientKey ?? null,
          })
          .execute();
        await recordOrderEvent(tx, orderId, card ? "created" : "held", now, { quantity: body.quantity, holdExpiresAt: holdExpiresAt.toISOString() });
        discount = await this.#created(tx, { id: orderId, offerId: body.offerId, showId: r.showId, quantity: body.quantity, gross: r.unitPrice * body.quantity, currency: r.currency, accountId }, body, events);
        await this.commissions.attribute(tx, { orderId, showId: r.showId, referral: ctx.referral ?? null, at: now });
        if (inTxCharge && card && terms) {
          const total = r.unitPrice * body.quantity - discount;
          const charge = await this.payments.charge({ amount: total, currency: r.currency, cardNumber: "number" in card ? card.number : "", ...("token" in card ? { paymentMethod: card.token } : {}), idempotencyKey, description: `Showcart order ${orderId}`, orderId, ref: null });
          if (!charge.ok) throw new ChargeNotApproved();
          const paid = await this.#paidIn(tx, orderId, charge.ref, total, terms, events);
          if (!paid) throw new ChargeNotApproved();
          paidInTx = paid.view;
        }
        return r;
      });
    } catch (err) {
      if (err instanceof ChargeNotApproved) {
        // Nothing was written; the two-step path charges again under the same key (the provider answers alike).
        if (fresh) this.#keys.delete(idempotencyKey);
        return this.#place(body, idempotencyKey, ctx, false);
      }
      if (fresh && !isUniqueViolation(err)) this.#keys.delete(idempotencyKey);
      // A concurrent request with the same key won the insert; our stock decrement rolled back with it.
      if (isUniqueViolation(err)) {
        const again = await this.replay(idempotencyKey, hash, card !== null);
        if (again) return again;
      }
      throw err;
    }
    await events.publish();
    if (paidInTx) return { order: paidInTx, replayed: false };

    const row = {
      id: orderId,
      offer_id: body.offerId,
      show_id: reservation.showId,
      quantity: body.quantity,
      unit_price: reservation.unitPrice,
      total: reservation.unitPrice * body.quantity - discount,
      currency: reservation.currency,
      vat_rate_bp: reservation.vatRateBp,
      buyer_name: buyer.name,
      buyer_email: buyer.email,
      shipping,
      status: "pending_payment" as const,
      payment_ref: null,
      idempotency_key: idempotencyKey,
      request_hash: hash,
      hold_expires_at: holdExpiresAt,
      payment_lock_until: null,
      gift: body.gift ? JSON.stringify(body.gift) : null,
      carrier: null,
      tracking_number: null,
      refunded_quantity: 0,
      refunded_amount: 0,
      created_at: now,
      updated_at: now,
      account_id: accountId,
      card_fingerprint: fingerprint || null,
      client_key: ctx.clientKey ?? null,
    };
    if (!card) return { order: orderView(row), replayed: false };
    return { ...(await this.#charge(row, card, idempotencyKey, "one_tap")), replayed: false };
  }

  /**
   * Pays a held order. A declined card keeps the hold (the buyer may try another card until it runs out). A hold
   * placed without buyer and address gets them here; the per-buyer limit is checked again with the email and card.
   */
  async pay(orderId: string, payment: CardInput, details: Pick<PayOrderBody, "buyer" | "shipping" | "gift"> = {}): Promise<OrderView> {
    return (await this.payWithOutcome(orderId, payment, details)).order;
  }

  /** pay(), with the provider's next action when the buyer has to authenticate (3-D Secure). */
  async payWithOutcome(orderId: string, payment: CardInput, details: Pick<PayOrderBody, "buyer" | "shipping" | "gift"> = {}): Promise<ChargeOutcome> {
    if ("number" in payment) this.assertPaymentMethod("test_card");
    const now = this.clock.now();
    const lockUntil = new Date(now.getTime() + PAYMENT_LOCK_MS);
    const fingerprint = await this.#cardFingerprint(payment);
    // Claim the order for one charge at a time; the lock also keeps the expiry sweeper away during the charge.
    const claimed = await this.db.transaction().execute(async (tx) => {
      const row = await tx
        .updateTable("orders")
        .set({
          payment_lock_until: lockUntil,
          updated_at: now,
          card_fingerprint: fingerprint || null,
          ...(details.buyer ? { buyer_name: details.buyer.name, buyer_email: details.buyer.email } : {}),
          ...(details.shipping ? { shipping: JSON.stringify(details.shipping) } : {}),
          ...(details.gift ? { gift: JSON.stringify(details.gift) } : {}),
        })
        .where("id", "=", orderId)
        .where("status", "=", "pending_payment")
        .where("hold_expires_at", ">", now)
        .where((eb) => eb.or([eb("payment_lock_until", "is", null), eb("payment_lock_until", "<=", now)]))
        .returningAll()
        .executeTakeFirst();
      if (!row) return null;
      if (!row.buyer_email || !JSON.parse(row.shipping).line1) {
        throw new AppError("invalid_body", "buyer and shipping are required to pay this hold", [
          ...(row.buyer_email ? [] : [{ path: "buyer", message: "required" }]),
          ...(JSON.parse(row.shipping).line1 ? [] : [{ path: "shipping", message: "required" }]),
        ]);
      }
      const offer = await tx.selectFrom("offers").select("per_buyer_limit").where("id", "=", row.offer_id).forUpdate().executeTakeFirstOrThrow();
      await this.#checkLimit(tx, row.offer_id, offer.per_buyer_limit, row.quantity, { accountId: row.account_id, email: row.buyer_email, fingerprint, clientKey: row.client_key }, row.id);
      return row;
    });
    if (!claimed) {
      const current = await this.order(orderId);
      if (current.status === "paid") return { order: current }; // paying twice is answered with the paid order
      if (current.status === "pending_payment" && current.holdExpiresAt && new Date(current.holdExpiresAt) > now) throw new AppError("idempotency_in_progress", "A payment for this order is in progress.");
      throw new AppError("hold_expired");
    }
    return this.#charge(claimed, payment, `${orderId}:${randomId("pay")}`, "hold");
  }

  /** The buyer abandons a held order: the units go back on sale at once. */
  async cancel(orderId: string): Promise<OrderView> {
    const released = await this.#release(orderId, "cancelled");
    if (!released) {
      const current = await this.order(orderId);
      if (current.status === "cancelled") return current;
      throw new AppError("conflict", `The order is ${current.status}; only a held order can be cancelled.`);
    }
    return this.order(orderId);
  }

  /**
   * Auctions: a checkout hold for an auction's winner (or the next bidder after a lapse) at the awarded price, on the
   * auction's closed offer of one unit. The unit is taken the way giveBack() returns it for a closed offer (from the
   * variant's stock, or the offer's `remaining`), so expiry, cancel and refunds work unchanged. Paid with pay().
   */
  async placeAwardedOrder(input: { offerId: string; unitPrice: number; accountId: string; buyer: { name: string; email: string }; holdMs: number; idempotencyKey: string; data: Record<string, unknown> }): Promise<OrderView> {
    const now = this.clock.now();
    const orderId = randomId("ord");
    const holdExpiresAt = new Date(now.getTime() + input.holdMs);
    try {
      const row = await this.db.transaction().execute(async (tx) => {
        const offer = await this.offers.row(input.offerId, tx);
        if (offer.closed_at && offer.variant_id) await reserveVariantStock(tx, offer.variant_id, 1);
        else {
          const took = await tx.updateTable("offers").set({ remaining: sql<number>`remaining - 1` }).where("id", "=", offer.id).where("remaining", ">=", 1).returning("id").executeTakeFirst();
          if (!took) throw new AppError("sold_out");
        }
        const inserted = await tx
          .insertInto("orders")
          .values({
            id: orderId,
            offer_id: offer.id,
            show_id: offer.show_id,
            quantity: 1,
            unit_price: input.unitPrice,
            total: input.unitPrice,
            currency: offer.currency,
            vat_rate_bp: offer.vat_rate_bp,
            buyer_name: input.buyer.name,
            buyer_email: input.buyer.email,
            shipping: JSON.stringify(NO_ADDRESS),
            status: "pending_payment",
            payment_ref: null,
            idempotency_key: input.idempotencyKey,
            request_hash: "",
            hold_expires_at: holdExpiresAt,
            payment_lock_until: null,
            gift: null,
            created_at: now,
            updated_at: now,
            account_id: input.accountId,
            card_fingerprint: null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await recordOrderEvent(tx, orderId, "held", now, { quantity: 1, holdExpiresAt: holdExpiresAt.toISOString(), ...input.data });
        return inserted;
      });
      this.#keys.add(input.idempotencyKey);
      return orderView(row);
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // Awarded before (a sweeper retried after a crash): the same award, once.
      const existing = await this.db.selectFrom("orders").selectAll().where("idempotency_key", "=", input.idempotencyKey).executeTakeFirstOrThrow();
      return orderView(existing);
    }
  }

  /** 400 when the configured provider does not take this payment method (a card number only goes to the test provider). */
  assertPaymentMethod(method: PaymentBody["method"]): void {
    const methods: readonly string[] = this.payments.methods ?? ["test_card"];
    if (!methods.includes(method)) throw new AppError("invalid_body", `payment.method: this shop takes ${methods.join(", ")}`, [{ path: "payment.method", message: `one of ${methods.join(", ")}` }]);
  }

  async #charge(row: OrderRow, card: CardInput, chargeKey: string, mode: "one_tap" | "hold"): Promise<ChargeOutcome> {
    const total = Number(row.total);
    const source = "number" in card ? { cardNumber: card.number } : { cardNumber: "", paymentMethod: card.token };
    // A provider that throws told us nothing about the charge: handled like a timeout (hold kept), never as a decline.
    const charge: ChargeResult = await this.payments
      .charge({ amount: total, currency: row.currency, ...source, idempotencyKey: chargeKey, description: `Showcart order ${row.id}`, orderId: row.id, ref: row.payment_ref })
      .catch(() => ({ ok: false as const, reason: "pending" as const }));

    if (charge.ok) return { order: await this.#markPaid(row, charge.ref) };
    if (charge.reason === "requires_action") return this.#awaitAction(row, charge.ref, charge.nextAction, mode);
    const now = this.clock.now();
    if (charge.reason === "pending") {
      // One-tap keeps its lock: its one-minute hold lapses to the sweeper unless the provider's webhook confirms first.
      // A checkout hold frees the lock: paying again is safe, the provider finds the same payment (one intent per order).
      await this.db
        .updateTable("orders")
        .set({ payment_ref: charge.ref ?? row.payment_ref, ...(mode === "hold" ? { payment_lock_until: null } : {}), updated_at: now })
        .where("id", "=", row.id)
        .where("status", "=", "pending_payment")
        .execute();
      throw new AppError("payment_pending", undefined, { orderId: row.id, holdKept: true });
    }
    if (mode === "one_tap") {
      await this.#release(row.id, "payment_failed", { ignoreLock: true });
    } else {
      await this.db
        .updateTable("orders")
        .set({ payment_lock_until: null, payment_ref: charge.ref ?? row.payment_ref, updated_at: now })
        .where("id", "=", row.id)
        .where("status", "=", "pending_payment")
        .execute();
    }
    throw new AppError("payment_declined", undefined, { orderId: row.id, reason: charge.reason, holdKept: mode === "hold" });
  }

  /** pending_payment → paid with the commission, once: the charge's answer and the provider's webhook may both report it. */
  async #markPaid(row: OrderRow, ref: string): Promise<OrderView> {
    const total = Number(row.total);
    const terms = await this.shows.commissionTerms(row.show_id);
    const paidAt = this.clock.now();
    const events = this.outbox.batch();
    const done = await this.db.transaction().execute((tx) => this.#paidIn(tx, row.id, ref, total, terms, events, paidAt));
    if (!done) {
      const current = await this.#row(row.id);
      if (current.payment_ref === ref && SETTLED_STATUSES.includes(current.status)) return orderView(current);
      // The hold ended while the payment ran: the buyer gets the money back; the units stay with whoever has them now.
      await this.#refundLatePayment(current, ref);
      throw new AppError("hold_expired", "The reservation ran out before the payment finished; the payment was refunded.", { orderId: row.id, refunded: true });
    }
    await events.publish();
    return done.view;
  }

  /** pending_payment → paid inside `tx`, with everything that goes with it; null if the order was not pending. */
  async #paidIn(tx: Transaction<Database>, orderId: string, ref: string, total: number, terms: { hostAccountId: string; rateBp: number }, events: EventBatch, paidAt = this.clock.now()): Promise<{ view: OrderView; commission: number } | null> {
    const updated = await tx
      .updateTable("orders")
      .set({ status: "paid", payment_ref: ref, payment_lock_until: null, updated_at: paidAt })
      .where("id", "=", orderId)
      .where("status", "=", "pending_payment")
      .returningAll()
      .executeTakeFirst();
    if (!updated) return null;
    const view = orderView(updated);
    await recordOrderEvent(tx, orderId, "paid", paidAt, { amount: total, paymentRef: ref });
    for (const h of this.#hooks) await h.paid?.(tx, updated, events);
    await this.outbox.enqueue(tx, "email.send", orderEmail("confirmation", view, { link: this.orderUrl(view.id) }));
    await this.webhooks?.enqueueForShow(tx, view.showId, "order.paid", { order: view });
    await this.waitlist?.claimed(tx, orderId);
    const commission = await this.commissions.recordForOrder(tx, { orderId, showId: view.showId, hostAccountId: terms.hostAccountId, total, currency: view.currency, rateBp: terms.rateBp });
    await events.emit(tx, "order.paid", { showId: view.showId, orderId, offerId: view.offerId, quantity: view.quantity, total, currency: view.currency, commission });
    return { view, commission };
  }

  /** The buyer must authenticate: the order stays pending with its hold; the provider's reference is kept to resume. */
  async #awaitAction(row: OrderRow, ref: string, nextAction: NextAction, mode: "one_tap" | "hold"): Promise<ChargeOutcome> {
    const now = this.clock.now();
    // A one-tap order held its units only for the charge; waiting for the buyer's bank makes it a checkout hold.
    const holdUntil = mode === "one_tap" ? new Date(now.getTime() + this.holdMs) : null;
    const updated = await this.db.transaction().execute(async (tx) => {
      const r = await tx
        .updateTable("orders")
        .set({ payment_ref: ref, payment_lock_until: null, updated_at: now, ...(holdUntil ? { hold_expires_at: holdUntil } : {}) })
        .where("id", "=", row.id)
        .where("status", "=", "pending_payment")
        .returningAll()
        .executeTakeFirst();
      if (r) await recordOrderEvent(tx, row.id, "payment_action_required", now, { paymentRef: ref, action: nextAction.type });
      return r;
    });
    if (!updated) return { order: await this.order(row.id) }; // settled meanwhile (webhook), or the hold ended
    return { order: orderView(updated), nextAction };
  }

  async #refundLatePayment(row: OrderRow, ref: string): Promise<void> {
    const amount = Number(row.total);
    const res = await this.payments.refund({ ref, amount, currency: row.currency, idempotencyKey: `${row.id}:late:${ref}` });
    if (!res.ok) throw new AppError("payment_pending", `Refunding a payment that came too late failed (${res.reason}); it is retried.`, { orderId: row.id });
    const now = this.clock.now();
    await this.db.transaction().execute((tx) => recordOrderEvent(tx, row.id, "late_payment_refunded", now, { paymentRef: ref, amount, refundRef: res.ref, status: row.status }));
  }

  /**
   * The provider reports a succeeded payment (Stripe webhook `payment_intent.succeeded`): a pending order is paid,
   * once however often it is reported; a payment for an order that ended meanwhile (hold expired, cancelled) is refunded.
   */
  async settleProviderPayment(p: { orderId: string; ref: string; amount: number; currency: string }): Promise<"paid" | "already_paid" | "refunded" | "unknown_order" | "amount_mismatch"> {
    const row = await this.db.selectFrom("orders").selectAll().where("id", "=", p.orderId).executeTakeFirst();
    if (!row) return "unknown_order";
    if (Number(row.total) !== p.amount || row.currency !== p.currency) return "amount_mismatch";
    if (row.payment_ref === p.ref && SETTLED_STATUSES.includes(row.status)) return "already_paid";
    if (row.status === "pending_payment") {
      try {
        await this.#markPaid(row, p.ref);
        return "paid";
      } catch (err) {
        if (err instanceof AppError && err.code === "hold_expired") return "refunded";
        throw err;
      }
    }
    await this.#refundLatePayment(row, p.ref);
    return "refunded";
  }

  /**
   * The provider reports a failed attempt (decline, failed 3-D Secure). The usual rules: a one-tap order whose charge
   * outcome was still open gives its units back; a checkout hold (or a one-tap order waiting for 3-D Secure) keeps them.
   */
  async providerPaymentFailed(p: { orderId: string; ref: string; reason: string }): Promise<"released" | "hold_kept" | "ignored"> {
    const row = await this.db.selectFrom("orders").select(["status"]).where("id", "=", p.orderId).executeTakeFirst();
    if (row?.status !== "pending_payment") return "ignored";
    const events = await this.db.selectFrom("order_events").select("type").where("order_id", "=", p.orderId).orderBy("seq").execute();
    const oneTap = events[0]?.type === "created" && !events.some((e) => e.type === "payment_action_required");
    if (oneTap && (await this.#release(p.orderId, "payment_failed", { ignoreLock: true }))) return "released";
    return "hold_kept";
  }

  /** pending_payment → `to`, units back on sale, in one transaction. False if the order was not pending (or locked). */
  async #release(orderId: string, to: "expired" | "cancelled" | "payment_failed", opts: { ignoreLock?: boolean } = {}): Promise<boolean> {
    const now = this.clock.now();
    const events = this.outbox.batch();
    const res = await this.db.transaction().execute(async (tx) => {
      let q = tx.updateTable("orders").set({ status: to, payment_lock_until: null, updated_at: now }).where("id", "=", orderId).where("status", "=", "pending_payment");
      if (!opts.ignoreLock) q = q.where((eb) => eb.or([eb("payment_lock_until", "is", null), eb("payment_lock_until", "<=", now)]));
      const o = await q.returningAll().executeTakeFirst();
      if (!o) return null;
      await recordOrderEvent(tx, orderId, to, now, {});
      await this.waitlist?.released(tx, orderId);
      await this.#restock(tx, o, o.quantity, now, events);
      return o;
    });
    await events.publish();
    // A payment still open with the provider (3-D Secure not finished) is given up, so it cannot succeed afterwards.
    if (res?.payment_ref && this.payments.cancel) void this.payments.cancel({ ref: res.payment_ref, idempotencyKey: `${orderId}:cancel` }).catch(() => {});
    return res !== null;
  }

  /**
   * Units coming back from `source` (a released hold or a refund before shipping): while the offer is on sale they go
   * to its waitlist first, one unit per waiting buyer in order, as a new hold of `claimMs` for them — the units move
   * from one reservation to the next, so sold + held + available = quantity holds throughout. What nobody waits for
   * goes back on sale.
   */
  async #restock(tx: Transaction<Database>, source: OrderRow, quantity: number, now: Date, events: EventBatch): Promise<void> {
    let left = quantity;
    if (this.waitlist) {
      const offer = await this.offers.row(source.offer_id, tx);
      const onSale = !offer.closed_at && new Date(offer.ends_at) > now;
      while (onSale && left > 0) {
        const entry = await this.waitlist.next(tx, source.offer_id);
        if (!entry) break;
        const holdId = randomId("ord");
        const expiresAt = new Date(now.getTime() + this.claimMs);
        await tx
          .insertInto("orders")
          .values({
            id: holdId,
            offer_id: source.offer_id,
            show_id: source.show_id,
            quantity: 1,
            unit_price: source.unit_price,
            total: source.unit_price,
            currency: source.currency,
            vat_rate_bp: source.vat_rate_bp,
            buyer_name: "",
            buyer_email: entry.email,
            shipping: JSON.stringify(NO_ADDRESS),
            status: "pending_payment",
            payment_ref: null,
            idempotency_key: `waitlist:${entry.id}`,
            request_hash: "",
            hold_expires_at: expiresAt,
            payment_lock_until: null,
            gift: null,
            created_at: now,
            updated_at: now,
            account_id: entry.accountId,
            card_fingerprint: null,
          })
          .execute();
        await recordOrderEvent(tx, holdId, "held", now, { quantity: 1, holdExpiresAt: expiresAt.toISOString(), waitlistEntryId: entry.id, from: source.id });
        await this.waitlist.offered(tx, entry.id, { orderId: holdId, showId: source.show_id, offerId: source.offer_id, offerTitle: offer.title, email: entry.email, expiresAt }, events);
        left--;
      }
    }
    if (left > 0) await this.offers.giveBack(tx, source.offer_id, left, events);
  }

  private async replay(idempotencyKey: string, hash: string, oneTap: boolean): Promise<PlaceOrderResult | null> {
    const row = await this.db.selectFrom("orders").selectAll().where("idempotency_key", "=", idempotencyKey).executeTakeFirst();
    if (!row) return null;
    // Keys live 24 hours (as Stripe's do): an older one is retired and the request counts as new.
    if (new Date(row.created_at).getTime() <= this.clock.now().getTime() - IDEMPOTENCY_KEY_TTL_MS) {
      await this.#retireKeys([row.id]);
      return null;
    }
    if (row.request_hash !== hash) throw new AppError("idempotency_mismatch");
    // A one-tap order waiting for 3-D Secure is answered as it stands; POST /pay with the same payment continues it.
    if (row.status === "pending_payment" && oneTap && !row.payment_ref) throw new AppError("idempotency_in_progress");
    if (row.status === "payment_failed") throw new AppError("payment_declined", undefined, { orderId: row.id, replayed: true });
    return { order: orderView(row), replayed: true };
  }

  async #row(orderId: string, db: Db | Transaction<Database> = this.db): Promise<OrderRow> {
    const row = await db.selectFrom("orders").selectAll().where("id", "=", orderId).executeTakeFirst();
    if (!row) throw new AppError("not_found", "No such order.");
    return row;
  }

  async history(orderId: string): Promise<{ type: string; at: string; data: unknown }[]> {
    const rows = await this.db.selectFrom("order_events").select(["type", "at", "data"]).where("order_id", "=", orderId).orderBy("seq").execute();
    return rows.map((r) => ({ type: r.type, at: new Date(r.at).toISOString(), data: JSON.parse(r.data) }));
  }

  /** paid → fulfilled with carrier and tracking; the buyer (and a gift's recipient, if asked) are told by email. */
  async fulfil(orderId: string, shipment: { carrier: string; trackingNumber: string }): Promise<OrderView> {
    const now = this.clock.now();
    const order = await this.db.transaction().execute(async (tx) => {
      const row = await tx
        .updateTable("orders")
        .set({ status: "fulfilled", carrier: shipment.carrier, tracking_number: shipment.trackingNumber, updated_at: now })
        .where("id", "=", orderId)
        .where("status", "=", "paid")
        .returningAll()
        .executeTakeFirst();
      if (!row) return null;
      await recordOrderEvent(tx, orderId, "fulfilled", now, shipment);
      const view = orderView(row);
      await this.outbox.enqueue(tx, "email.send", orderEmail("shipped", view, { link: this.orderUrl(view.id) }));
      if (view.gift?.notifyEmail) await this.outbox.enqueue(tx, "email.send", orderEmail("gift_notice", view));
      await this.webhooks?.enqueueForShow(tx, view.showId, "order.fulfilled", { order: view });
      return view;
    });
    if (order) return order;
    const current = await this.order(orderId);
    throw new AppError("conflict", `The order is ${current.status}; only a paid order can be fulfilled.`);
  }

  /** fulfilled → delivered. */
  async deliver(orderId: string): Promise<OrderView> {
    const now = this.clock.now();
    const order = await this.db.transaction().execute(async (tx) => {
      const row = await tx.updateTable("orders").set({ status: "delivered", updated_at: now }).where("id", "=", orderId).where("status", "=", "fulfilled").returningAll().executeTakeFirst();
      if (!row) return null;
      await recordOrderEvent(tx, orderId, "delivered", now, {});
      return orderView(row);
    });
    if (order) return order;
    const current = await this.order(orderId);
    throw new AppError("conflict", `The order is ${current.status}; only a shipped order can be delivered.`);
  }

  /**
   * Refunds `quantity` units (default: all not yet refunded) of a paid, shipped or delivered order. Before shipping
   * the units go back on sale. The host's commission is reversed in the same transaction; the order becomes
   * `refunded` once every unit is. The provider refund runs first, under an idempotency key per refund.
   */
  async refund(orderId: string, opts: { quantity?: number; reason?: string } = {}): Promise<OrderView> {
    const row = await this.#row(orderId);
    if (!["paid", "fulfilled", "delivered"].includes(row.status) || !row.payment_ref) throw new AppError("conflict", `The order is ${row.status}; it cannot be refunded.`);
    const open = row.quantity - row.refunded_quantity;
    const quantity = opts.quantity ?? open;
    if (quantity > open) throw new AppError("invalid_body", `quantity: only ${open} unit(s) left to refund`);
    const refundNo = row.refunded_quantity; // refunds of one order are numbered by the units already refunded
    const refundId = `${orderId}:refund:${refundNo}`;
    const completes = quantity === open;
    // The last refund takes what is left, so partial refunds never add up to more or less than the total.
    const amount = completes ? Number(row.total) - Number(row.refunded_amount) : Math.floor((Number(row.total) * quantity) / row.quantity); // pro rata: a discount is shared by the units
    const paid = await this.payments.refund({ ref: row.payment_ref, amount, currency: row.currency, idempotencyKey: refundId });
    if (!paid.ok) throw new AppError("payment_declined", `The refund failed: ${paid.reason}`);
    const now = this.clock.now();
    const events = this.outbox.batch();
    const result = await this.db.transaction().execute(async (tx) => {
      const updated = await tx
        .updateTable("orders")
        .set((eb) => ({
          refunded_quantity: eb("refunded_quantity", "+", quantity),
          refunded_amount: eb("refunded_amount", "+", amount),
          status: completes ? "refunded" : row.status,
          updated_at: now,
        }))
        .where("id", "=", orderId)
        .where("refunded_quantity", "=", row.refunded_quantity) // a concurrent refund changed it: retry from the top
        .returningAll()
        .executeTakeFirst();
      if (!updated) return null;
      const reversal = await this.commissions.reverseForRefund(tx, { orderId, refundId, refundAmount: amount, completesRefund: completes });
      const restock = row.status === "paid";
      if (restock) await this.#restock(tx, row, quantity, now, events);
      for (const h of this.#hooks) await h.refunded?.(tx, updated, { id: refundId, quantity, restocked: restock }, events);
      await recordOrderEvent(tx, orderId, "refunded", now, { quantity, amount, restocked: restock, commissionReversed: reversal, refundRef: paid.ref, reason: opts.reason ?? null });
      const view = orderView(updated);
      await this.outbox.enqueue(tx, "email.send", orderEmail("refunded", view, { amount, link: this.orderUrl(view.id) }));
      await this.webhooks?.enqueueForShow(tx, view.showId, "order.refunded", { order: view, refund: { quantity, amount } });
      return view;
    });
    if (!result) throw new AppError("conflict", "The order changed while refunding; try again.");
    await events.publish();
    return result;
  }

  /** Orders of a show (or of every show of a merchant), newest first, for the merchant's admin and CSV export. */
  async list(filter: { showIds: string[]; status?: OrderView["status"]; limit?: number }): Promise<OrderView[]> {
    if (filter.showIds.length === 0) return [];
    let q = this.db.selectFrom("orders").selectAll().where("show_id", "in", filter.showIds);
    if (filter.status) q = q.where("status", "=", filter.status);
    const rows = await q.orderBy("created_at", "desc").orderBy("id", "desc").limit(filter.limit ?? 200).execute();
    return rows.map(orderView);
  }

  async order(orderId: string): Promise<OrderView> {
    const row = await this.db.selectFrom("orders").selectAll().where("id", "=", orderId).executeTakeFirst();
    if (!row) throw new AppError("not_found", "No such order.");
    return orderView(row);
  }

  /** Sales of a show: paid units and revenue in minor units. */
  async showSales(showId: string): Promise<{ unitsSold: number; revenue: number }> {
    const row = await this.db
      .selectFrom("orders")
      .select([sql<number>`coalesce(sum(quantity - refunded_quantity), 0)`.as("units"), sql<number>`coalesce(sum(total - refunded_amount), 0)`.as("revenue")])
      .where("show_id", "=", showId)
      .where("status", "in", ["paid", "fulfilled", "delivered", "refunded"])
      .executeTakeFirstOrThrow();
    return { unitsSold: Number(row.units), revenue: Number(row.revenue) };
  }

  /** Per show, for the merchant's summary: orders with money taken, units and revenue net of refunds, and the refunds. */
  async salesByShow(showIds: string[]): Promise<Map<string, { orders: number; unitsSold: number; revenue: number; refundedUnits: number; refunds: number }>> {
    const out = new Map<string, { orders: number; unitsSold: number; revenue: number; refundedUnits: number; refunds: number }>();
    if (showIds.length === 0) return out;
    const rows = await this.db
      .selectFrom("orders")
      .select([
        "show_id",
        sql<number>`count(*)`.as("orders"),
        sql<number>`coalesce(sum(quantity - refunded_quantity), 0)`.as("units"),
        sql<number>`coalesce(sum(total - refunded_amount), 0)`.as("revenue"),
        sql<number>`coalesce(sum(refunded_quantity), 0)`.as("refunded_units"),
        sql<number>`coalesce(sum(refunded_amount), 0)`.as("refunds"),
      ])
      .where("show_id", "in", showIds)
      .where("status", "in", ["paid", "fulfilled", "delivered", "refunded"])
      .groupBy("show_id")
      .execute();
    for (const r of rows) out.set(r.show_id, { orders: Number(r.orders), unitsSold: Number(r.units), revenue: Number(r.revenue), refundedUnits: Number(r.refunded_units), refunds: Number(r.refunds) });
    return out;
  }

  /**
   * Ends holds that ran out: checkout timers the buyer let lapse, and one-tap orders whose process died between taking
   * the stock and recording the charge (their hold is the payment lock, one minute). Units go back on sale.
   */
  /** Frees the idempotency keys of orders older than 24 hours (run hourly); returns how many. */
  async retireOldIdempotencyKeys(): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - IDEMPOTENCY_KEY_TTL_MS);
    const rows = await this.db
      .selectFrom("orders")
      .select("id")
      .where("created_at", "<=", cutoff)
      .where("idempotency_key", "not like", `${RETIRED_KEY}%`)
      .limit(5000)
      .execute();
    await this.#retireKeys(rows.map((r) => r.id));
    return rows.length;
  }

  // The process-local key set may keep a retired key: it only makes "no such key" answers cheap, so a stale entry
  // costs one database lookup, nothing more.
  async #retireKeys(orderIds: string[]): Promise<void> {
    if (!orderIds.length) return;
    await this.db
      .updateTable("orders")
      .set({ idempotency_key: sql<string>`${RETIRED_KEY} || id` })
      .where("id", "in", orderIds)
      .where("idempotency_key", "not like", `${RETIRED_KEY}%`)
      .execute();
  }

  async expireHolds(): Promise<number> {
    const now = this.clock.now();
    const due = await this.db
      .selectFrom("orders")
      .select("id")
      .where("status", "=", "pending_payment")
      .where("hold_expires_at", "<=", now)
      .where((eb) => eb.or([eb("payment_lock_until", "is", null), eb("payment_lock_until", "<=", now)]))
      .limit(500)
      .execute();
    let n = 0;
    for (const { id } of due) if (await this.#release(id, "expired")) n++;
    return n;
  }
}
