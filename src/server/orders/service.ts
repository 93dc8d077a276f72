import { createHash } from "node:crypto";
import type { CreateOrderBody, OrderView } from "../../protocol/api.js";
import type { CommissionService } from "../commissions/index.js";
import type { Database, Db } from "../db/index.js";
import { sql, type Selectable, type Transaction } from "kysely";
import type { OfferService, Reservation } from "../offers/index.js";
import type { PaymentProvider } from "../payments/index.js";
import type { Bus } from "../platform/bus.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { randomId } from "../platform/ids.js";
import type { Outbox } from "../outbox/index.js";
import type { ShowService } from "../shows/index.js";
import { orderEmail } from "./emails.js";

export type OrderRow = Omit<Selectable<Database["orders"]>, "created_at" | "updated_at" | "hold_expires_at" | "payment_lock_until"> & {
  created_at: Date | string;
  updated_at: Date | string;
  hold_expires_at: Date | string | null;
  payment_lock_until: Date | string | null;
};

// How long one charge may take before the order is considered abandoned by a crashed process.
const PAYMENT_LOCK_MS = 60_000;
export const DEFAULT_HOLD_MS = 5 * 60_000;

export interface OrderDeps {
  db: Db;
  clock: Clock;
  bus: Bus;
  offers: OfferService;
  shows: ShowService;
  commissions: CommissionService;
  payments: PaymentProvider;
  /** How long a checkout hold keeps the units (default 5 minutes). */
  holdMs?: number;
  /** Order emails (confirmation, shipped, refunded) go out through it; without, none are sent. */
  outbox?: Outbox;
}

export interface PlaceOrderResult {
  order: OrderView;
  replayed: boolean;
}

// Same key + same body → same order. The hash covers a canonical form of the body, with a digest of the card number
// instead of the number itself.
export function requestHash(body: CreateOrderBody): string {
  const payment = body.payment && { method: body.payment.method, card: createHash("sha256").update(body.payment.number.replace(/\s+/g, "")).digest("hex") };
  return createHash("sha256").update(canonicalJson({ ...body, payment })).digest("base64url");
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v && typeof v === "object") {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: string }).code === "23505";
}

export type OrderEventType = "created" | "held" | "paid" | "payment_failed" | "expired" | "cancelled" | "fulfilled" | "delivered" | "refunded";

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
  };
}

/**
 * Checkout for a pinned show offer. Transaction 1 takes the stock with a conditional UPDATE and inserts the order
 * (pending_payment) under a unique idempotency key; the charge runs outside any transaction; transaction 2 marks the
 * order paid and writes the host's commission, or marks it failed and gives the units back.
 */
export class OrderService {
  // Idempotency keys this process has used. With PGlite exactly one process owns the database, so after
  // loadIdempotencyKeys() the set is complete and a key not in it cannot have an order: a sold-out attempt with a
  // fresh key is answered without touching the database. On PostgreSQL (several nodes) it is never trusted alone.
  readonly #keys = new Set<string>();
  #keysComplete = false;

  private readonly db: Db;
  private readonly clock: Clock;
  private readonly bus: Bus;
  private readonly offers: OfferService;
  private readonly shows: ShowService;
  private readonly commissions: CommissionService;
  private readonly payments: PaymentProvider;
  private readonly holdMs: number;
  private readonly outbox: Outbox | null;

  constructor(deps: OrderDeps) {
    this.db = deps.db;
    this.clock = deps.clock;
    this.bus = deps.bus;
    this.offers = deps.offers;
    this.shows = deps.shows;
    this.commissions = deps.commissions;
    this.payments = deps.payments;
    this.holdMs = deps.holdMs ?? DEFAULT_HOLD_MS;
    this.outbox = deps.outbox ?? null;
  }

  /** Call once at start on a single-process database (PGlite) to make the local key set authoritative. */
  async loadIdempotencyKeys(): Promise<number> {
    const rows = await this.db.selectFrom("orders").select("idempotency_key").execute();
    for (const r of rows) this.#keys.add(r.idempotency_key);
    this.#keysComplete = true;
    return rows.length;
  }

