import type { Transaction } from "kysely";
import type { CreateOrderBody, NextAction, OrderView, PayOrderBody } from "../../protocol/api.js";
import { isUniqueViolation, scoped } from "../db/index.js";
import { AppError } from "../platform/errors.js";
import { randomId } from "../platform/ids.js";
import type { Reservation } from "../inventory/index.js";
import { requestHash } from "./idempotency.js";
import { type CardInput, type ChargeOutcome, type OrderPayment, cardInput } from "./payment.js";
import type { OrdersReads, OrdersTables } from "./schema.js";
import { PAYMENT_LOCK_MS, type PlaceRequest, attemptPlace } from "./placing.js";
import type { OrderContext } from "./service.js";
import type { PlacedOrder } from "./events.js";
import {
  type BuyerKeys,
  NO_ADDRESS,
  type NewOrder,
  bagLinesByOffer,
  buyerUnits,
  insertOrder,
  insertOrders,
  newOrderRow,
  orderRow,
  orderView,
  recordOrderEvent,
  recordOrderEvents,
} from "./store.js";

/** Who is buying, beyond the body: the signed-in account and, for one-tap with saved details, the saved card. */
export interface BuyerContext {
  accountId?: string | null;
  /** The host share-link cookie (`sc_ref`), if any: commissions attribute the order with it. */
  referral?: string | null;
  savedCard?: { token: string; fingerprint: string };
  /** Keyed hash of the placing client (its device id, else its address): who an anonymous hold belongs to. */
  clientKey?: string | null;
}

export interface PlaceOrderResult {
  order: OrderView;
  replayed: boolean;
  /** The payment needs the buyer (3-D Secure): the order stays pending_payment with its hold. */
  nextAction?: NextAction;
}

/**
 * Per-buyer limit, inside the transaction that takes or pays: the buyer's units of this offer over held and bought
 * orders (matched by account, email or card fingerprint), minus refunds. Callers hold the offer's row lock (the reservation's
 * UPDATE, or FOR UPDATE), so concurrent buys by one buyer are counted one after the other.
 */
export async function checkLimit(
  tx: Transaction<OrdersTables>,
  offerId: string,
  limit: number | null,
  quantity: number,
  who: BuyerKeys,
  excludeOrderId?: string,
  /** Units of this buyer taken earlier in the same set-wise tick, not yet written. */
  alsoTaken = 0,
): Promise<void> {
  if (limit === null) return;
  if (quantity > limit) throw AppError.expected("limit_exceeded", `At most ${limit} per buyer.`, { limit, already: 0 });
  const email = who.email?.trim().toLowerCase() || null;
  // A hold without buyer details still has its client (device, else address), so one client cannot hold it all.
  if (!who.accountId && !email && !who.fingerprint && !who.clientKey) return;
  const already = (await buyerUnits(tx, offerId, { ...who, email }, excludeOrderId)) + alsoTaken;
  if (already + quantity > limit) throw AppError.expected("limit_exceeded", `At most ${limit} per buyer; you have ${already}.`, { limit, already });
}

/**
 * Checkout for a pinned show offer. Transaction 1 takes the stock with a conditional UPDATE and inserts the order
 * (pending_payment) under a unique idempotency key; the charge runs outside any transaction; transaction 2 marks the
 * order paid and writes the host's commission, or marks it failed and gives the units back. The same for every provider.
 */
export class Checkout {
  constructor(
    private readonly ctx: OrderContext,
    private readonly payment: OrderPayment,
  ) {}

  /**
   * Whether an attempt on this offer would be answered sold_out before anything else of it is looked at: the stock
   * hint says too few units are left and the key was never used here (a retry of an earlier attempt must replay it).
   */
  knownSoldOut(offerId: string, quantity: number, idempotencyKey: string): boolean {
    return !this.ctx.keys.mayExist(idempotencyKey) && this.ctx.inventory.knownShort(offerId, quantity);
  }

