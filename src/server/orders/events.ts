import type { CreateOrderBody, OrderView } from "../../protocol/api.js";
import type { SharedTx } from "../db/index.js";
import type { EventBatch } from "../outbox/index.js";
import type { OrderRow } from "./store.js";

// The order's transaction, handed to subscribers of other modules: each types it to its own tables.
type Tx = SharedTx;

/** A just-placed order (its row written, before any discount). */
export interface PlacedOrder {
  id: string;
  offerId: string;
  showId: string;
  quantity: number;
  gross: number;
  currency: string;
  accountId: string | null;
  /** The host share-link cookie the order was placed with (commissions attribute it). */
  referral: string | null;
  at: Date;
  /** One line of a bag (the order holds other offers too; `quantity` and `gross` are this line's). */
  bag?: true;
}

/** What `paid` subscribers may report back: the host's commission written for the order (minor units, for `order.paid`). */
export interface PaidFacts {
  commission?: number;
}

/** What `refunding` subscribers may report back: the commission the refund took back (≤ 0, for the refund's history row). */
export interface RefundFacts {
  commissionReversed?: number;
}

export interface OrderRefund {
  /** `orderId:refund:n`, unique per refund of the order. */
  id: string;
  quantity: number;
  amount: number;
  /** Refunded before shipping: the units went back (to the waitlist or on sale). */
  restocked: boolean;
}

/** Units coming back from an order (a released hold, a refund before shipping) while their offer is on sale. */
export interface ReturnedUnits {
  source: OrderRow;
  offerTitle: string;
  quantity: number;
  now: Date;
  /** Makes a claim hold of one unit for a waiting buyer (an order of its own, pending_payment until it expires). */
  hold(to: { email: string; accountId: string | null; idempotencyKey: string; data: Record<string, unknown> }): Promise<{ orderId: string; expiresAt: Date }>;
}

/**
 * What other modules may do inside an order's transactions, by event. Each runs in the transaction of the transition
 * with the outbox batch of its events; a subscriber that throws rolls the whole transition back (so `paid` ones must
 * not fail for a payment already taken). Subscribers run in the order they were registered.
 */
export interface OrderSubscribers {
  /** placeOrder, after the order row is written: may refuse the order (AppError) or take a discount (minor units) off its total. */
  placed: (tx: Tx, order: PlacedOrder, body: CreateOrderBody, events: EventBatch) => Promise<{ discount: number } | undefined>;
  /** pending_payment → paid (before the order.paid event, which carries the sum of the commissions reported). */
  paid: (tx: Tx, order: OrderRow, view: OrderView, events: EventBatch) => Promise<PaidFacts | undefined> | Promise<void>;
  /** paid → fulfilled (shipped). */
  fulfilled: (tx: Tx, order: OrderRow, view: OrderView) => Promise<void>;
  /** A refund, right after the order's refunded figures are updated: before its units go back and its history row is written. */
  refunding: (tx: Tx, order: OrderRow, refund: OrderRefund) => Promise<RefundFacts | undefined> | Promise<void>;
  /** A refund of some or all units, after the units went back. */
  refunded: (tx: Tx, order: OrderRow, view: OrderView, refund: OrderRefund, events: EventBatch) => Promise<void>;
  /** pending_payment → expired, cancelled or payment_failed (`order.status`), before its units go back. */
  released: (tx: Tx, order: OrderRow, events: EventBatch) => Promise<void>;
  /** Units coming back while the offer is on sale: a subscriber may keep some (as claim holds); returns how many. */
  returned: (tx: Tx, units: ReturnedUnits, events: EventBatch) => Promise<number>;
}

export type OrderEventName = keyof OrderSubscribers;

/**
 * A `paid` subscriber's set-wise form, for a confirmation tick of several orders (OrderPayment): the effects the
 * subscriber would have for each order in turn, made with a statement per table for them all where it can; answers
 * each order's facts, in their order.
 */
export type PaidSetWise = (tx: Tx, paid: readonly { order: OrderRow; view: OrderView }[], events: EventBatch) => Promise<readonly (PaidFacts | undefined)[]>;

/** A `placed` subscriber's set-wise form, for a hold tick of several orders (Checkout): answers each order's discount. */
export type PlacedSetWise = (
  tx: Tx,
  placed: readonly { order: PlacedOrder; body: CreateOrderBody }[],
  events: EventBatch,
) => Promise<readonly ({ discount: number } | undefined)[]>;

/** What a module needs to subscribe (OrderService has it). */
export interface OrderSubscriptions {
  on<K extends OrderEventName>(event: K, subscriber: OrderSubscribers[K]): void;
  /** A `paid` subscriber with its set-wise form (used for a tick of several orders; `one` for a single order). */
  onPaid(one: OrderSubscribers["paid"], setWise: PaidSetWise): void;
  /** A `placed` subscriber with its set-wise form (used for a hold tick of several orders; `one` for a single order). */
  onPlaced(one: OrderSubscribers["placed"], setWise: PlacedSetWise): void;
}

