import { createHmac, timingSafeEqual } from "node:crypto";
import type { OrderView } from "../../protocol/api.js";
import type { Db } from "../db/index.js";
import { orderView } from "./service.js";

/** Header that carries an order access token; headers are not part of the request log line (the URL is). */
export const ORDER_TOKEN_HEADER = "x-order-token";

/**
 * The buyer's way back to an order: a signed-in buyer by session (the order's account), a guest by an access token.
 * The token is HMAC-SHA256(server secret, order id): nothing to store, the same for an idempotent replay, and
 * unforgeable without the server's secrets key. It travels in URL fragments (#t=…) and this header, never in a path
 * or query string, so it stays out of request logs and Referer headers.
 */
export class OrderAccess {
  readonly #key: Buffer;

  constructor(
    private readonly db: Db,
    key: Buffer,
  ) {
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
    return rows.map(orderView);
  }
}
