import type { CreateBagOrderBody, CreateOrderBody } from "../../protocol/api.js";
import { AppError } from "../platform/errors.js";
import { randomId } from "../platform/ids.js";
import { type BuyerContext, type Checkout, type PlaceOrderResult, checkLimit } from "./checkout.js";
import { requestHash } from "./idempotency.js";
import { type CardInput, type OrderPayment, cardInput } from "./payment.js";
import { type PlaceRequest, attemptPlace } from "./placing.js";
import type { OrderContext } from "./service.js";
import { NO_ADDRESS, type NewOrder, type OrderLineRow, insertBagLines, insertOrder, orderView, recordOrderEvent } from "./store.js";

/** A bag's request: as for one offer, plus the one show all its offers are of. */
type BagRequest = PlaceRequest<CreateBagOrderBody> & { showId: string };

/**
 * A bag: several offers of one show in one order and one payment. Each line reserves its own units through the
 * inventory (its conditional UPDATE, as for an order of one offer) and is checked against its offer's per-buyer limit,
 * all in one transaction: a bag gets every line or none. The lines are taken in offer-id order, so two bags over the
 * same offers lock their rows in the same order (no deadlock on PostgreSQL). The order's own columns name the first
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

  /** Placing the bag: its lines' units and the order in one transaction, then the charge and its confirmation. */
  #place(req: BagRequest): Promise<PlaceOrderResult> {
    const { inventory, subscribers } = this.ctx;
    const { body, idempotencyKey, card, accountId } = req;
    const orderId = randomId("ord");
    let lines: OrderLineRow[] = [];
    return attemptPlace(
      this.ctx,
      this.payment,
      req,
      async (tx, events, { now, holdExpiresAt }) => {
        const taken = new Map<string, { unitPrice: number; vatRateBp: number; currency: string; showId: string }>();
        for (const l of [...body.lines].sort((a, b) => (a.offerId < b.offerId ? -1 : a.offerId > b.offerId ? 1 : 0))) {
          if (inventory.knownShort(l.offerId, l.quantity)) throw AppError.expected("sold_out", undefined, { offerId: l.offerId });
          const r = await inventory.reserve(tx, { kind: "offer", offerId: l.offerId }, l.quantity, events).catch((err: unknown) => {
            // Which line could not be had, for the bag's UI.
            if (err instanceof AppError && err.details === undefined) throw new AppError(err.code, err.message, { offerId: l.offerId });
            if (err instanceof AppError) throw new AppError(err.code, err.message, { ...(err.details as object), offerId: l.offerId });
            throw err;
          });
          if (r.showId !== req.showId) throw new AppError("bag_mixed_shows");
          await checkLimit(tx, l.offerId, r.perBuyerLimit, l.quantity, {
            accountId,
            email: req.buyer.email,
            fingerprint: req.fingerprint,
            clientKey: req.ctx.clientKey,
          }).catch((err: unknown) => {
            if (err instanceof AppError) throw new AppError(err.code, err.message, { ...(err.details as object), offerId: l.offerId });
            throw err;
          });
          taken.set(l.offerId, { unitPrice: r.unitPrice, vatRateBp: r.vatRateBp, currency: r.currency, showId: r.showId });
        }
        // The lines in the buyer's order.
        lines = body.lines.map((l, i) => {
          const t = taken.get(l.offerId)!;
          return { order_id: orderId, line_no: i + 1, offer_id: l.offerId, quantity: l.quantity, unit_price: t.unitPrice, vat_rate_bp: t.vatRateBp };
        });
        const first = lines[0]!;
        const currency = taken.get(first.offer_id)!.currency;
        const gross = lines.reduce((s, l) => s + l.unit_price * l.quantity, 0);
        const o: NewOrder = {
          id: orderId,
          offerId: first.offer_id,
          showId: req.showId,
          quantity: lines.reduce((s, l) => s + l.quantity, 0),
          unitPrice: first.unit_price,
          total: gross,
          currency,
          vatRateBp: first.vat_rate_bp,
          buyer: req.buyer,
          shipping: req.shipping,
          idempotencyKey,
          requestHash: req.hash,
          holdExpiresAt,
          paymentLockUntil: card ? holdExpiresAt : null,
          gift: body.gift ? JSON.stringify(body.gift) : null,
          at: now,
          accountId,
          cardFingerprint: req.fingerprint || null,
          clientKey: req.ctx.clientKey ?? null,
          lineCount: lines.length,
          lang: req.body.lang,
        };
        await insertOrder(tx, o);
        await insertBagLines(
          tx,
          o.id,
          lines.map((l) => ({ offerId: l.offer_id, quantity: l.quantity, unitPrice: l.unit_price, vatRateBp: l.vat_rate_bp })),
        );
        await recordOrderEvent(tx, o.id, card ? "created" : "held", now, {
          quantity: o.quantity,
          holdExpiresAt: holdExpiresAt.toISOString(),
          lines: lines.map((l) => ({ offerId: l.offer_id, quantity: l.quantity })),
        });
        // Each line is placed as the order of its offer would be (a mystery pool refuses to be in a bag).
        for (const l of lines) {
          const lineBody: CreateOrderBody = {
            offerId: l.offer_id,
            quantity: l.quantity,
            buyer: body.buyer,
            shipping: body.shipping,
            gift: body.gift,
            source: body.source,
          };
          const placed = {
            id: o.id,
            offerId: l.offer_id,
            showId: req.showId,
            quantity: l.quantity,
            gross: l.unit_price * l.quantity,
            currency,
            accountId,
            referral: req.ctx.referral ?? null,
            at: now,
            bag: true as const,
          };
          const discount = await subscribers.placed(tx, placed, lineBody, events);
          if (discount > 0) throw new AppError("invalid_body", "A bag takes no discounts.");
        }
        return o;
      },
      // A hold's view lists its lines (a paid bag's view comes from paidIn, which reads them).
      (row) => orderView(row, lines),
    );
  }
}
