import type { Transaction } from "kysely";
import type { OrderView } from "../../protocol/api.js";
import { isUniqueViolation } from "../db/index.js";
import type { EventBatch } from "../outbox/index.js";
import type { BuyerContext, PlaceOrderResult } from "./checkout.js";
import type { CardInput, OrderPayment } from "./payment.js";
import type { OrderContext } from "./service.js";
import { type NewOrder, type OrderRow, newOrderRow } from "./store.js";
import type { OrdersTables } from "./schema.js";

// How long one charge may take before the order is considered abandoned by a crashed process.
export const PAYMENT_LOCK_MS = 60_000;

/** What one placing request (one offer, or a bag) resolved before its attempt(s): the same for the in-transaction try and the two-step path. */
export interface PlaceRequest<Body> {
  body: Body;
  idempotencyKey: string;
  ctx: BuyerContext;
  accountId: string | null;
  card: CardInput | null;
  hash: string;
  fingerprint: string | null;
  buyer: { name: string; email: string };
  shipping: string;
}

/** What placing writes in its transaction: `reserve` takes the units and inserts the order, the caller's own part. */
export type ReserveAndInsert = (tx: Transaction<OrdersTables>, events: EventBatch, hold: { now: Date; holdExpiresAt: Date }) => Promise<NewOrder>;

/**
 * One try at placing an order (one offer or a bag) under its idempotency key: null when `inTxCharge` and the charge
 * was not approved in the transaction (rolled back, nothing written). The key is claimed before the transaction so a
 * concurrent request with the same key goes to the database and finds it; a one-tap order holds its units only for the
 * charge, a hold for the checkout timer. `view` makes the answer from the row as written.
 */
export async function attemptPlace(
  ctx: OrderContext,
  payment: OrderPayment,
  req: PlaceRequest<unknown>,
  inTxCharge: boolean,
  reserve: ReserveAndInsert,
  view: (row: OrderRow) => OrderView,
): Promise<PlaceOrderResult | null> {
  const { db, clock, keys, outbox, payments } = ctx;
  const { idempotencyKey, card } = req;
  const fresh = keys.claim(idempotencyKey);
  const now = clock.now();
  const holdExpiresAt = new Date(now.getTime() + (card ? PAYMENT_LOCK_MS : ctx.holdMs));
  const events = outbox.batch();
  let order: NewOrder | null = null;
  let paidInTx: OrderView | null = null;
  try {
    order = await db.transaction().execute(async (tx) => {
      const o = await reserve(tx, events, { now, holdExpiresAt });
      if (inTxCharge && card) {
        const charge = await payments.charge({
          amount: o.total,
          currency: o.currency,
          cardNumber: "number" in card ? card.number : "",
          ...("token" in card ? { paymentMethod: card.token } : {}),
          idempotencyKey,
          description: `Showcart order ${o.id}`,
          orderId: o.id,
          ref: null,
        });
        if (!charge.ok) throw new ChargeNotApproved();
        paidInTx = await payment.paidIn(tx, o.id, charge.ref, o.total, events);
        if (!paidInTx) throw new ChargeNotApproved();
      }
      return o;
    });
  } catch (err) {
    if (fresh && !isUniqueViolation(err)) keys.forget(idempotencyKey);
    if (err instanceof ChargeNotApproved) return null;
    // A concurrent request with the same key won the insert; our stock decrement rolled back with it.
    if (isUniqueViolation(err)) {
      const again = await keys.replay(idempotencyKey, req.hash, card !== null);
      if (again) return again;
    }
    throw err;
  }
  await events.publish();
  if (paidInTx) return { order: paidInTx, replayed: false };
  // The row as written, with payment_lock_until as the charge below expects it (it runs under the lock).
  const row = newOrderRow(order);
  row.payment_lock_until = null;
  if (!card) return { order: view(row), replayed: false };
  return { ...(await payment.charge(row, card, idempotencyKey, "one_tap")), replayed: false };
}

/** The in-transaction charge was not approved at once: roll back and take the two-step path. */
class ChargeNotApproved extends Error {}
