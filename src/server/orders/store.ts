import { type ExpressionBuilder, type Kysely, sql, type Selectable, type Transaction } from "kysely";
import type { OrderView } from "../../protocol/api.js";
import { vatIncluded } from "../catalog/index.js";
import type { OrdersTables } from "./schema.js";
import { AppError } from "../platform/errors.js";
import { randomId } from "../platform/ids.js";
import { type ArrayColumnTypes, insertArrays } from "../db/array-insert.js";
import { anyText } from "../db/array-literal.js";

export type OrderRow = Omit<Selectable<OrdersTables["orders"]>, "created_at" | "updated_at" | "hold_expires_at" | "payment_lock_until"> & {
  created_at: Date | string;
  updated_at: Date | string;
  hold_expires_at: Date | string | null;
  payment_lock_until: Date | string | null;
};

type Tx = Transaction<OrdersTables>;
/** The orders module's handle: its own tables (OrderService narrows the composition root's database once). */
export type OrdersDb = Kysely<OrdersTables>;
type Db = OrdersDb;

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
  /** A bag's number of lines (its lines go to order_lines); absent: 1, an order of one offer. */
  lineCount?: number;
}

export async function insertOrder(tx: Tx, o: NewOrder): Promise<void> {
  // The same row newOrderRow describes; its carrier, tracking number and refunded figures are the columns' defaults.
  await tx.insertInto("orders").values(newOrderRow(o)).execute();
}

/** Several new orders in one statement (a set-wise hold tick); a duplicate idempotency key fails them all. */
export async function insertOrders(tx: Tx, os: readonly NewOrder[]): Promise<void> {
  if (os.length > 0) await insertArrays("orders", ORDER_COLUMNS, os.map(newOrderRow)).execute(tx);
}

/** Every column newOrderRow fills, with its SQL type (insertArrays). */
const ORDER_COLUMNS: ArrayColumnTypes<OrderRow> = {
  id: "text",
  offer_id: "text",
  show_id: "text",
  quantity: "integer",
  unit_price: "bigint",
  total: "bigint",
  currency: "text",
  vat_rate_bp: "integer",
  buyer_name: "text",
  buyer_email: "text",
  shipping: "text",
  status: "text",
  payment_ref: "text",
  idempotency_key: "text",
  request_hash: "text",
  hold_expires_at: "timestamptz",
  payment_lock_until: "timestamptz",
  gift: "text",
  carrier: "text",
  tracking_number: "text",
  refunded_quantity: "integer",
  refunded_amount: "bigint",
  created_at: "timestamptz",
  updated_at: "timestamptz",
  account_id: "text",
  card_fingerprint: "text",
  client_key: "text",
  lang: "text",
  line_count: "integer",
};

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
    line_count: o.lineCount ?? 1,
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

/** History rows of several orders in one statement (a set-wise tick), in the given order. */
export async function recordOrderEvents(
  tx: Tx,
  rows: readonly { orderId: string; type: OrderEventType; at: Date; data: Record<string, unknown> }[],
): Promise<void> {
  if (rows.length === 0) return;
  await insertArrays(
    "order_events",
    { id: "text", order_id: "text", type: "text", data: "text", at: "timestamptz" },
    rows.map((r) => ({ id: randomId("oev"), order_id: r.orderId, type: r.type, data: JSON.stringify(r.data), at: r.at })),
  ).execute(tx);
}

export async function orderRow(db: Db | Tx, orderId: string): Promise<OrderRow> {
  const row = await db.selectFrom("orders").selectAll().where("id", "=", orderId).executeTakeFirst();
  if (!row) throw new AppError("not_found", "No such order.");
  return row;
}

export type OrderLineRow = Selectable<OrdersTables["order_lines"]>;

/**
 * The order as the API shows it. `lines`: an order of one offer is its own one line; a bag's lines come from
 * order_lines (pass them; without them a bag's view has no lines until `withLines` adds them).
 */
export function orderView(r: OrderRow, bagLines?: readonly OrderLineRow[]): OrderView {
  const single = (r.line_count ?? 1) === 1;
  const lines = single
    ? [{ offerId: r.offer_id, quantity: r.quantity, unitPrice: Number(r.unit_price), vatRateBp: r.vat_rate_bp }]
    : (bagLines ?? []).map((l) => ({ offerId: l.offer_id, quantity: l.quantity, unitPrice: Number(l.unit_price), vatRateBp: l.vat_rate_bp }));
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
    // A bag's lines may carry different rates (no discount applies to a bag, so each line's gross is its share).
    vat:
      single || !bagLines ? vatIncluded(Number(r.total), r.vat_rate_bp) : lines.reduce((sum, l) => sum + vatIncluded(l.unitPrice * l.quantity, l.vatRateBp), 0),
    lines,
  };
}

/** Offer ids in byte order: the order every writer that takes several offers' rows locks them in (no deadlock on PostgreSQL). */
export const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A bag's lines in offer-id order (compareIds): for a writer about to lock their offers' rows. */
export async function bagLinesByOffer(db: Db | Tx, orderId: string): Promise<OrderLineRow[]> {
  return (await bagLines(db, orderId)).sort((a, b) => compareIds(a.offer_id, b.offer_id));
}

