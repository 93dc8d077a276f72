import { createHash } from "node:crypto";
import { type Transaction, sql } from "kysely";
import type { NextAction, OrderView, PaymentBody } from "../../protocol/api.js";
import { textArrayLiteral } from "../db/array-literal.js";
import type { EventBatch } from "../outbox/index.js";
import type { ChargeResult } from "../payments/index.js";
import { AppError } from "../platform/errors.js";
import type { OrderLifecycle } from "./lifecycle.js";
import type { OrdersTables } from "./schema.js";
import type { OrderContext } from "./service.js";
import type { BusEvents } from "../platform/bus.js";
import { type OrderRow, SETTLED_STATUSES, bagLines, bagsLines, orderRow, orderView, recordOrderEvent, recordOrderEvents } from "./store.js";

/** A card to charge: typed in, or saved with the provider (token). */
export type CardInput = { number: string } | { token: string; fingerprint: string; customer?: string };

/** The body's payment as a card to charge. A provider-side payment method (Stripe) has no fingerprint of ours. */
export function cardInput(p: PaymentBody): CardInput {
  return p.method === "test_card" ? { number: p.number } : { token: p.paymentMethodId, fingerprint: "" };
}

export function defaultCardFingerprint(cardNumber: string): string {
  return createHash("sha256")
    .update(`showcart-card:${cardNumber.replace(/\s+/g, "")}`)
    .digest("base64url");
}

/** A payment attempt's answer: the order, and what the buyer must do when the provider asks for authentication. */
export interface ChargeOutcome {
  order: OrderView;
  nextAction?: NextAction;
}

/**
 * The payment side of an order: asking the provider, and marking the order paid exactly once, whether the charge's
 * answer or the provider's webhook reports it first. Declined one-tap orders are released through the lifecycle.
 */
export class OrderPayment {
  constructor(
    private readonly ctx: OrderContext,
    private readonly lifecycle: OrderLifecycle,
  ) {}

  /**
   * The card's keyed fingerprint for per-buyer limits: from the number, the saved card, or the provider's fingerprint
   * of a payment method (Stripe's card.fingerprint), so a guest cannot pass the limit by changing the email.
   */
  async cardFingerprint(card: CardInput): Promise<string> {
    if ("number" in card) return this.ctx.fingerprint(card.number);
    const { payments } = this.ctx;
    if (card.fingerprint || !payments.cardFingerprint) return card.fingerprint;
    const theirs = await payments.cardFingerprint(card.token);
    return theirs ? this.ctx.fingerprint(`provider:${payments.name}:${theirs}`) : "";
  }

  /** 400 when the configured provider does not take this payment method (a card number only goes to the test provider). */
  assertPaymentMethod(method: PaymentBody["method"]): void {
    const methods: readonly string[] = this.ctx.payments.methods ?? ["test_card"];
    if (!methods.includes(method))
      throw new AppError("invalid_body", `payment.method: this shop takes ${methods.join(", ")}`, [
        { path: "payment.method", message: `one of ${methods.join(", ")}` },
      ]);
  }