  /**
   * Takes the units and creates the order. With `payment` it is charged at once (one-tap buy): paid, or
   * payment_failed with the units back. Without, the order is a hold: the units stay reserved for the buyer until
   * `holdExpiresAt`, and `pay()` confirms it.
   */
  async placeOrder(body: CreateOrderBody, idempotencyKey: string): Promise<PlaceOrderResult> {
    if (!this.#keysComplete || this.#keys.has(idempotencyKey)) {
      const replay = await this.replay(idempotencyKey, requestHash(body), body.payment !== undefined);
      if (replay) return replay;
    }
    // Most attempts in a flash sale end here, without a database round trip.
    if (this.offers.knownShort(body.offerId, body.quantity)) throw AppError.expected("sold_out");
    const hash = requestHash(body);
    // Claimed before the transaction so a concurrent request with the same key goes to the database and finds it.
    const fresh = !this.#keys.has(idempotencyKey);
    this.#keys.add(idempotencyKey);

    const now = this.clock.now();
    const orderId = randomId("ord");
    // A one-tap order holds its units only for the charge; a hold for the checkout timer.
    const holdExpiresAt = new Date(now.getTime() + (body.payment ? PAYMENT_LOCK_MS : this.holdMs));
    let reservation: Reservation;
    try {
      reservation = await this.db.transaction().execute(async (tx) => {
        const r = await this.offers.take(tx, body.offerId, body.quantity);
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
            buyer_name: body.buyer.name,
            buyer_email: body.buyer.email,
            shipping: JSON.stringify(body.shipping),
            status: "pending_payment",
            payment_ref: null,
            idempotency_key: idempotencyKey,
            request_hash: hash,
            hold_expires_at: holdExpiresAt,
            payment_lock_until: body.payment ? holdExpiresAt : null,
            gift: body.gift ? JSON.stringify(body.gift) : null,
            created_at: now,
            updated_at: now,
          })
          .execute();
        await recordOrderEvent(tx, orderId, body.payment ? "created" : "held", now, { quantity: body.quantity, holdExpiresAt: holdExpiresAt.toISOString() });
        return r;
      });
    } catch (err) {
      if (fresh && !isUniqueViolation(err)) this.#keys.delete(idempotencyKey);
      // A concurrent request with the same key won the insert; our stock decrement rolled back with it.
      if (isUniqueViolation(err)) {
        const again = await this.replay(idempotencyKey, hash, body.payment !== undefined);
        if (again) return again;
      }
      throw err;
    }
    await this.offers.publishRemaining(reservation.showId, body.offerId, reservation.remaining);

    const row = {
      id: orderId,
      offer_id: body.offerId,
      show_id: reservation.showId,
      quantity: body.quantity,
      unit_price: reservation.unitPrice,
      total: reservation.unitPrice * body.quantity,
      currency: reservation.currency,
      buyer_name: body.buyer.name,
      buyer_email: body.buyer.email,
      shipping: JSON.stringify(body.shipping),
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
    };
    if (!body.payment) return { order: orderView(row), replayed: false };
    return { order: await this.#charge(row, body.payment.number, idempotencyKey, "one_tap"), replayed: false };
  }

  /** Pays a held order. A declined card keeps the hold (the buyer may try another card until it runs out). */
  async pay(orderId: string, payment: { number: string }): Promise<OrderView> {
    const now = this.clock.now();
    const lockUntil = new Date(now.getTime() + PAYMENT_LOCK_MS);
    // Claim the order for one charge at a time; the lock also keeps the expiry sweeper away during the charge.
    const claimed = await this.db
      .updateTable("orders")
      .set({ payment_lock_until: lockUntil, updated_at: now })
      .where("id", "=", orderId)
      .where("status", "=", "pending_payment")
      .where("hold_expires_at", ">", now)
      .where((eb) => eb.or([eb("payment_lock_until", "is", null), eb("payment_lock_until", "<=", now)]))
      .returningAll()
      .executeTakeFirst();
    if (!claimed) {
      const current = await this.order(orderId);
      if (current.status === "paid") return current; // paying twice is answered with the paid order
      if (current.status === "pending_payment" && current.holdExpiresAt && new Date(current.holdExpiresAt) > now) throw new AppError("idempotency_in_progress", "A payment for this order is in progress.");
      throw new AppError("hold_expired");
    }
    return this.#charge(claimed, payment.number, `${orderId}:${randomId("pay")}`, "hold");
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

  async #charge(row: OrderRow, cardNumber: string, chargeKey: string, mode: "one_tap" | "hold"): Promise<OrderView> {
    const total = Number(row.total);
    const charge = await this.payments
      .charge({ amount: total, currency: row.currency, cardNumber, idempotencyKey: chargeKey, description: `Showcart order ${row.id}` })
      .catch(() => ({ ok: false as const, reason: "card_declined" as const }));

    if (!charge.ok) {
      if (mode === "one_tap") {
        await this.#release(row.id, "payment_failed", { ignoreLock: true });
      } else {
        await this.db.updateTable("orders").set({ payment_lock_until: null, updated_at: this.clock.now() }).where("id", "=", row.id).execute();
      }
      throw new AppError("payment_declined", undefined, { orderId: row.id, reason: charge.reason, holdKept: mode === "hold" });
    }

    const terms = await this.shows.commissionTerms(row.show_id);
    const paidAt = this.clock.now();
    const commission = await this.db.transaction().execute(async (tx) => {
      await tx.updateTable("orders").set({ status: "paid", payment_ref: charge.ref, payment_lock_until: null, updated_at: paidAt }).where("id", "=", row.id).execute();
      await recordOrderEvent(tx, row.id, "paid", paidAt, { amount: total, paymentRef: charge.ref });
      if (this.outbox) await this.outbox.enqueue(tx, "email.send", orderEmail("confirmation", orderView({ ...row, status: "paid" })));
      return this.commissions.recordForOrder(tx, { orderId: row.id, showId: row.show_id, hostAccountId: terms.hostAccountId, total, currency: row.currency, rateBp: terms.rateBp });
    });
    await this.bus.publish("order.paid", { showId: row.show_id, orderId: row.id, offerId: row.offer_id, quantity: row.quantity, total, currency: row.currency, commission });
    return orderView({ ...row, status: "paid", payment_ref: charge.ref, payment_lock_until: null, updated_at: paidAt });
  }

  /** pending_payment → `to`, units back on sale, in one transaction. False if the order was not pending (or locked). */
  async #release(orderId: string, to: "expired" | "cancelled" | "payment_failed", opts: { ignoreLock?: boolean } = {}): Promise<boolean> {
    const now = this.clock.now();
    const res = await this.db.transaction().execute(async (tx) => {
      let q = tx.updateTable("orders").set({ status: to, payment_lock_until: null, updated_at: now }).where("id", "=", orderId).where("status", "=", "pending_payment");
      if (!opts.ignoreLock) q = q.where((eb) => eb.or([eb("payment_lock_until", "is", null), eb("payment_lock_until", "<=", now)]));
      const o = await q.returning(["offer_id", "show_id", "quantity"]).executeTakeFirst();
      if (!o) return null;
      await recordOrderEvent(tx, orderId, to, now, {});
      return { ...o, remaining: await this.offers.giveBack(tx, o.offer_id, o.quantity) };
    });
    if (res) await this.offers.publishRemaining(res.show_id, res.offer_id, res.remaining);
    return res !== null;
  }

  private async replay(idempotencyKey: string, hash: string, oneTap: boolean): Promise<PlaceOrderResult | null> {
    const row = await this.db.selectFrom("orders").selectAll().where("idempotency_key", "=", idempotencyKey).executeTakeFirst();
    if (!row) return null;
    if (row.request_hash !== hash) throw new AppError("idempotency_mismatch");
    if (row.status === "pending_payment" && oneTap) throw new AppError("idempotency_in_progress");
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
      if (this.outbox) {
        await this.outbox.enqueue(tx, "email.send", orderEmail("shipped", view));
        if (view.gift?.notifyEmail) await this.outbox.enqueue(tx, "email.send", orderEmail("gift_notice", view));
      }
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
    const amount = completes ? Number(row.total) - Number(row.refunded_amount) : Number(row.unit_price) * quantity;
    const paid = await this.payments.refund({ ref: row.payment_ref, amount, currency: row.currency, idempotencyKey: refundId });
    if (!paid.ok) throw new AppError("payment_declined", `The refund failed: ${paid.reason}`);
    const now = this.clock.now();
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
      const remaining = restock ? await this.offers.giveBack(tx, row.offer_id, quantity) : null;
      await recordOrderEvent(tx, orderId, "refunded", now, { quantity, amount, restocked: restock, commissionReversed: reversal, refundRef: paid.ref, reason: opts.reason ?? null });
      const view = orderView(updated);
      if (this.outbox) await this.outbox.enqueue(tx, "email.send", orderEmail("refunded", view, { amount }));
      return { view, remaining };
    });
    if (!result) throw new AppError("conflict", "The order changed while refunding; try again.");
    if (result.remaining !== null) await this.offers.publishRemaining(row.show_id, row.offer_id, result.remaining);
    return result.view;
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

  /**
   * Ends holds that ran out: checkout timers the buyer let lapse, and one-tap orders whose process died between taking
   * the stock and recording the charge (their hold is the payment lock, one minute). Units go back on sale.
   */
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