  /**
   * Takes the units and creates the order. With `payment` it is charged at once (one-tap buy): paid, or
   * payment_failed with the units back. Without, the order is a hold: the units stay reserved for the buyer until
   * `holdExpiresAt`, and `pay()` confirms it.
   */
  async placeOrder(body: CreateOrderBody, idempotencyKey: string, ctx: BuyerContext = {}): Promise<PlaceOrderResult> {
    const { keys, inventory } = this.ctx;
    const accountId = ctx.accountId ?? null;
    // One-tap: a typed card, or the signed-in buyer's saved one.
    if (body.payment) this.payment.assertPaymentMethod(body.payment.method);
    const card: CardInput | null = body.payment ? cardInput(body.payment) : (ctx.savedCard ?? null);
    if (card && (!body.buyer || !body.shipping)) throw new AppError("invalid_body", "buyer and shipping are required to pay");
    if (keys.mayExist(idempotencyKey)) {
      const replay = await keys.replay(idempotencyKey, requestHash(body, accountId), card !== null);
      // A one-tap order still waiting for 3-D Secure: the same request continues it (next action again, or paid).
      if (replay && card && replay.order.status === "pending_payment") return { ...(await this.payWithOutcome(replay.order.id, card)), replayed: true };
      if (replay) return replay;
    }
    // Most attempts in a flash sale end here, without a database round trip.
    if (inventory.knownShort(body.offerId, body.quantity)) throw AppError.expected("sold_out");
    const req: PlaceRequest<CreateOrderBody> = {
      body,
      idempotencyKey,
      ctx,
      accountId,
      card,
      hash: requestHash(body, accountId),
      fingerprint: card ? await this.payment.cardFingerprint(card) : null,
      buyer: body.buyer ?? { name: "", email: "" },
      shipping: JSON.stringify(body.shipping ?? NO_ADDRESS),
    };
    return this.#attempt(req);
  }

  /** Placing: the hold's transaction (what this checkout reserves and inserts), then the charge and its confirmation. */
  #attempt(req: PlaceRequest<CreateOrderBody>): Promise<PlaceOrderResult> {
    const { inventory } = this.ctx;
    const { body } = req;
    return attemptPlace(
      this.ctx,
      this.payment,
      req,
      async (tx, events, hold) => {
        // Requests queued behind the one that sold the last unit learn it here, before any statement of theirs runs.
        if (inventory.knownShort(body.offerId, body.quantity)) throw AppError.expected("sold_out");
        const r = await inventory.reserve(tx, { kind: "offer", offerId: body.offerId }, body.quantity, events);
        // The reservation's UPDATE holds the offer's row lock until commit: a concurrent order of the same buyer waits here.
        await checkLimit(tx, body.offerId, r.perBuyerLimit, body.quantity, buyerKeys(req));
        const o = newOrderFor(req, r, hold);
        await insertOrder(tx, o);
        await recordOrderEvent(tx, o.id, req.card ? "created" : "held", hold.now, { quantity: body.quantity, holdExpiresAt: hold.holdExpiresAt.toISOString() });
        const discount = await this.ctx.subscribers.placed(tx, placedOrder(req, o), body, events);
        if (discount > 0) {
          o.total = o.total - discount;
          await tx.updateTable("orders").set({ total: o.total }).where("id", "=", o.id).execute();
        }
        return o;
      },
      (row) => orderView(row),
      // Attempts queued behind the tick that sold the last unit are answered without a statement of theirs.
      {
        key: `offer:${body.offerId}`,
        check: () => {
          if (inventory.knownShort(body.offerId, body.quantity)) throw AppError.expected("sold_out");
        },
        together: (hold) => ({ run: this.#holdTogether, input: { req, ...hold } }),
      },
    );
  }

  /**
   * The holds of one offer's tick, set-wise (OrderTicks): one stock UPDATE for all their units, the per-buyer limits
   * (each attempt counted with the tick's earlier ones of the same buyer, as if they had run one after the other), one
   * INSERT of the orders, one of their history rows, one offer.updated; the placed subscribers then run per order.
   * Throws (and the tick runs again item by item) when the units are not there for all, or on any failed statement.
   */
  readonly #holdTogether = async (inputs: unknown[]): Promise<unknown[]> => {
    const holds = inputs as HoldInput[];
    const { db, inventory, outbox, subscribers } = this.ctx;
    const offerId = holds[0]!.req.body.offerId;
    const events = outbox.batch();
    const results = await db.transaction().execute(async (tx) => {
      const units = holds.reduce((sum, h) => sum + h.req.body.quantity, 0);
      // The last units of a sale: the tick wants more than are left. Item by item, each hold in turn would take its
      // units while they last and the others would be refused sold_out; the same, decided here with one UPDATE.
      let short: (AppError | null)[] | null = null;
      let r: Reservation;
      try {
        r = await inventory.reserve(tx, { kind: "offer", offerId }, units, events);
      } catch (err) {
        const left = soldOutLeft(err);
        if (left === null) throw err;
        short = [];
        let take = 0;
        for (const h of holds) {
          const quantity = h.req.body.quantity;
          const still = left - take;
          if (quantity <= still) take += quantity;
          short.push(quantity <= still ? null : AppError.expected("sold_out", still === 0 ? "Sold out." : `Only ${still} left.`, { remaining: still }));
        }
        if (take === 0) return short as AppError[];
        r = await inventory.reserve(tx, { kind: "offer", offerId }, take, events);
      }
      const out: (NewOrder | Error)[] = [];
      const taken: { keys: BuyerKeys; quantity: number }[] = [];
      let refused = 0;
      for (const [i, h] of holds.entries()) {
        const cut = short?.[i];
        if (cut) {
          out.push(cut);
          continue;
        }
        const keys = buyerKeys(h.req);
        const quantity = h.req.body.quantity;
        try {
          // Without a limit nothing is counted (comparing each hold with every earlier one is quadratic in the tick).
          const earlier = r.perBuyerLimit === null ? 0 : taken.filter((t) => sameBuyer(t.keys, keys)).reduce((sum, t) => sum + t.quantity, 0);
          await checkLimit(tx, offerId, r.perBuyerLimit, quantity, keys, undefined, earlier);
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          refused += quantity;
          out.push(err);
          continue;
        }
        taken.push({ keys, quantity });
        out.push(newOrderFor(h.req, r, h));
      }
      // Units a buyer's limit refused would go to a hold cut off above, item by item: that tick runs item by item.
      if (refused > 0 && short?.some(Boolean)) throw new Error("the last units and a per-buyer limit in one tick");
      if (refused > 0) await inventory.release(tx, { kind: "offer", offerId }, refused, events);
      const placed = holds.flatMap((h, i) => (out[i] instanceof Error ? [] : [{ h, o: out[i] as NewOrder }]));
      await insertOrders(
        tx,
        placed.map((p) => p.o),
      );
      await recordOrderEvents(
        tx,
        placed.map(({ h, o }) => ({
          orderId: o.id,
          type: h.req.card ? "created" : "held",
          at: h.now,
          data: { quantity: o.quantity, holdExpiresAt: h.holdExpiresAt.toISOString() },
        })),
      );
      const discounts = await subscribers.placedMany(
        tx,
        placed.map(({ h, o }) => ({ order: placedOrder(h.req, o), body: h.req.body })),
        events,
      );
      for (const [i, { o }] of placed.entries()) {
        const discount = discounts[i]!;
        if (discount > 0) {
          o.total = o.total - discount;
          await tx.updateTable("orders").set({ total: o.total }).where("id", "=", o.id).execute();
        }
      }
      return out;
    });
    await events.publish();
    return results;
  };

