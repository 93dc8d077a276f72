import type { Transaction } from "kysely";
import type { OrderView } from "../../protocol/api.js";
import type { EventBatch } from "../outbox/index.js";
import { AppError } from "../platform/errors.js";
import { randomId } from "../platform/ids.js";
import type { OrdersTables } from "./schema.js";
import type { OrderContext } from "./service.js";
import { NO_ADDRESS, type OrderRow, bagLinesByOffer, insertOrder, orderRow, orderView, recordOrderEvent } from "./store.js";

/**
 * What happens to an order after it was placed: a hold released (expired, cancelled, declined one-tap), shipped,
 * delivered, refunded; and where units that come back go (subscribers of `returned` first, then back on sale).
 */
export class OrderLifecycle {
  constructor(private readonly ctx: OrderContext) {}

  /** pending_payment → `to`, units back on sale, in one transaction. False if the order was not pending (or locked). */
  async release(orderId: string, to: "expired" | "cancelled" | "payment_failed", opts: { ignoreLock?: boolean } = {}): Promise<boolean> {
    const { db, clock, outbox, payments } = this.ctx;
    const now = clock.now();
    const events = outbox.batch();
    const res = await db.transaction().execute(async (tx) => {
      let q = tx
        .updateTable("orders")
        .set({ status: to, payment_lock_until: null, updated_at: now })
        .where("id", "=", orderId)
        .where("status", "=", "pending_payment");
      if (!opts.ignoreLock) q = q.where((eb) => eb.or([eb("payment_lock_until", "is", null), eb("payment_lock_until", "<=", now)]));
      const o = await q.returningAll().executeTakeFirst();
      if (!o) return null;
      await recordOrderEvent(tx, orderId, to, now, {});
      await this.ctx.subscribers.released(tx, o, events);
      await this.#restockOrder(tx, o, now, events);
      return o;
    });
    await events.publish();
    // A payment still open with the provider (3-D Secure not finished) is given up, so it cannot succeed afterwards.
    if (res?.payment_ref && payments.cancel) void payments.cancel({ ref: res.payment_ref, idempotencyKey: `${orderId}:cancel` }).catch(() => {});
    return res !== null;
  }