/** A bag's lines, in order. */
export function bagLines(db: Db | Tx, orderId: string): Promise<OrderLineRow[]> {
  return db.selectFrom("order_lines").selectAll().where("order_id", "=", orderId).orderBy("line_no").execute();
}

/** Writes a bag's lines (line_no from 1), in the transaction that inserted the order. */
export async function insertBagLines(tx: Tx, orderId: string, lines: readonly { offerId: string; quantity: number; unitPrice: number; vatRateBp: number }[]) {
  await tx
    .insertInto("order_lines")
    .values(
      lines.map((l, i) => ({
        order_id: orderId,
        line_no: i + 1,
        offer_id: l.offerId,
        quantity: l.quantity,
        unit_price: l.unitPrice,
        vat_rate_bp: l.vatRateBp,
      })),
    )
    .execute();
}

/** The lines of a hold tick's bags, one INSERT for them all (line_no from 1 within each bag). */
export async function insertBagsLines(tx: Tx, rows: readonly OrderLineRow[]) {
  if (rows.length === 0) return;
  await insertArrays(
    "order_lines",
    { order_id: "text", line_no: "integer", offer_id: "text", quantity: "integer", unit_price: "bigint", vat_rate_bp: "integer" },
    rows,
  ).execute(tx);
}

/** The lines of several bags, one read, by order id (each bag's in line order). */
export async function bagsLines(db: Db | Tx, orderIds: readonly string[]): Promise<Map<string, OrderLineRow[]>> {
  const byOrder = new Map<string, OrderLineRow[]>();
  if (orderIds.length === 0) return byOrder;
  const lines = await db.selectFrom("order_lines").selectAll().where("order_id", "=", anyText(orderIds)).orderBy("order_id").orderBy("line_no").execute();
  for (const l of lines) {
    const of = byOrder.get(l.order_id);
    if (of) of.push(l);
    else byOrder.set(l.order_id, [l]);
  }
  return byOrder;
}

/** Views of orders with their lines: bags' lines read in one query; orders of one offer need none. */
export async function viewsWithLines(db: Db | Tx, rows: readonly OrderRow[]): Promise<OrderView[]> {
  const bagIds = rows.filter((r) => (r.line_count ?? 1) > 1).map((r) => r.id);
  if (bagIds.length === 0) return rows.map((r) => orderView(r));
  const byOrder = await bagsLines(db, bagIds);
  return rows.map((r) => orderView(r, byOrder.get(r.id)));
}

/** The same view with its lines: a bag's are read (one query); an order of one offer already has its line. */
export async function withLines(db: Db | Tx, view: OrderView): Promise<OrderView> {
  if (view.lines.length > 0) return view;
  return orderView(await orderRow(db, view.id), await bagLines(db, view.id));
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
  return viewsWithLines(db, rows);
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

/**
 * The buyer's units of an offer over held and bought orders, minus refunds (the per-buyer limit's count): orders of
 * that one offer, plus the offer's lines in bags (a bag is refunded whole, so a counted bag has no refunded units).
 * One statement, so a purchase of one offer runs no more statements than before bags.
 */
export async function buyerUnits(tx: Tx, offerId: string, who: BuyerKeys & { email: string | null }, excludeOrderId?: string): Promise<number> {
  const ofBuyer = (eb: ExpressionBuilder<OrdersTables, "orders">) =>
    eb.and([
      eb("orders.status", "in", [...LIMIT_STATUSES]),
      eb.or([
        ...(who.accountId ? [eb("orders.account_id", "=", who.accountId)] : []),
        ...(who.email ? [eb(sql`lower(orders.buyer_email)`, "=", who.email)] : []),
        ...(who.fingerprint ? [eb("orders.card_fingerprint", "=", who.fingerprint)] : []),
        ...(who.clientKey ? [eb("orders.client_key", "=", who.clientKey)] : []),
      ]),
      ...(excludeOrderId ? [eb("orders.id", "!=", excludeOrderId)] : []),
    ]);
  const inBags = tx
    .selectFrom("order_lines")
    .innerJoin("orders", "orders.id", "order_lines.order_id")
    .select(sql<number>`coalesce(sum(order_lines.quantity), 0)`.as("units"))
    .where("order_lines.offer_id", "=", offerId)
    .where((eb) => ofBuyer(eb as unknown as ExpressionBuilder<OrdersTables, "orders">));
  const row = await tx
    .selectFrom("orders")
    .select([sql<number>`coalesce(sum(quantity - refunded_quantity), 0)`.as("units"), inBags.as("in_bags")])
    .where("offer_id", "=", offerId)
    .where("line_count", "=", 1)
    .where(ofBuyer)
    .executeTakeFirstOrThrow();
  return Number(row.units) + Number(row.in_bags ?? 0);
}

/** Whether the account has a paid (or shipped, delivered) order in one of these shows. */
export async function hasPaidOrder(db: Db, accountId: string, showIds: string[]): Promise<boolean> {
  if (showIds.length === 0) return false;
  const row = await db
    .selectFrom("orders")
    .select("id")
    .where("account_id", "=", accountId)
    .where("show_id", "in", showIds)
    .where("status", "in", ["paid", "fulfilled", "delivered"])
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