  /** pay(), with the provider's next action when the buyer has to authenticate (3-D Secure). */
  async payWithOutcome(orderId: string, payment: CardInput, details: Pick<PayOrderBody, "buyer" | "shipping" | "gift"> = {}): Promise<ChargeOutcome> {
    const { db, clock } = this.ctx;
    if ("number" in payment) this.payment.assertPaymentMethod("test_card");
    const now = clock.now();
    const lockUntil = new Date(now.getTime() + PAYMENT_LOCK_MS);
    const fingerprint = await this.payment.cardFingerprint(payment);
    // Claim the order for one charge at a time; the lock also keeps the expiry sweeper away during the charge.
    const claimed = await db.transaction().execute(async (tx) => {
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
      // A bag is checked line by line, its offers locked in the order its placing took them (offer id).
      const lines = row.line_count > 1 ? await bagLinesByOffer(tx, row.id) : [row];
      for (const line of lines) {
        // A declared read (OrdersReads): the offer's row lock orders one buyer's concurrent payments.
        const offer = await scoped<OrdersReads>(tx)
          .selectFrom("offers")
          .select("per_buyer_limit")
          .where("id", "=", line.offer_id)
          .forUpdate()
          .executeTakeFirstOrThrow();
        await checkLimit(
          tx,
          line.offer_id,
          offer.per_buyer_limit,
          line.quantity,
          { accountId: row.account_id, email: row.buyer_email, fingerprint, clientKey: row.client_key },
          row.id,
        );
      }
      return row;
    });
    if (!claimed) {
      const current = orderView(await orderRow(db, orderId));
      if (current.status === "paid") return { order: current }; // paying twice is answered with the paid order
      if (current.status === "pending_payment" && current.holdExpiresAt && new Date(current.holdExpiresAt) > now)
        throw new AppError("idempotency_in_progress", "A payment for this order is in progress.");
      throw new AppError("hold_expired");
    }
    return this.payment.charge(claimed, payment, `${orderId}:${randomId("pay")}`, "hold");
  }

