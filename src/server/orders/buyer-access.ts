import { createHmac, timingSafeEqual } from "node:crypto";
import type { Kysely } from "kysely";
import type { OrderView } from "../../protocol/api.js";
import type { Account } from "../accounts/index.js";
import { type Db, scoped } from "../db/index.js";
import { AppError } from "../platform/errors.js";
import type { OrdersReads, OrdersTables } from "./schema.js";
import { viewsWithLines } from "./store.js";

/** Header that carries an order access token; headers are not part of the request log line (the URL is). */
export const ORDER_TOKEN_HEADER = "x-order-token";

/** How a request proved it may act on an order. */
export type OrderAccessKind = "owner" | "token" | "staff";

/**
 * The buyer's way back to an order: a signed-in buyer by session (the order's account), a guest by an access token.
 * The token is HMAC-SHA256(server secret, order id): nothing to store, the same for an idempotent replay, and
 * unforgeable without the server's secrets key. It travels in URL fragments (#t=…) and this header, never in a path
 * or query string, so it stays out of request logs and Referer headers.
 */
export class OrderAccess {
  readonly #key: Buffer;
  private readonly db: Kysely<OrdersTables>;

  constructor(db: Db, key: Buffer) {
    this.db = scoped(db);
    this.#key = key;
  }

  token(orderId: string): string {
    return createHmac("sha256", this.#key).update(`order-access:${orderId}`).digest("base64url");
  }

  verify(orderId: string, token: string | undefined): boolean {
    if (!token) return false;
    const want = Buffer.from(this.token(orderId));
    const got = Buffer.from(token);
    return got.length === want.length && timingSafeEqual(got, want);
  }

  /** The buyer's page for the order; the token sits in the fragment, which browsers never send to a server. */
  pageUrl(publicUrl: string, orderId: string): string {
    return `${publicUrl.replace(/\/$/, "")}/orders/${encodeURIComponent(orderId)}#t=${this.token(orderId)}`;
  }

  /**
   * The one rule for every /api/orders/:orderId… route. Order ids are not secrets (hosts see them in earnings, auction
   * events and the mystery audit), so the id alone proves nothing: the request needs the order's token in
   * X-Order-Token, the session of the account that placed it, or the session of the merchant's staff (or an admin).
   * A token that is sent must be right: a wrong one is refused even with a session, so a broken link says so.
   */
  /** The shows join is declared (OrdersReads): one statement per request, on every order route. */
  async require(req: { headers: Record<string, string | string[] | undefined>; account?: Account | null }, orderId: string): Promise<OrderAccessKind> {
    const row = await scoped<OrdersTables & OrdersReads>(this.db)
      .selectFrom("orders")
      .innerJoin("shows", "shows.id", "orders.show_id")
      .select(["orders.account_id", "shows.merchant_id"])
      .where("orders.id", "=", orderId)
      .executeTakeFirst();
    if (!row) throw new AppError("not_found", "No such order.");
    const token = req.headers[ORDER_TOKEN_HEADER];
    if (token !== undefined) {
      if (!this.verify(orderId, typeof token === "string" ? token : undefined)) throw new AppError("order_access_denied", "This order link is not valid.");
      return "token";
    }
    const account = req.account;
    if (account && row.account_id === account.id) return "owner";
    if (account && (account.role === "admin" || ((account.role === "merchant" || account.role === "staff") && account.merchantId === row.merchant_id)))
      return "staff";
    throw new AppError("order_access_denied");
  }

  async ownerAccountId(orderId: string): Promise<string | null> {
    const row = await this.db.selectFrom("orders").select("account_id").where("id", "=", orderId).executeTakeFirst();
    return row?.account_id ?? null;
  }

  /** A signed-in buyer's orders, newest first; holds that lapsed or were abandoned are left out. */
  async ordersOfAccount(accountId: string, limit = 100): Promise<OrderView[]> {
    const rows = await this.db
      .selectFrom("orders")
      .selectAll()
      .where("account_id", "=", accountId)
      .where("status", "not in", ["expired", "payment_failed"])
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .limit(limit)
      .execute();
    return viewsWithLines(this.db, rows);
  }
}
