import type { CreateBagOrderBody, CreateOrderBody, OrderView, PayOrderBody } from "../../protocol/api.js";
import { anyText } from "../db/array-literal.js";
import { type Db, scoped } from "../db/index.js";
import type { Inventory } from "../inventory/index.js";
import type { OfferService } from "../offers/index.js";
import type { Outbox } from "../outbox/index.js";
import type { PaymentProvider } from "../payments/index.js";
import type { Clock } from "../platform/clock.js";
import { BagCheckout } from "./bag.js";
import { sendBuyerEmails } from "./buyer-emails.js";
import { type BuyerContext, Checkout, type PlaceOrderResult } from "./checkout.js";
import { OrderEvents, type OrderEventName, type OrderSubscribers, type PaidSetWise, type PlacedSetWise } from "./events.js";
import { IdempotencyKeys } from "./idempotency.js";
import { OrderLifecycle } from "./lifecycle.js";
import { OrderTicks } from "./ticks.js";
import { type CardInput, type ChargeOutcome, OrderPayment, defaultCardFingerprint } from "./payment.js";
import {
  type OrdersDb,
  type ShowSalesSummary,
  hasPaidOrder,
  listOrders,
  orderHistory,
  orderRow,
  orderView,
  salesByShow,
  showSales,
  withLines,
} from "./store.js";

export { cardInput, defaultCardFingerprint, type CardInput, type ChargeOutcome } from "./payment.js";
export type { BuyerContext, PlaceOrderResult } from "./checkout.js";

export const DEFAULT_HOLD_MS = 5 * 60_000;
export const DEFAULT_CLAIM_MS = 2 * 60_000;

export interface OrderDeps {
  db: Db;
  clock: Clock;
  offers: OfferService;
  payments: PaymentProvider;
  /** How long a checkout hold keeps the units (default 5 minutes). */
  holdMs?: number;
  /** Emails and domain events (offer.updated, order.paid…) leave only through it. */
  outbox: Outbox;
  /** Where orders reserve and release stock (default: the offers' inventory, the one writer of stock). */
  inventory?: Inventory;
  /** Keyed hash of a card number for per-buyer limits (the server salts it with its secret); never the number. */
  cardFingerprint?: (cardNumber: string) => string;
  /** How long a waitlisted buyer has to claim released units (default 2 minutes). */
  claimMs?: number;
  /** The buyer's order page (with its access token) for the links in order emails. */
  orderUrl?: (orderId: string) => string;
}

/** What the parts of the orders module share: the dependencies, resolved, plus the subscribers and the key set. */
export interface OrderContext {
  /** The orders module's own tables (a foreign read is declared in OrdersReads and typed where it is made). */
  db: OrdersDb;
  clock: Clock;
  offers: OfferService;
  inventory: Inventory;
  payments: PaymentProvider;
  outbox: Outbox;
  holdMs: number;
  claimMs: number;
  fingerprint: (cardNumber: string) => string;
  orderUrl: (orderId: string) => string | undefined;
  subscribers: OrderEvents;
  keys: IdempotencyKeys;
  /** Group commit of holds (per offer) and confirmations (per show). */
  ticks: OrderTicks;
}

/**
 * The orders module's door: checkout (placing, paying holds, auction awards), payment (provider answers, paid once),
 * lifecycle (release, ship, refund, expiry), idempotency and the store, behind one object. Other modules extend orders
 * only through `on(event, subscriber)`, inside the order's own transactions.
 */
export class OrderService {
  readonly #ctx: OrderContext;
  readonly #checkout: Checkout;
  // One for the service: its set-wise form is how OrderTicks knows a tick's bags can be decided together.
  readonly #bags: BagCheckout;
  readonly #payment: OrderPayment;
  readonly #lifecycle: OrderLifecycle;