  /**
   * Auctions: a checkout hold for an auction's winner (or the next bidder after a lapse) at the awarded price, on the
   * auction's closed offer of one unit. The unit is taken the way a release returns it for a closed offer (from the
   * variant's stock, or the offer's `remaining`, with offer.updated), so expiry, cancel and refunds work unchanged.
   * Paid with pay().
   */
  async placeAwardedOrder(input: {
    offerId: string;
    unitPrice: number;
    accountId: string;
    buyer: { name: string; email: string };
    holdMs: number;
    idempotencyKey: string;
    data: Record<string, unknown>;
  }): Promise<OrderView> {
    const { db, clock, offers, inventory, outbox, keys } = this.ctx;
    const now = clock.now();
    const orderId = randomId("ord");
    const holdExpiresAt = new Date(now.getTime() + input.holdMs);
    const events = outbox.batch();
    try {
      const row = await db.transaction().execute(async (tx) => {
        const offer = await offers.row(input.offerId, tx);
        await inventory.reserve(tx, { kind: "award", offerId: offer.id }, 1, events);
        const o: NewOrder = {
          id: orderId,
          offerId: offer.id,
          showId: offer.show_id,
          quantity: 1,
          unitPrice: input.unitPrice,
          total: input.unitPrice,
          currency: offer.currency,
          vatRateBp: offer.vat_rate_bp,
          buyer: input.buyer,
          shipping: JSON.stringify(NO_ADDRESS),
          idempotencyKey: input.idempotencyKey,
          requestHash: "",
          holdExpiresAt,
          paymentLockUntil: null,
          gift: null,
          at: now,
          accountId: input.accountId,
          cardFingerprint: null,
          clientKey: null,
        };
        await insertOrder(tx, o);
        await recordOrderEvent(tx, orderId, "held", now, { quantity: 1, holdExpiresAt: holdExpiresAt.toISOString(), ...input.data });
        return newOrderRow(o);
      });
      keys.claim(input.idempotencyKey);
      await events.publish();
      return orderView(row);
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // Awarded before (a sweeper retried after a crash): the same award, once.
      const existing = await db.selectFrom("orders").selectAll().where("idempotency_key", "=", input.idempotencyKey).executeTakeFirstOrThrow();
      return orderView(existing);
    }
  }
}

/** How many units were left when a reservation was refused sold_out (its details), else null (any other refusal). */
function soldOutLeft(err: unknown): number | null {
  if (!(err instanceof AppError) || err.code !== "sold_out") return null;
  const left = (err.details as { remaining?: unknown } | undefined)?.remaining;
  return typeof left === "number" && left >= 0 ? left : null;
}

/** A hold of a set-wise tick: the request and its times (placing's). */
interface HoldInput {
  req: PlaceRequest<CreateOrderBody>;
  now: Date;
  holdExpiresAt: Date;
}

export function buyerKeys(req: PlaceRequest<unknown>): BuyerKeys {
  return { accountId: req.accountId, email: req.buyer.email, fingerprint: req.fingerprint, clientKey: req.ctx.clientKey };
}

/** Whether buyerUnits would count an order placed with keys `a` for a buyer with keys `b` (any key in common). */
export function sameBuyer(a: BuyerKeys, b: BuyerKeys): boolean {
  const email = (k: BuyerKeys) => k.email?.trim().toLowerCase() || null;
  return (
    (!!b.accountId && a.accountId === b.accountId) ||
    (!!email(b) && email(a) === email(b)) ||
    (!!b.fingerprint && a.fingerprint === b.fingerprint) ||
    (!!b.clientKey && a.clientKey === b.clientKey)
  );
}

/** The order a one-offer request makes from its reservation, before any discount. */
function newOrderFor(req: PlaceRequest<CreateOrderBody>, r: Reservation, hold: { now: Date; holdExpiresAt: Date }): NewOrder {
  const { body } = req;
  const gross = r.unitPrice * body.quantity;
  return {
    id: randomId("ord"),
    offerId: body.offerId,
    showId: r.showId,
    quantity: body.quantity,
    unitPrice: r.unitPrice,
    total: gross,
    currency: r.currency,
    vatRateBp: r.vatRateBp,
    buyer: req.buyer,
    shipping: req.shipping,
    idempotencyKey: req.idempotencyKey,
    requestHash: req.hash,
    holdExpiresAt: hold.holdExpiresAt,
    paymentLockUntil: req.card ? hold.holdExpiresAt : null,
    gift: body.gift ? JSON.stringify(body.gift) : null,
    at: hold.now,
    accountId: req.accountId,
    cardFingerprint: req.fingerprint || null,
    clientKey: req.ctx.clientKey ?? null,
    lang: body.lang,
  };
}

function placedOrder(req: PlaceRequest<CreateOrderBody>, o: NewOrder): PlacedOrder {
  return {
    id: o.id,
    offerId: o.offerId,
    showId: o.showId,
    quantity: o.quantity,
    gross: o.unitPrice * o.quantity,
    currency: o.currency,
    accountId: req.accountId,
    referral: req.ctx.referral ?? null,
    at: o.at,
  };
}
