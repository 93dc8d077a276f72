import type { ColumnType } from "kysely";
import type { Timestamp } from "../db/column-types.js";
import type { OrdersTables } from "../orders/index.js";

// Coupon drops, claims and the discount each order got: the tables this module writes.
// db/schema.ts composes every module's tables into `Database`.
/**
 * The one foreign table coupons reads, declared (docs/architecture.md, "Declared joins"): an order's status. A claim
 * is free again once its order lapsed, and that is decided inside the claiming UPDATE in the order's transaction, so
 * two orders cannot both use one claim; the viewer's claim list reads the same column.
 */
export interface CouponsReads {
  orders: Pick<OrdersTables["orders"], "id" | "status">;
}

export interface CouponsTables {
  /** Coupon drops (src/server/coupons): percent (basis points) or a fixed amount off, claimable until expires_at. */
  coupons: {
    id: string;
    show_id: string;
    code: string;
    kind: "percent" | "fixed";
    percent_bp: number | null;
    amount: number | null;
    currency: string;
    /** The first `max_claims` claims win (null: no cap); `claims` counts them. */
    max_claims: number | null;
    claims: ColumnType<number, number | undefined, number>;
    created_by: string;
    created_at: Timestamp;
    expires_at: Timestamp;
    ended_at: Timestamp | null;
  };
  /** One claim per account and coupon; order_id is the order that used it (a failed or lapsed order frees it). */
  coupon_claims: { coupon_id: string; account_id: string; claimed_at: Timestamp; order_id: string | null };
  /** The discount an order got: its total is gross − amount. Commission and VAT are computed on that total. */
  order_discounts: {
    order_id: string;
    coupon_id: string;
    code: string;
    kind: "percent" | "fixed";
    percent_bp: number | null;
    gross: number;
    amount: number;
    currency: string;
    created_at: Timestamp;
  };
}
