import type { CreateBagOrderBody, CreateOrderBody } from "../../protocol/api.js";
import { AppError } from "../platform/errors.js";
import { randomId } from "../platform/ids.js";
import type { Reservation } from "../inventory/index.js";
import { type BuyerContext, type Checkout, type PlaceOrderResult, buyerKeys, checkLimit, sameBuyer } from "./checkout.js";
import type { PlacedOrder } from "./events.js";
import { requestHash } from "./idempotency.js";
import { type CardInput, type OrderPayment, cardInput } from "./payment.js";
import { type PlaceRequest, attemptPlace } from "./placing.js";
import type { OrderContext } from "./service.js";
import {
  type BuyerKeys,
  NO_ADDRESS,
  type NewOrder,
  type OrderLineRow,
  compareIds,
  insertBagLines,
  insertBagsLines,
  insertOrder,
  insertOrders,
  orderView,
  recordOrderEvent,
  recordOrderEvents,
} from "./store.js";

/** A bag's request: as for one offer, plus the one show all its offers are of. */
type BagRequest = PlaceRequest<CreateBagOrderBody> & { showId: string };

/**
 * A bag: several offers of one show in one order and one payment. Each line reserves its own units through the
 * inventory (its conditional UPDATE, as for an order of one offer) and is checked against its offer's per-buyer limit,
 * all in one transaction: a bag gets every line or none. The lines are taken in offer-id order, so two bags over the
 * same offers lock their rows in the same order (no deadlock on PostgreSQL). Bags of one show arriving together share
 * a transaction (group commit, as holds of one offer do) and are decided as if placed one after the other. The order's own columns name the first
 * line; the lines are rows of order_lines. Paying, declines, expiry, cancel and refunds then work on the order as a
 * whole (the lifecycle gives back every line).
 */
export class BagCheckout {
  constructor(
    private readonly ctx: OrderContext,
    private readonly payment: OrderPayment,
    private readonly checkout: Checkout,
  ) {}

  async placeBagOrder(body: CreateBagOrderBody, idempotencyKey: string, ctx: BuyerContext = {}): Promise<PlaceOrderResult> {
    const { keys, inventory, offers } = this.ctx;
    const accountId = ctx.accountId ?? null;
    if (body.payment) this.payment.assertPaymentMethod(body.payment.method);
    const card: CardInput | null = body.payment ? cardInput(body.payment) : (ctx.savedCard ?? null);
    if (card && (!body.buyer || !body.shipping)) throw new AppError("invalid_body", "buyer and shipping are required to pay");
    const hash = requestHash(body, accountId);
    if (keys.mayExist(idempotencyKey)) {
      const replay = await keys.replay(idempotencyKey, hash, card !== null);
      if (replay && card && replay.order.status === "pending_payment")
        return { ...(await this.checkout.payWithOutcome(replay.order.id, card)), replayed: true };
      if (replay) return replay;
    }
    for (const l of body.lines) if (inventory.knownShort(l.offerId, l.quantity)) throw AppError.expected("sold_out", undefined, { offerId: l.offerId });
    // The offers' shows are cached (an offer never changes show): a bag across shows is refused before any write.
    const shows = new Set<string>();
    for (const l of body.lines) {
      const showId = await offers.offerShow(l.offerId);
      if (!showId) throw new AppError("not_found", "No such offer.", { offerId: l.offerId });
      shows.add(showId);
    }
    if (shows.size > 1) throw new AppError("bag_mixed_shows");
    const req: BagRequest = {
      body,
      idempotencyKey,
      ctx,
      accountId,
      card,
      hash,
      fingerprint: card ? await this.payment.cardFingerprint(card) : null,
      buyer: body.buyer ?? { name: "", email: "" },
      shipping: JSON.stringify(body.shipping ?? NO_ADDRESS),
      showId: [...shows][0]!,
    };
    // As for one offer: held in one transaction, charged after commit, confirmed (or released whole on a decline).
    return this.#place(req);
  }

