import { sql, type Selectable, type Transaction } from "kysely";
import type { OrderView } from "../../protocol/api.js";
import { vatIncluded } from "../catalog/index.js";
import type { Database, Db } from "../db/index.js";
import { AppError } from "../platform/errors.js";
import { randomId } from "../platform/ids.js";

export type OrderRow = Omit<Selectable<Database["orders"]>, "created_at" | "updated_at" | "hold_expires_at" | "payment_lock_until"> & {
  created_at: Date | string;
  updated_at: Date | string;
  hold_expires_at: Date | string | null;
  payment_lock_until: Date | string | null;
};

type Tx = Transaction<Database>;

// A hold placed before the buyer typed anything: filled in when it is paid.
export const NO_ADDRESS = { name: "", line1: "", postalCode: "", city: "", country: "" };

/** Statuses in which money was taken (net of refunds): sales figures and settled payments. */
export const SETTLED_STATUSES: readonly OrderView["status"][] = ["paid", "fulfilled", "delivered", "refunded"];

/**
 * A new order, always pending_payment: a checkout or one-tap order, an auction award, a waitlist claim hold. The one
 * place that says what a new order row is.
 */
export interface NewOrder {
  id: string;
  offerId: string;
  showId: string;
  quantity: number;
  unitPrice: number;
  total: number;
  currency: string;
  vatRateBp: number;
  buyer: { name: string; email: string };
  /** JSON of the shipping address (NO_ADDRESS for a hold without one). */
  shipping: string;
  idempotencyKey: string;
  requestHash: string;
  holdExpiresAt: Date;
  /** Set for a one-tap order: the charge runs under it. */
  paymentLockUntil: Date | null;
  gift: string | null;
  at: Date;
  accountId: string | null;
  cardFingerprint: string | null;
  clientKey: string | null;
  /** The buyer's language at checkout (the order's emails are written in it); absent: English. */
  lang?: "de" | "en";
}

export async function insertOrder(tx: Tx, o: NewOrder): Promise<void> {
  // The same row newOrderRow describes; its carrier, tracking number and refunded figures are the columns' defaults.
  await tx.insertInto("orders").values(newOrderRow(o)).execute();
}

/** The row insertOrder wrote (as the database holds it after `total` was lowered by a discount), without reading it. */
export function newOrderRow(o: NewOrder): OrderRow {
  return {
    id: o.id,
    offer_id: o.offerId,
    show_id: o.showId,
    quantity: o.quantity,
    unit_price: o.unitPrice,
    total: o.total,
    currency: o.currency,
    vat_rate_bp: o.vatRateBp,
    buyer_name: o.buyer.name,
    buyer_email: o.buyer.email,
    shipping: o.shipping,
    status: "pending_payment",
    payment_ref: null,
    idempotency_key: o.idempotencyKey,
    request_hash: o.requestHash,
    hold_expires_at: o.holdExpiresAt,
    payment_lock_until: o.paymentLockUntil,
    gift: o.gift,
    carrier: null,
    tracking_number: null,
    refunded_quantity: 0,
    refunded_amount: 0,
    created_at: o.at,
    updated_at: o.at,
    account_id: o.accountId,
    card_fingerprint: o.cardFingerprint,
    client_key: o.clientKey,
    lang: o.lang ?? "en",
  };
}

export type OrderEventType =
  | "created"
  | "held"
  | "paid"
  | "payment_failed"
  | "expired"
  | "cancelled"
  | "fulfilled"
  | "delivered"
  | "refunded"
  | "payment_action_required"
  | "late_payment_refunded";

/** The order's append-only history: one row per transition, written in the transition's own transaction. */
export async function recordOrderEvent(tx: Tx, orderId: string, type: OrderEventType, at: Date, data: Record<string, unknown>): Promise<void> {
  await tx
    .insertInto("order_events")
    .values({ id: randomId("oev"), order_id: orderId, type, data: JSON.stringify(data), at })
    .execute();
}

export async function orderRow(db: Db | Tx, orderId: string): Promise<OrderRow> {
  const row = await db.selectFrom("orders").selectAll().where("id", "=", orderId).executeTakeFirst();
  if (!row) throw new AppError("not_found", "No such order.");
  return row;
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
    holdExpiresAt: r.status === "pending_payment" && r.hold_expires_at ? new Date(r.hold_expires_at).toISOString() : null,
    gift: r.gift ? JSON.parse(r.gift) : null,
    shipment: r.carrier ? { carrier: r.carrier, trackingNumber: r.tracking_number ?? "" } : null,
    refundedQuantity: r.refunded_quantity,
    refundedAmount: Number(r.refunded_amount),
    vatRateBp: r.vat_rate_bp,
    vat: vatIncluded(Number(r.total), r.vat_rate_bp),
  };
}