  /** Charges a pending order outside any transaction, then records the answer (paid, hold kept, or released). */
  async charge(row: OrderRow, card: CardInput, chargeKey: string, mode: "one_tap" | "hold"): Promise<ChargeOutcome> {
    const { db, clock, payments } = this.ctx;
    const total = Number(row.total);
    // A saved card goes with the provider's customer it is attached to (Stripe charges it only on that customer's intent).
    const source =
      "number" in card ? { cardNumber: card.number } : { cardNumber: "", paymentMethod: card.token, ...(card.customer ? { customer: card.customer } : {}) };
    // A provider that throws told us nothing about the charge: handled like a timeout (hold kept), never as a decline.
    const charge: ChargeResult = await payments
      .charge({
        amount: total,
        currency: row.currency,
        ...source,
        idempotencyKey: chargeKey,
        description: `Showcart order ${row.id}`,
        orderId: row.id,
        ref: row.payment_ref,
      })
      .catch(() => ({ ok: false as const, reason: "pending" as const }));

    if (charge.ok) return { order: await this.#markPaid(row, charge.ref) };
    if (charge.reason === "requires_action") return this.#awaitAction(row, charge.ref, charge.nextAction, mode);
    const now = clock.now();
    if (charge.reason === "pending") {
      // One-tap keeps its lock: its one-minute hold lapses to the sweeper unless the provider's webhook confirms first.
      // A checkout hold frees the lock: paying again is safe, the provider finds the same payment (one intent per order).
      await db
        .updateTable("orders")
        .set({ payment_ref: charge.ref ?? row.payment_ref, ...(mode === "hold" ? { payment_lock_until: null } : {}), updated_at: now })
        .where("id", "=", row.id)
        .where("status", "=", "pending_payment")
        .execute();
      throw new AppError("payment_pending", undefined, { orderId: row.id, holdKept: true });
    }
    if (mode === "one_tap") {
      await this.lifecycle.release(row.id, "payment_failed", { ignoreLock: true });
    } else {
      await db
        .updateTable("orders")
        .set({ payment_lock_until: null, payment_ref: charge.ref ?? row.payment_ref, updated_at: now })
        .where("id", "=", row.id)
        .where("status", "=", "pending_payment")
        .execute();
    }
    throw new AppError("payment_declined", undefined, { orderId: row.id, reason: charge.reason, holdKept: mode === "hold" });
  }

  /** pending_payment → paid, once: the charge's answer and the provider's webhook may both report it. */
  async #markPaid(row: OrderRow, ref: string): Promise<OrderView> {
    const total = Number(row.total);
    const paidAt = this.ctx.clock.now();
    const events = this.ctx.outbox.batch();
    // Confirmations of one show share a transaction (group commit): a flash sale's paid orders come back together.
    const done = await this.ctx.ticks.run<OrderView | null>(`paid:${row.show_id}`, (tx) => this.paidIn(tx, row.id, ref, total, events, paidAt), undefined, {
      run: this.#paidTogether,
      input: { orderId: row.id, ref, total, paidAt },
    });
    if (!done) {
      const current = await orderRow(this.ctx.db, row.id);
      if (current.payment_ref === ref && SETTLED_STATUSES.includes(current.status)) return orderView(current);
      // The hold ended while the payment ran: the buyer gets the money back; the units stay with whoever has them now.
      await this.#refundLatePayment(current, ref);
      throw new AppError("hold_expired", "The reservation ran out before the payment finished; the payment was refunded.", { orderId: row.id, refunded: true });
    }
    await events.publish();
    return done;
  }

  /**
   * pending_payment → paid inside `tx`: the history, the `paid` subscribers (the buyer's confirmation email first,
   * the host's commission last) and the order.paid event with the commission they reported. Null if the order was not pending.
   */
  async paidIn(
    tx: Transaction<OrdersTables>,
    orderId: string,
    ref: string,
    total: number,
    events: EventBatch,
    paidAt = this.ctx.clock.now(),
  ): Promise<OrderView | null> {
    const updated = await this.#markPaidRow(tx, orderId, ref, paidAt);
    if (!updated) return null;
    // A bag's subscribers (the confirmation email, webhooks) see its lines; an order of one offer reads nothing more.
    const view = updated.line_count > 1 ? orderView(updated, await bagLines(tx, orderId)) : orderView(updated);
    await recordOrderEvent(tx, orderId, "paid", paidAt, { amount: total, paymentRef: ref });
    const { commission } = await this.ctx.subscribers.paid(tx, updated, view, events);
    await events.emit(tx, "order.paid", paidEvent(view, total, commission));
    return view;
  }

  /**
   * The confirmations of one show's tick, set-wise (OrderTicks): one UPDATE marks the tick's pending orders paid, the
   * paid subscribers run for them all (each subscriber in turn, set-wise where it can: a commission's tier still sees
   * the orders paid before it and no later one), then the tick's history rows and order.paid events are written with
   * one statement each. Throws (the tick runs again item by item) on any failed statement.
   */
  readonly #paidTogether = async (inputs: unknown[]): Promise<unknown[]> => {
    const paid = inputs as { orderId: string; ref: string; total: number; paidAt: Date }[];
    const events = this.ctx.outbox.batch();
    const results = await this.ctx.db.transaction().execute(async (tx) => {
      const rows = new Map((await this.#markPaidRows(tx, paid)).map((r) => [r.id, r]));
      // The bags' lines (their subscribers see them), one read for the tick's bags.
      const lines = await bagsLines(
        tx,
        [...rows.values()].filter((r) => r.line_count > 1).map((r) => r.id),
      );
      const out: (OrderView | null)[] = [];
      const confirmed: { order: OrderRow; view: OrderView; p: (typeof paid)[number] }[] = [];
      for (const p of paid) {
        const updated = rows.get(p.orderId);
        // The same order twice in a tick (the charge's answer and the provider's webhook): paid by the first.
        rows.delete(p.orderId);
        if (!updated) {
          out.push(null);
          continue;
        }
        const view = updated.line_count > 1 ? orderView(updated, lines.get(p.orderId) ?? []) : orderView(updated);
        confirmed.push({ order: updated, view, p });
        out.push(view);
      }
      const commissions = await this.ctx.subscribers.paidMany(tx, confirmed, events);
      await recordOrderEvents(
        tx,
        confirmed.map(({ p }) => ({ orderId: p.orderId, type: "paid", at: p.paidAt, data: { amount: p.total, paymentRef: p.ref } })),
      );
      await events.emitMany(
        tx,
        "order.paid",
        confirmed.map(({ view, p }, i) => paidEvent(view, p.total, commissions[i]!)),
      );
      return out;
    });
    await events.publish();
    return results;
  };

  /** pending_payment → paid for several orders in one UPDATE, each with its own payment reference and time. */
  async #markPaidRows(tx: Transaction<OrdersTables>, paid: readonly { orderId: string; ref: string; paidAt: Date }[]): Promise<OrderRow[]> {
    if (paid.length === 0) return [];
    // One array literal per column (as insertArrays binds them), not three parameters per order.
    const res = await sql<OrderRow>`
      update orders set status = 'paid', payment_ref = v.ref, payment_lock_until = null, updated_at = v.at
      from unnest(${textArrayLiteral(paid.map((p) => p.orderId))}::text[], ${textArrayLiteral(paid.map((p) => p.ref))}::text[],
        ${textArrayLiteral(paid.map((p) => p.paidAt.toISOString()))}::timestamptz[]) as v(id, ref, at)
      where orders.id = v.id and orders.status = 'pending_payment'
      returning orders.*`.execute(tx);
    return res.rows;
  }