  constructor(deps: OrderDeps) {
    this.#ctx = {
      db: scoped(deps.db),
      clock: deps.clock,
      offers: deps.offers,
      inventory: deps.inventory ?? deps.offers.inventory,
      payments: deps.payments,
      outbox: deps.outbox,
      holdMs: deps.holdMs ?? DEFAULT_HOLD_MS,
      claimMs: deps.claimMs ?? DEFAULT_CLAIM_MS,
      fingerprint: deps.cardFingerprint ?? defaultCardFingerprint,
      orderUrl: deps.orderUrl ?? (() => undefined),
      subscribers: new OrderEvents(),
      keys: new IdempotencyKeys(scoped(deps.db), deps.clock),
      ticks: new OrderTicks(scoped(deps.db)),
    };
    this.#lifecycle = new OrderLifecycle(this.#ctx);
    this.#payment = new OrderPayment(this.#ctx, this.#lifecycle);
    this.#checkout = new Checkout(this.#ctx, this.#payment);
    this.#bags = new BagCheckout(this.#ctx, this.#payment, this.#checkout);
    // The buyer's emails are the first subscriber of every event they follow: enqueued before any other module's effects.
    sendBuyerEmails(this, this.#ctx.outbox, this.#ctx.orderUrl);
  }

  /** Subscribes to an order event, run inside the transition's transaction (see OrderSubscribers). */
  on<K extends OrderEventName>(event: K, subscriber: OrderSubscribers[K]): void {
    this.#ctx.subscribers.on(event, subscriber);
  }

  /** A `paid` subscriber with its set-wise form, for confirmation ticks of several orders (see PaidSetWise). */
  onPaid(one: OrderSubscribers["paid"], setWise: PaidSetWise): void {
    this.#ctx.subscribers.onPaid(one, setWise);
  }

  /** A `placed` subscriber with its set-wise form, for hold ticks of several orders (see PlacedSetWise). */
  onPlaced(one: OrderSubscribers["placed"], setWise: PlacedSetWise): void {
    this.#ctx.subscribers.onPlaced(one, setWise);
  }

  /** Ends subscribing (the orders plugin, when the app is ready): `on` throws from then on. */
  sealSubscribers(): void {
    this.#ctx.subscribers.seal();
  }