  /** Every unit of the order back: an order of one offer its quantity, a bag each line's (the waitlist sees each line's offer). */
  async #restockOrder(tx: Transaction<OrdersTables>, order: OrderRow, now: Date, events: EventBatch): Promise<void> {
    if (order.line_count === 1) return this.#restock(tx, order, order.quantity - order.refunded_quantity, now, events);
    // In offer-id order (byte order), the order every multi-offer writer locks offers in: a release taking a bag's
    // offers in line order could deadlock with a tick of bags (inventory.lockOffers) on PostgreSQL.
    for (const l of await bagLinesByOffer(tx, order.id)) {
      const line: OrderRow = {
        ...order,
        offer_id: l.offer_id,
        quantity: l.quantity,
        unit_price: l.unit_price,
        vat_rate_bp: l.vat_rate_bp,
        total: l.unit_price * l.quantity,
      };
      await this.#restock(tx, line, l.quantity, now, events);
    }
  }

  /**
   * Units coming back from `source` (a released hold or a refund before shipping): while the offer is on sale they go
   * to the `returned` subscribers first (the waitlist: one unit per waiting buyer in order, as a new hold of `claimMs`
   * for them) — the units move from one reservation to the next, so sold + held + available = quantity holds
   * throughout. What nobody keeps goes back on sale.
   */
  async #restock(tx: Transaction<OrdersTables>, source: OrderRow, quantity: number, now: Date, events: EventBatch): Promise<void> {
    let left = quantity;
    const { offers, inventory, subscribers, claimMs } = this.ctx;
    if (subscribers.has("returned")) {
      const offer = await offers.row(source.offer_id, tx);
      const onSale = !offer.closed_at && new Date(offer.ends_at) > now;
      if (onSale) {
        const hold = async (to: { email: string; accountId: string | null; idempotencyKey: string; data: Record<string, unknown> }) => {
          const orderId = randomId("ord");
          const expiresAt = new Date(now.getTime() + claimMs);
          await insertOrder(tx, {
            id: orderId,
            offerId: source.offer_id,
            showId: source.show_id,
            quantity: 1,
            unitPrice: source.unit_price,
            total: source.unit_price,
            currency: source.currency,
            vatRateBp: source.vat_rate_bp,
            buyer: { name: "", email: to.email },
            shipping: JSON.stringify(NO_ADDRESS),
            idempotencyKey: to.idempotencyKey,
            requestHash: "",
            holdExpiresAt: expiresAt,
            paymentLockUntil: null,
            gift: null,
            at: now,
            accountId: to.accountId,
            cardFingerprint: null,
            clientKey: null,
          });
          await recordOrderEvent(tx, orderId, "held", now, { quantity: 1, holdExpiresAt: expiresAt.toISOString(), ...to.data, from: source.id });
          return { orderId, expiresAt };
        };
        left = await subscribers.returned(tx, { source, offerTitle: offer.title, quantity, now, hold }, events);
      }
    }
    if (left > 0) await inventory.release(tx, { kind: "offer", offerId: source.offer_id }, left, events);
  }

  /** The buyer abandons a held order: the units go back on sale at once. */
  async cancel(orderId: string): Promise<OrderView> {
    const released = await this.release(orderId, "cancelled");
    if (!released) {
      const current = orderView(await orderRow(this.ctx.db, orderId));
      if (current.status === "cancelled") return current;
      throw new AppError("conflict", `The order is ${current.status}; only a held order can be cancelled.`);
    }
    return orderView(await orderRow(this.ctx.db, orderId));
  }

  /** paid → fulfilled with carrier and tracking; the buyer (and a gift's recipient, if asked) are told by email (a subscriber). */
  async fulfil(orderId: string, shipment: { carrier: string; trackingNumber: string }): Promise<OrderView> {
    const { db, clock } = this.ctx;
    const now = clock.now();
    const order = await db.transaction().execute(async (tx) => {
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
      await this.ctx.subscribers.fulfilled(tx, row, view);
      return view;
    });
    if (order) return order;
    const current = orderView(await orderRow(db, orderId));
    throw new AppError("conflict", `The order is ${current.status}; only a paid order can be fulfilled.`);
  }

  /** fulfilled → delivered. */
  async deliver(orderId: string): Promise<OrderView> {
    const { db, clock } = this.ctx;
    const now = clock.now();
    const order = await db.transaction().execute(async (tx) => {
      const row = await tx
        .updateTable("orders")
        .set({ status: "delivered", updated_at: now })
        .where("id", "=", orderId)
        .where("status", "=", "fulfilled")
        .returningAll()
        .executeTakeFirst();
      if (!row) return null;
      await recordOrderEvent(tx, orderId, "delivered", now, {});
      return orderView(row);
    });
    if (order) return order;
    const current = orderView(await orderRow(db, orderId));
    throw new AppError("conflict", `The order is ${current.status}; only a shipped order can be delivered.`);
  }

  /**
   * Refunds `quantity` units (default: all not yet refunded) of a paid, shipped or delivered order. Before shipping
   * the units go back on sale. The `refunding` subscribers (the host's commission reversed) run in the same transaction
   * before the units go back, the `refunded` ones (the buyer's email first) after; the order becomes
   * `refunded` once every unit is. The provider refund runs first, under an idempotency key per refund.
   */
  async refund(orderId: string, opts: { quantity?: number; reason?: string } = {}): Promise<OrderView> {
    const { db, clock, outbox, payments, subscribers } = this.ctx;
    const row = await orderRow(db, orderId);
    if (!["paid", "fulfilled", "delivered"].includes(row.status) || !row.payment_ref)
      throw new AppError("conflict", `The order is ${row.status}; it cannot be refunded.`);
    const open = row.quantity - row.refunded_quantity;
    const quantity = opts.quantity ?? open;
    if (quantity > open) throw new AppError("invalid_body", `quantity: only ${open} unit(s) left to refund`);
    // Which units a partial refund of a bag would mean is not said by a number: a bag is refunded whole.
    if (row.line_count > 1 && quantity !== open) throw new AppError("invalid_body", `quantity: a bag is refunded whole (${open} units)`);
    const refundNo = row.refunded_quantity; // refunds of one order are numbered by the units already refunded
    const refundId = `${orderId}:refund:${refundNo}`;
    const completes = quantity === open;
    // The last refund takes what is left, so partial refunds never add up to more or less than the total.
    const amount = completes ? Number(row.total) - Number(row.refunded_amount) : Math.floor((Number(row.total) * quantity) / row.quantity); // pro rata: a discount is shared by the units
    const paid = await payments.refund({ ref: row.payment_ref, amount, currency: row.currency, idempotencyKey: refundId });
    if (!paid.ok) throw new AppError("payment_declined", `The refund failed: ${paid.reason}`);
    const now = clock.now();
    const events = outbox.batch();
    const result = await db.transaction().execute(async (tx) => {
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
      const restock = row.status === "paid";
      const refund = { id: refundId, quantity, amount, restocked: restock };
      // The reversed commission goes into the refund's history row.
      const { commissionReversed } = await subscribers.refunding(tx, updated, refund);
      if (restock) await (row.line_count > 1 ? this.#restockOrder(tx, row, now, events) : this.#restock(tx, row, quantity, now, events));
      await recordOrderEvent(tx, orderId, "refunded", now, {
        quantity,
        amount,
        restocked: restock,
        commissionReversed,
        refundRef: paid.ref,
        reason: opts.reason ?? null,
      });
      const view = orderView(updated);
      await subscribers.refunded(tx, updated, view, refund, events);
      return view;
    });
    if (!result) throw new AppError("conflict", "The order changed while refunding; try again.");
    await events.publish();
    return result;
  }

  /**
   * Ends holds that ran out: checkout timers the buyer let lapse, and one-tap orders whose process died between taking
   * the stock and recording the charge (their hold is the payment lock, one minute). Units go back on sale.
   */
  async expireHolds(): Promise<number> {
    const now = this.ctx.clock.now();
    const due = await this.ctx.db
      .selectFrom("orders")
      .select("id")
      .where("status", "=", "pending_payment")
      .where("hold_expires_at", "<=", now)
      .where((eb) => eb.or([eb("payment_lock_until", "is", null), eb("payment_lock_until", "<=", now)]))
      .limit(500)
      .execute();
    let n = 0;
    for (const { id } of due) if (await this.release(id, "expired")) n++;
    return n;
  }
}