/** The one extension point of orders: `orders.on("paid", (tx, order) => …)`. */
export class OrderEvents implements OrderSubscriptions {
  readonly #subs: { [K in OrderEventName]: OrderSubscribers[K][] } = {
    placed: [],
    paid: [],
    fulfilled: [],
    refunding: [],
    refunded: [],
    released: [],
    returned: [],
  };

  /** The set-wise form of each `paid` subscriber, by its place in #subs.paid (null: it has none). */
  readonly #paidSetWise: (PaidSetWise | null)[] = [];

  /** The set-wise form of each `placed` subscriber, by its place in #subs.placed (null: it has none). */
  readonly #placedSetWise: (PlacedSetWise | null)[] = [];

  #sealed = false;

  on<K extends OrderEventName>(event: K, subscriber: OrderSubscribers[K]): void {
    // A late subscriber would miss the orders placed before it and run after the commission (whose figures it could
    // no longer change): every module subscribes in its factory, before the routes serve.
    if (this.#sealed) throw new Error(`orders: a "${event}" subscriber came after the app was ready; subscribe in the module's factory`);
    this.#subs[event].push(subscriber);
    if (event === "paid") this.#paidSetWise.push(null);
    if (event === "placed") this.#placedSetWise.push(null);
  }

  onPlaced(one: OrderSubscribers["placed"], setWise: PlacedSetWise): void {
    this.on("placed", one);
    this.#placedSetWise[this.#placedSetWise.length - 1] = setWise;
  }

  onPaid(one: OrderSubscribers["paid"], setWise: PaidSetWise): void {
    this.on("paid", one);
    this.#paidSetWise[this.#paidSetWise.length - 1] = setWise;
  }

  /** No subscriber may be added any more (the app is ready: orders are being placed). */
  seal(): void {
    this.#sealed = true;
  }

  has(event: OrderEventName): boolean {
    return this.#subs[event].length > 0;
  }

  /** Runs the placed subscribers; returns the sum of their discounts. */
  async placed(tx: Tx, order: PlacedOrder, body: CreateOrderBody, events: EventBatch): Promise<number> {
    let discount = 0;
    for (const s of this.#subs.placed) discount += (await s(tx, order, body, events))?.discount ?? 0;
    return discount;
  }

  /**
   * The placed subscribers for several orders of one hold tick: each subscriber in turn for every order, in the
   * orders' order, set-wise where it has that form; returns each order's discount.
   */
  async placedMany(tx: Tx, placed: readonly { order: PlacedOrder; body: CreateOrderBody }[], events: EventBatch): Promise<number[]> {
    const discount = placed.map(() => 0);
    for (const [k, one] of this.#subs.placed.entries()) {
      const setWise = this.#placedSetWise[k];
      if (setWise) {
        const answers = await setWise(tx, placed, events);
        for (const [i, a] of answers.entries()) discount[i]! += a?.discount ?? 0;
      } else {
        for (const [i, p] of placed.entries()) discount[i]! += (await one(tx, p.order, p.body, events))?.discount ?? 0;
      }
    }
    return discount;
  }

  /** Runs the paid subscribers; returns the sum of the commissions they wrote. */
  async paid(tx: Tx, order: OrderRow, view: OrderView, events: EventBatch): Promise<{ commission: number }> {
    let commission = 0;
    for (const s of this.#subs.paid) commission += (await s(tx, order, view, events))?.commission ?? 0;
    return { commission };
  }

  /**
   * The paid subscribers for several orders of one transaction: each subscriber in turn (in the order they were
   * registered) for every order, in the orders' order, set-wise where it has that form; returns each order's commission.
   */
  async paidMany(tx: Tx, paid: readonly { order: OrderRow; view: OrderView }[], events: EventBatch): Promise<number[]> {
    const commission = paid.map(() => 0);
    for (const [k, one] of this.#subs.paid.entries()) {
      const setWise = this.#paidSetWise[k];
      if (setWise) {
        const facts = await setWise(tx, paid, events);
        for (const [i, f] of facts.entries()) commission[i]! += f?.commission ?? 0;
      } else {
        for (const [i, p] of paid.entries()) commission[i]! += (await one(tx, p.order, p.view, events))?.commission ?? 0;
      }
    }
    return commission;
  }

  async fulfilled(tx: Tx, order: OrderRow, view: OrderView): Promise<void> {
    for (const s of this.#subs.fulfilled) await s(tx, order, view);
  }

  /** Runs the refunding subscribers; returns the sum of the commissions they took back. */
  async refunding(tx: Tx, order: OrderRow, refund: OrderRefund): Promise<{ commissionReversed: number }> {
    let commissionReversed = 0;
    for (const s of this.#subs.refunding) commissionReversed += (await s(tx, order, refund))?.commissionReversed ?? 0;
    return { commissionReversed };
  }

  async refunded(tx: Tx, order: OrderRow, view: OrderView, refund: OrderRefund, events: EventBatch): Promise<void> {
    for (const s of this.#subs.refunded) await s(tx, order, view, refund, events);
  }

  async released(tx: Tx, order: OrderRow, events: EventBatch): Promise<void> {
    for (const s of this.#subs.released) await s(tx, order, events);
  }

  /** Offers the units to the returned subscribers in turn; returns how many are left over (to go back on sale). */
  async returned(tx: Tx, units: ReturnedUnits, events: EventBatch): Promise<number> {
    let left = units.quantity;
    for (const s of this.#subs.returned) {
      if (left <= 0) break;
      left -= await s(tx, left === units.quantity ? units : { ...units, quantity: left }, events);
    }
    return left;
  }
}