  /**
   * Placing the bag: its lines' units and the order in one transaction, then the charge and its confirmation. Bags
   * of one show are group-committed (OrderTicks, `#bagsTogether`), as holds of one offer are; item by item (`work`)
   * when the set-wise form throws.
   */
  #place(req: BagRequest): Promise<PlaceOrderResult> {
    const { inventory, subscribers } = this.ctx;
    const { body, card } = req;
    const orderId = randomId("ord");
    // The lines as written, whichever way the tick placed the bag: a hold's view lists them (a paid bag's view comes
    // from paidIn, which reads them).
    const written: { lines: OrderLineRow[] } = { lines: [] };
    return attemptPlace(
      this.ctx,
      this.payment,
      req,
      async (tx, events, hold) => {
        const taken = new Map<string, LineTerms>();
        for (const l of byOfferId(body.lines)) {
          if (inventory.knownShort(l.offerId, l.quantity)) throw AppError.expected("sold_out", undefined, { offerId: l.offerId });
          const r = await inventory.reserve(tx, { kind: "offer", offerId: l.offerId }, l.quantity, events).catch((err: unknown) => {
            // Which line could not be had, for the bag's UI.
            if (err instanceof AppError && err.details === undefined) throw new AppError(err.code, err.message, { offerId: l.offerId });
            if (err instanceof AppError) throw new AppError(err.code, err.message, { ...(err.details as object), offerId: l.offerId });
            throw err;
          });
          if (r.showId !== req.showId) throw new AppError("bag_mixed_shows");
          await checkLimit(tx, l.offerId, r.perBuyerLimit, l.quantity, buyerKeys(req)).catch((err: unknown) => {
            if (err instanceof AppError) throw new AppError(err.code, err.message, { ...(err.details as object), offerId: l.offerId });
            throw err;
          });
          taken.set(l.offerId, r);
        }
        const { o, lines } = newBagOrder(req, orderId, taken, hold);
        await insertOrder(tx, o);
        await insertBagLines(
          tx,
          o.id,
          lines.map((l) => ({ offerId: l.offer_id, quantity: l.quantity, unitPrice: l.unit_price, vatRateBp: l.vat_rate_bp })),
        );
        await recordOrderEvent(tx, o.id, card ? "created" : "held", hold.now, bagHistory(o, lines, hold.holdExpiresAt));
        // Each line is placed as the order of its offer would be (a mystery pool refuses to be in a bag).
        for (const p of placedLines(req, o, lines)) {
          const discount = await subscribers.placed(tx, p.order, p.body, events);
          if (discount > 0) throw new AppError("invalid_body", "A bag takes no discounts.");
        }
        written.lines = lines;
        return o;
      },
      (row) => orderView(row, written.lines),
      {
        key: `bag:${req.showId}`,
        // Attempts queued behind the tick that sold a line's last unit are answered without a statement of theirs.
        check: () => {
          for (const l of body.lines) if (inventory.knownShort(l.offerId, l.quantity)) throw AppError.expected("sold_out", undefined, { offerId: l.offerId });
        },
        together: (hold) => ({ run: this.#bagsTogether, input: { req, orderId, written, ...hold } satisfies BagHold }),
      },
    );
  }

  /**
   * The bags of one show's tick, set-wise (OrderTicks): the tick's offers locked in offer-id order (as one bag takes
   * them), the units split bag by bag in the tick's order as item by item would (a bag gets every line or is refused
   * for its first line, in offer-id order, that is short or over its buyer's limit, counting the tick's earlier bags
   * of the same buyer), then one reservation per offer, one INSERT each of the orders, their lines and their history
   * rows, and the placed subscribers set-wise. Throws (the tick runs again item by item) where it would not answer
   * as item by item does: an offer no bag of the tick got (is it on sale at all?), a refused reservation, a discount,
   * a subscriber's refusal, any failed statement.
   */
  readonly #bagsTogether = async (inputs: unknown[]): Promise<unknown[]> => {
    const bags = inputs as BagHold[];
    const { db, inventory, outbox, subscribers } = this.ctx;
    const showId = bags[0]!.req.showId;
    const events = outbox.batch();
    const results = await db.transaction().execute(async (tx) => {
      const need = new Map<string, number>();
      for (const b of bags) for (const l of b.req.body.lines) need.set(l.offerId, (need.get(l.offerId) ?? 0) + l.quantity);
      const offerIds = [...need.keys()].sort(compareIds);
      const stock = await inventory.lockOffers(tx, offerIds);
      if (stock.size < offerIds.length) throw new Error("an offer of the tick's bags does not exist");
      const left = new Map([...stock].map(([id, s]) => [id, s.remaining]));
      const used = new Map<string, number>();
      const taken: { offerId: string; keys: BuyerKeys; quantity: number }[] = [];
      const refusals: (AppError | null)[] = [];
      for (const b of bags) {
        const keys = buyerKeys(b.req);
        let refused: AppError | null = null;
        for (const l of byOfferId(b.req.body.lines)) {
          const still = left.get(l.offerId)!;
          if (l.quantity > still) {
            refused = AppError.expected("sold_out", still === 0 ? "Sold out." : `Only ${still} left.`, { remaining: still, offerId: l.offerId });
            break;
          }
          const limit = stock.get(l.offerId)!.perBuyerLimit;
          // Without a limit nothing is counted (comparing each bag with every earlier one is quadratic in the tick).
          const earlier = limit === null ? 0 : taken.filter((t) => t.offerId === l.offerId && sameBuyer(t.keys, keys)).reduce((sum, t) => sum + t.quantity, 0);
          try {
            await checkLimit(tx, l.offerId, limit, l.quantity, keys, undefined, earlier);
          } catch (err) {
            if (!(err instanceof AppError)) throw err;
            refused = new AppError(err.code, err.message, { ...(err.details as object), offerId: l.offerId });
            break;
          }
        }
        refusals.push(refused);
        if (refused) continue;
        for (const l of b.req.body.lines) {
          left.set(l.offerId, left.get(l.offerId)! - l.quantity);
          used.set(l.offerId, (used.get(l.offerId) ?? 0) + l.quantity);
          taken.push({ offerId: l.offerId, keys, quantity: l.quantity });
        }
      }
      // Whether an offer no bag got is on sale at all only its own reservation tells (item by item).
      if (offerIds.some((id) => !used.get(id))) throw new Error("an offer of the tick's bags went to none of them");
      const reserved = new Map<string, LineTerms>();
      for (const id of offerIds) {
        const r = await inventory.reserve(tx, { kind: "offer", offerId: id }, used.get(id)!, events);
        if (r.showId !== showId) throw new AppError("bag_mixed_shows");
        reserved.set(id, r);
      }
      const placed = bags.flatMap((b, i) => (refusals[i] ? [] : [{ b, ...newBagOrder(b.req, b.orderId, reserved, b) }]));
      await insertOrders(
        tx,
        placed.map((p) => p.o),
      );
      await insertBagsLines(
        tx,
        placed.flatMap((p) => p.lines),
      );
      await recordOrderEvents(
        tx,
        placed.map(({ b, o, lines }) => ({ orderId: o.id, type: b.req.card ? "created" : "held", at: b.now, data: bagHistory(o, lines, b.holdExpiresAt) })),
      );
      const discounts = await subscribers.placedMany(
        tx,
        placed.flatMap(({ b, o, lines }) => placedLines(b.req, o, lines)),
        events,
      );
      if (discounts.some((d) => d > 0)) throw new AppError("invalid_body", "A bag takes no discounts.");
      for (const p of placed) p.b.written.lines = p.lines;
      const orders = new Map(placed.map((p) => [p.b, p.o]));
      return bags.map((b, i) => refusals[i] ?? orders.get(b)!);
    });
    await events.publish();
    return results;
  };
}

