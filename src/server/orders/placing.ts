import type { Transaction } from "kysely";
import type { OrderView } from "../../protocol/api.js";
import { isUniqueViolation } from "../db/index.js";
import type { EventBatch } from "../outbox/index.js";
import type { BuyerContext, PlaceOrderResult } from "./checkout.js";
import type { CardInput, OrderPayment } from "./payment.js";
import type { OrderContext } from "./service.js";
import { type NewOrder, type OrderRow, newOrderRow } from "./store.js";
import type { OrdersTables } from "./schema.js";
import type { SetWise } from "./ticks.js";

// How long one charge may take before the order is considered abandoned by a crashed process.
export const PAYMENT_LOCK_MS = 60_000;

/** What one placing request (one offer, or a bag) resolved before its attempt. */
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
 * Placing an order (one offer or a bag) under its idempotency key, the way every provider is paid: one transaction
 * holds the units and inserts the order; a one-tap order is then charged outside any transaction (a provider across
 * the network takes tens to hundreds of ms, and no row lock may wait for it) and confirmed in a second one
 * (OrderPayment.charge). Holds of one offer are group-committed (OrderTicks): a flash sale's attempts share a few
 * transactions instead of queueing one by one for the offer's row lock. The key is claimed before the transaction so a concurrent request with the same key goes to
 * the database and finds it; a one-tap order holds its units only for the charge, a hold for the checkout timer.
 * `view` makes the answer from the row as written.
 */
export async function attemptPlace(
  ctx: OrderContext,
  payment: OrderPayment,
  req: PlaceRequest<unknown>,
  reserve: ReserveAndInsert,
  view: (row: OrderRow) => OrderView,
  /** Group-commits the hold with others of the same key (an order of one offer: the offer); null: its own transaction. */
  tick: { key: string; check: () => void; together?: (hold: { now: Date; holdExpiresAt: Date }) => SetWise<unknown> } | null = null,
): Promise<PlaceOrderResult> {
  const { db, clock, keys, outbox } = ctx;
  const { idempotencyKey, card } = req;
  const fresh = keys.claim(idempotencyKey);
  const now = clock.now();
  const holdExpiresAt = new Date(now.getTime() + (card ? PAYMENT_LOCK_MS : ctx.holdMs));
  const events = outbox.batch();
  let order: NewOrder;
  try {
    const hold = (tx: Transaction<OrdersTables>) => reserve(tx, events, { now, holdExpiresAt });
    order = await (tick ? ctx.ticks.run(tick.key, hold, tick.check, tick.together?.({ now, holdExpiresAt })) : db.transaction().execute(hold));
  } catch (err) {
    if (fresh && !isUniqueViolation(err)) keys.forget(idempotencyKey);
    // A concurrent request with the same key won the insert; our stock decrement rolled back with it.
    if (isUniqueViolation(err)) {
      const again = await keys.replay(idempotencyKey, req.hash, card !== null);
      if (again) return again;
    }
    throw err;
  }
  await events.publish();
  // The row as written, with payment_lock_until as the charge below expects it (it runs under the lock).
  const row = newOrderRow(order);
  row.payment_lock_until = null;
  if (!card) return { order: view(row), replayed: false };
  return { ...(await payment.charge(row, card, idempotencyKey, "one_tap")), replayed: false };
}