  /** Ticks of several holds or confirmations decided set-wise, and those of them that ran again item by item. */
  tickStats(): { setWise: number; fellBack: number } {
    return { ...this.#ctx.ticks.stats };
  }

  /** Call once at start on a single-process database (PGlite) to make the local key set authoritative. */
  loadIdempotencyKeys(): Promise<number> {
    return this.#ctx.keys.load();
  }

  /** Frees the idempotency keys of orders older than 24 hours (run hourly); returns how many. */
  retireOldIdempotencyKeys(): Promise<number> {
    return this.#ctx.keys.retireOld();
  }

  /** An attempt the stock hint already answers sold_out (a flash sale's most common answer); see Checkout.knownSoldOut. */
  knownSoldOut(offerId: string, quantity: number, idempotencyKey: string): boolean {
    return this.#checkout.knownSoldOut(offerId, quantity, idempotencyKey);
  }

  placeOrder(body: CreateOrderBody, idempotencyKey: string, ctx: BuyerContext = {}): Promise<PlaceOrderResult> {
    return this.#checkout.placeOrder(body, idempotencyKey, ctx);
  }

  /** A bag: several offers of one show in one order and one payment; every line's units or none (see BagCheckout). */
  async placeBagOrder(body: CreateBagOrderBody, idempotencyKey: string, ctx: BuyerContext = {}): Promise<PlaceOrderResult> {
    const res = await this.#bags.placeBagOrder(body, idempotencyKey, ctx);
    return { ...res, order: await withLines(this.#ctx.db, res.order) };
  }

  /**
   * Pays a held order. A declined card keeps the hold (the buyer may try another card until it runs out). A hold
   * placed without buyer and address gets them here; the per-buyer limit is checked again with the email and card.
   */
  async pay(orderId: string, payment: CardInput, details: Pick<PayOrderBody, "buyer" | "shipping" | "gift"> = {}): Promise<OrderView> {
    return withLines(this.#ctx.db, (await this.#checkout.payWithOutcome(orderId, payment, details)).order);
  }

  /** pay(), with the provider's next action when the buyer has to authenticate (3-D Secure). */
  async payWithOutcome(orderId: string, payment: CardInput, details: Pick<PayOrderBody, "buyer" | "shipping" | "gift"> = {}): Promise<ChargeOutcome> {
    const res = await this.#checkout.payWithOutcome(orderId, payment, details);
    return { ...res, order: await withLines(this.#ctx.db, res.order) };
  }

  placeAwardedOrder(input: Parameters<Checkout["placeAwardedOrder"]>[0]): Promise<OrderView> {
    return this.#checkout.placeAwardedOrder(input);
  }

  assertPaymentMethod(method: Parameters<OrderPayment["assertPaymentMethod"]>[0]): void {
    this.#payment.assertPaymentMethod(method);
  }

  settleProviderPayment(p: Parameters<OrderPayment["settleProviderPayment"]>[0]): ReturnType<OrderPayment["settleProviderPayment"]> {
    return this.#payment.settleProviderPayment(p);
  }

  providerPaymentFailed(p: Parameters<OrderPayment["providerPaymentFailed"]>[0]): ReturnType<OrderPayment["providerPaymentFailed"]> {
    return this.#payment.providerPaymentFailed(p);
  }

  cancel(orderId: string): Promise<OrderView> {
    return this.#lifecycle.cancel(orderId).then((o) => withLines(this.#ctx.db, o));
  }

  fulfil(orderId: string, shipment: { carrier: string; trackingNumber: string }): Promise<OrderView> {
    return this.#lifecycle.fulfil(orderId, shipment).then((o) => withLines(this.#ctx.db, o));
  }

  deliver(orderId: string): Promise<OrderView> {
    return this.#lifecycle.deliver(orderId).then((o) => withLines(this.#ctx.db, o));
  }

  refund(orderId: string, opts: { quantity?: number; reason?: string } = {}): Promise<OrderView> {
    return this.#lifecycle.refund(orderId, opts).then((o) => withLines(this.#ctx.db, o));
  }

  expireHolds(): Promise<number> {
    return this.#lifecycle.expireHolds();
  }

  async order(orderId: string): Promise<OrderView> {
    return withLines(this.#ctx.db, orderView(await orderRow(this.#ctx.db, orderId)));
  }

  history(orderId: string): Promise<{ type: string; at: string; data: unknown }[]> {
    return orderHistory(this.#ctx.db, orderId);
  }

  list(filter: { showIds: string[]; status?: OrderView["status"]; limit?: number }): Promise<OrderView[]> {
    return listOrders(this.#ctx.db, filter);
  }

  /** Whether the account has a paid (or shipped, delivered) order in one of these shows: buyers-only chat asks. */
  hasPaidOrder(accountId: string, showIds: string[]): Promise<boolean> {
    return hasPaidOrder(this.#ctx.db, accountId, showIds);
  }

  showSales(showId: string): Promise<{ unitsSold: number; revenue: number }> {
    return showSales(this.#ctx.db, showId);
  }

  salesByShow(showIds: string[]): Promise<Map<string, ShowSalesSummary>> {
    return salesByShow(this.#ctx.db, showIds);
  }

  /** Orders' committed statuses by id (unknown ids left out): analytics waits for what an order's transaction told it to commit. */
  async statuses(orderIds: string[]): Promise<Map<string, OrderView["status"]>> {
    if (orderIds.length === 0) return new Map();
    const rows = await this.#ctx.db.selectFrom("orders").select(["id", "status"]).where("id", "=", anyText(orderIds)).execute();
    return new Map(rows.map((r) => [r.id, r.status]));
  }
}
