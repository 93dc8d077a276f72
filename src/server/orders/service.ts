import { createHash } from "node:crypto";
import type { CreateOrderBody, OrderView } from "../../protocol/api.js";
import type { CommissionService } from "../commissions/index.js";
import type { Database, Db } from "../db/index.js";
import type { OfferService, Reservation } from "../offers/index.js";
import type { PaymentProvider } from "../payments/index.js";
import type { Bus } from "../platform/bus.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { randomId } from "../platform/ids.js";
import type { ShowService } from "../shows/index.js";

type OrderRow = Omit<Database["orders"], "created_at" | "updated_at"> & { created_at: Date | string; updated_at: Date | string };

export interface PlaceOrderResult {
  order: OrderView;
  replayed: boolean;
}

// Same key + same body → same order. The hash covers a canonical form of the body, with a digest of the card number
// instead of the number itself.
export function requestHash(body: CreateOrderBody): string {
  const card = createHash("sha256").update(body.payment.number.replace(/\s+/g, "")).digest("hex");
  return createHash("sha256").update(canonicalJson({ ...body, payment: { method: body.payment.method, card } })).digest("base64url");
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

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly bus: Bus,
    private readonly offers: OfferService,
    private readonly shows: ShowService,
    private readonly commissions: CommissionService,
    private readonly payments: PaymentProvider,
  ) {}

  /** Call once at start on a single-process database (PGlite) to make the local key set authoritative. */
  async loadIdempotencyKeys(): Promise<number> {
    const rows = await this.db.selectFrom("orders").select("idempotency_key").execute();
    for (const r of rows) this.#keys.add(r.idempotency_key);
    this.#keysComplete = true;
    return rows.length;
  }

  async placeOrder(body: CreateOrderBody, idempotencyKey: string): Promise<PlaceOrderResult> {
    if (!this.#keysComplete || this.#keys.has(idempotencyKey)) {
      const replay = await this.replay(idempotencyKey, requestHash(body));
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
            created_at: now,
            updated_at: now,
          })
          .execute();
        return r;
      });
    } catch (err) {
      if (fresh && !isUniqueViolation(err)) this.#keys.delete(idempotencyKey);
      // A concurrent request with the same key won the insert; our stock decrement rolled back with it.
      if (isUniqueViolation(err)) {
        const again = await this.replay(idempotencyKey, hash);
        if (again) return again;
      }
      throw err;
    }
    await this.offers.publishRemaining(reservation.showId, body.offerId, reservation.remaining);

    const total = reservation.unitPrice * body.quantity;
    const charge = await this.payments
      .charge({ amount: total, currency: reservation.currency, cardNumber: body.payment.number, idempotencyKey, description: `Showcart order ${orderId}` })
      .catch(() => ({ ok: false as const, reason: "card_declined" as const }));

    if (!charge.ok) {
      const remaining = await this.db.transaction().execute(async (tx) => {
        await tx.updateTable("orders").set({ status: "payment_failed", updated_at: this.clock.now() }).where("id", "=", orderId).execute();
        return this.offers.giveBack(tx, body.offerId, body.quantity);
      });
      await this.offers.publishRemaining(reservation.showId, body.offerId, remaining);
      throw new AppError("payment_declined", undefined, { orderId, reason: charge.reason });
    }

    const terms = await this.shows.commissionTerms(reservation.showId);
    const commission = await this.db.transaction().execute(async (tx) => {
      await tx.updateTable("orders").set({ status: "paid", payment_ref: charge.ref, updated_at: this.clock.now() }).where("id", "=", orderId).execute();
      return this.commissions.recordForOrder(tx, { orderId, showId: reservation.showId, hostAccountId: terms.hostAccountId, total, currency: reservation.currency, rateBp: terms.rateBp });
    });
    await this.bus.publish("order.paid", { showId: reservation.showId, orderId, offerId: body.offerId, quantity: body.quantity, total, currency: reservation.currency, commission });
    const order: OrderView = {
      id: orderId,
      status: "paid",
      offerId: body.offerId,
      showId: reservation.showId,
      quantity: body.quantity,
      unitPrice: reservation.unitPrice,
      total,
      currency: reservation.currency,
      buyer: { name: body.buyer.name, email: body.buyer.email },
      shipping: body.shipping,
      createdAt: now.toISOString(),
    };
    return { order, replayed: false };
  }

  private async replay(idempotencyKey: string, hash: string): Promise<PlaceOrderResult | null> {
    const row = await this.db.selectFrom("orders").selectAll().where("idempotency_key", "=", idempotencyKey).executeTakeFirst();
    if (!row) return null;
    if (row.request_hash !== hash) throw new AppError("idempotency_mismatch");
    if (row.status === "pending_payment") throw new AppError("idempotency_in_progress");
    if (row.status === "payment_failed") throw new AppError("payment_declined", undefined, { orderId: row.id, replayed: true });
    return { order: orderView(row), replayed: true };
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
      .select((eb) => [eb.fn.coalesce(eb.fn.sum<number>("quantity"), eb.lit(0)).as("units"), eb.fn.coalesce(eb.fn.sum<number>("total"), eb.lit(0)).as("revenue")])
      .where("show_id", "=", showId)
      .where("status", "=", "paid")
      .executeTakeFirstOrThrow();
    return { unitsSold: Number(row.units), revenue: Number(row.revenue) };
  }

  /**
   * Orders stuck in pending_payment (the process died between taking stock and recording the charge result) are
   * failed and their units returned. The built-in provider charges synchronously, so anything older than `olderThanMs`
   * cannot still be in flight.
   */
  async recoverStalePending(olderThanMs: number): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - olderThanMs);
    const stale = await this.db.selectFrom("orders").select(["id"]).where("status", "=", "pending_payment").where("created_at", "<", cutoff).execute();
    let n = 0;
    for (const { id } of stale) {
      const res = await this.db.transaction().execute(async (tx) => {
        const o = await tx.updateTable("orders").set({ status: "payment_failed", updated_at: this.clock.now() }).where("id", "=", id).where("status", "=", "pending_payment").returning(["offer_id", "show_id", "quantity"]).executeTakeFirst();
        if (!o) return null;
        return { ...o, remaining: await this.offers.giveBack(tx, o.offer_id, o.quantity) };
      });
      if (res) {
        n++;
        await this.offers.publishRemaining(res.show_id, res.offer_id, res.remaining);
      }
    }
    return n;
  }
}