export async function orderHistory(db: Db, orderId: string): Promise<{ type: string; at: string; data: unknown }[]> {
  const rows = await db.selectFrom("order_events").select(["type", "at", "data"]).where("order_id", "=", orderId).orderBy("seq").execute();
  return rows.map((r) => ({ type: r.type, at: new Date(r.at).toISOString(), data: JSON.parse(r.data) }));
}

/** Orders of some shows, newest first, for the merchant's admin and CSV export. */
export async function listOrders(db: Db, filter: { showIds: string[]; status?: OrderView["status"]; limit?: number }): Promise<OrderView[]> {
  if (filter.showIds.length === 0) return [];
  let q = db.selectFrom("orders").selectAll().where("show_id", "in", filter.showIds);
  if (filter.status) q = q.where("status", "=", filter.status);
  const rows = await q
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(filter.limit ?? 200)
    .execute();
  return rows.map(orderView);
}

/** Sales of a show: paid units and revenue in minor units. */
export async function showSales(db: Db, showId: string): Promise<{ unitsSold: number; revenue: number }> {
  const row = await db
    .selectFrom("orders")
    .select([sql<number>`coalesce(sum(quantity - refunded_quantity), 0)`.as("units"), sql<number>`coalesce(sum(total - refunded_amount), 0)`.as("revenue")])
    .where("show_id", "=", showId)
    .where("status", "in", [...SETTLED_STATUSES])
    .executeTakeFirstOrThrow();
  return { unitsSold: Number(row.units), revenue: Number(row.revenue) };
}

export type ShowSalesSummary = { orders: number; unitsSold: number; revenue: number; refundedUnits: number; refunds: number };

/** Per show, for the merchant's summary: orders with money taken, units and revenue net of refunds, and the refunds. */
export async function salesByShow(db: Db, showIds: string[]): Promise<Map<string, ShowSalesSummary>> {
  const out = new Map<string, ShowSalesSummary>();
  if (showIds.length === 0) return out;
  const rows = await db
    .selectFrom("orders")
    .select([
      "show_id",
      sql<number>`count(*)`.as("orders"),
      sql<number>`coalesce(sum(quantity - refunded_quantity), 0)`.as("units"),
      sql<number>`coalesce(sum(total - refunded_amount), 0)`.as("revenue"),
      sql<number>`coalesce(sum(refunded_quantity), 0)`.as("refunded_units"),
      sql<number>`coalesce(sum(refunded_amount), 0)`.as("refunds"),
    ])
    .where("show_id", "in", showIds)
    .where("status", "in", [...SETTLED_STATUSES])
    .groupBy("show_id")
    .execute();
  for (const r of rows)
    out.set(r.show_id, {
      orders: Number(r.orders),
      unitsSold: Number(r.units),
      revenue: Number(r.revenue),
      refundedUnits: Number(r.refunded_units),
      refunds: Number(r.refunds),
    });
  return out;
}

// Orders that count towards a per-buyer limit: held or bought and not (fully) refunded.
const LIMIT_STATUSES = ["pending_payment", "paid", "fulfilled", "delivered"] as const;

/** Who a per-buyer limit matches: account, email, card fingerprint or placing client. */
export interface BuyerKeys {
  accountId?: string | null;
  email?: string | null;
  fingerprint?: string | null;
  clientKey?: string | null;
}

/** The buyer's units of an offer over held and bought orders, minus refunds (the per-buyer limit's count). */
export async function buyerUnits(tx: Tx, offerId: string, who: BuyerKeys & { email: string | null }, excludeOrderId?: string): Promise<number> {
  let q = tx
    .selectFrom("orders")
    .select(sql<number>`coalesce(sum(quantity - refunded_quantity), 0)`.as("units"))
    .where("offer_id", "=", offerId)
    .where("status", "in", [...LIMIT_STATUSES])
    .where((eb) =>
      eb.or([
        ...(who.accountId ? [eb("account_id", "=", who.accountId)] : []),
        ...(who.email ? [eb(sql`lower(buyer_email)`, "=", who.email)] : []),
        ...(who.fingerprint ? [eb("card_fingerprint", "=", who.fingerprint)] : []),
        ...(who.clientKey ? [eb("client_key", "=", who.clientKey)] : []),
      ]),
    );
  if (excludeOrderId) q = q.where("id", "!=", excludeOrderId);
  return Number((await q.executeTakeFirstOrThrow()).units);
}