  #markPaidRow(tx: Transaction<OrdersTables>, orderId: string, ref: string, paidAt: Date) {
    return tx
      .updateTable("orders")
      .set({ status: "paid", payment_ref: ref, payment_lock_until: null, updated_at: paidAt })
      .where("id", "=", orderId)
      .where("status", "=", "pending_payment")
      .returningAll()
      .executeTakeFirst();
  }

  /** The buyer must authenticate: the order stays pending with its hold; the provider's reference is kept to resume. */
  async #awaitAction(row: OrderRow, ref: string, nextAction: NextAction, mode: "one_tap" | "hold"): Promise<ChargeOutcome> {
    const now = this.ctx.clock.now();
    // A one-tap order held its units only for the charge; waiting for the buyer's bank makes it a checkout hold.
    const holdUntil = mode === "one_tap" ? new Date(now.getTime() + this.ctx.holdMs) : null;
    const updated = await this.ctx.db.transaction().execute(async (tx) => {
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
    if (!updated) return { order: orderView(await orderRow(this.ctx.db, row.id)) }; // settled meanwhile (webhook), or the hold ended
    return { order: orderView(updated), nextAction };
  }

  async #refundLatePayment(row: OrderRow, ref: string): Promise<void> {
    const amount = Number(row.total);
    const res = await this.ctx.payments.refund({ ref, amount, currency: row.currency, idempotencyKey: `${row.id}:late:${ref}` });
    if (!res.ok) throw new AppError("payment_pending", `Refunding a payment that came too late failed (${res.reason}); it is retried.`, { orderId: row.id });
    const now = this.ctx.clock.now();
    await this.ctx.db
      .transaction()
      .execute((tx) => recordOrderEvent(tx, row.id, "late_payment_refunded", now, { paymentRef: ref, amount, refundRef: res.ref, status: row.status }));
  }

  /**
   * The provider reports a succeeded payment (Stripe webhook `payment_intent.succeeded`): a pending order is paid,
   * once however often it is reported; a payment for an order that ended meanwhile (hold expired, cancelled) is refunded.
   */
  async settleProviderPayment(p: {
    orderId: string;
    ref: string;
    amount: number;
    currency: string;
  }): Promise<"paid" | "already_paid" | "refunded" | "unknown_order" | "amount_mismatch"> {
    const row = await this.ctx.db.selectFrom("orders").selectAll().where("id", "=", p.orderId).executeTakeFirst();
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
    const { db } = this.ctx;
    const row = await db.selectFrom("orders").select(["status"]).where("id", "=", p.orderId).executeTakeFirst();
    if (row?.status !== "pending_payment") return "ignored";
    const events = await db.selectFrom("order_events").select("type").where("order_id", "=", p.orderId).orderBy("seq").execute();
    const oneTap = events[0]?.type === "created" && !events.some((e) => e.type === "payment_action_required");
    if (oneTap && (await this.lifecycle.release(p.orderId, "payment_failed", { ignoreLock: true }))) return "released";
    return "hold_kept";
  }
}

function paidEvent(view: OrderView, total: number, commission: number): BusEvents["order.paid"] {
  return { showId: view.showId, orderId: view.id, offerId: view.offerId, quantity: view.quantity, total, currency: view.currency, commission };
}