/** A bag's hold in a set-wise tick: the request, its order id and times, and where its written lines go. */
interface BagHold {
  req: BagRequest;
  orderId: string;
  now: Date;
  holdExpiresAt: Date;
  written: { lines: OrderLineRow[] };
}

/** What a line's reservation tells the order: its price, VAT rate and currency. */
type LineTerms = Pick<Reservation, "unitPrice" | "vatRateBp" | "currency">;

/** A bag's lines in offer-id order: the order their rows are locked in, by every path. */
function byOfferId<L extends { offerId: string }>(lines: readonly L[]): L[] {
  return [...lines].sort((a, b) => compareIds(a.offerId, b.offerId));
}

/** The bag's order (its columns name line 1; the units and total are all lines') and its lines, in the buyer's order. */
function newBagOrder(
  req: BagRequest,
  orderId: string,
  terms: ReadonlyMap<string, LineTerms>,
  hold: { now: Date; holdExpiresAt: Date },
): { o: NewOrder; lines: OrderLineRow[] } {
  const lines: OrderLineRow[] = req.body.lines.map((l, i) => {
    const t = terms.get(l.offerId)!;
    return { order_id: orderId, line_no: i + 1, offer_id: l.offerId, quantity: l.quantity, unit_price: t.unitPrice, vat_rate_bp: t.vatRateBp };
  });
  const first = lines[0]!;
  const o: NewOrder = {
    id: orderId,
    offerId: first.offer_id,
    showId: req.showId,
    quantity: lines.reduce((s, l) => s + l.quantity, 0),
    unitPrice: first.unit_price,
    total: lines.reduce((s, l) => s + l.unit_price * l.quantity, 0),
    currency: terms.get(first.offer_id)!.currency,
    vatRateBp: first.vat_rate_bp,
    buyer: req.buyer,
    shipping: req.shipping,
    idempotencyKey: req.idempotencyKey,
    requestHash: req.hash,
    holdExpiresAt: hold.holdExpiresAt,
    paymentLockUntil: req.card ? hold.holdExpiresAt : null,
    gift: req.body.gift ? JSON.stringify(req.body.gift) : null,
    at: hold.now,
    accountId: req.accountId,
    cardFingerprint: req.fingerprint || null,
    clientKey: req.ctx.clientKey ?? null,
    lineCount: lines.length,
    lang: req.body.lang,
  };
  return { o, lines };
}

/** The bag's history row when placed. */
function bagHistory(o: NewOrder, lines: readonly OrderLineRow[], holdExpiresAt: Date): Record<string, unknown> {
  return { quantity: o.quantity, holdExpiresAt: holdExpiresAt.toISOString(), lines: lines.map((l) => ({ offerId: l.offer_id, quantity: l.quantity })) };
}

/** Each line as the placed subscribers see an order of its offer (marked as a bag's line). */
function placedLines(req: BagRequest, o: NewOrder, lines: readonly OrderLineRow[]): { order: PlacedOrder; body: CreateOrderBody }[] {
  const { body } = req;
  return lines.map((l) => ({
    order: {
      id: o.id,
      offerId: l.offer_id,
      showId: req.showId,
      quantity: l.quantity,
      gross: l.unit_price * l.quantity,
      currency: o.currency,
      accountId: req.accountId,
      referral: req.ctx.referral ?? null,
      at: o.at,
      bag: true as const,
    },
    body: { offerId: l.offer_id, quantity: l.quantity, buyer: body.buyer, shipping: body.shipping, gift: body.gift, source: body.source },
  }));
}
