import type { ColumnType } from "kysely";
import type { Timestamp } from "../db/column-types.js";
import type { OffersTables } from "../offers/index.js";
import type { ShowsTables } from "../shows/index.js";

// Orders and their event history: the tables this module writes.
// db/schema.ts composes every module's tables into `Database`.
/**
 * The foreign columns orders reads, declared (docs/architecture.md, "Declared joins"). Paying a hold locks each line's
 * offer row (`FOR UPDATE`) and reads its per-buyer limit in the order's transaction, so one buyer's concurrent payments
 * are counted one after the other; the buyer's emails name what was bought, read in the transaction that writes them
 * (PGlite's one connection is that transaction's); the access rule of every /api/orders/:id… route finds the order's
 * owner and its show's merchant in one statement.
 */
export interface OrdersReads {
  offers: Pick<OffersTables["offers"], "id" | "title" | "per_buyer_limit">;
  shows: Pick<ShowsTables["shows"], "id" | "merchant_id">;
}

export interface OrdersTables {
  orders: {
    id: string;
    offer_id: string;
    show_id: string;
    quantity: number;
    unit_price: number;
    total: number;
    currency: string;
    buyer_name: string;
    buyer_email: string;
    shipping: string;
    status: "pending_payment" | "paid" | "payment_failed" | "expired" | "cancelled" | "fulfilled" | "delivered" | "refunded";
    payment_ref: string | null;
    hold_expires_at: Timestamp | null;
    payment_lock_until: Timestamp | null;
    gift: string | null;
    carrier: string | null;
    tracking_number: string | null;
    refunded_quantity: ColumnType<number, number | undefined, number>;
    refunded_amount: ColumnType<number, number | undefined, number>;
    /** The offer's VAT rate when the order was placed (basis points). */
    vat_rate_bp: ColumnType<number, number | undefined, number>;
    idempotency_key: string;
    request_hash: string;
    created_at: Timestamp;
    updated_at: Timestamp;
    /** The signed-in buyer, if any. */
    account_id: ColumnType<string | null, string | null | undefined, string | null>;
    /** Keyed SHA-256 of the card number (never the number): per-buyer limits for guests. */
    card_fingerprint: ColumnType<string | null, string | null | undefined, string | null>;
    /** Keyed hash of the placing client's device id, else its address: per-buyer limits for anonymous holds. */
    client_key: ColumnType<string | null, string | null | undefined, string | null>;
    /** 1: the order is its own columns' one offer; more: a bag, its lines in order_lines (the columns: line 1's offer, all units, the total). */
    line_count: ColumnType<number, number | undefined, never>;
    /** The buyer's language at checkout: the order's emails are written in it. */
    lang: ColumnType<"de" | "en", "de" | "en" | undefined, "de" | "en">;
  };
  /** A bag's lines (orders with line_count > 1); each line reserved its own units of its offer. Written once, with the order. */
  order_lines: { order_id: string; line_no: number; offer_id: string; quantity: number; unit_price: number; vat_rate_bp: number };
  order_events: { id: string; seq: ColumnType<number, never, never>; order_id: string; type: string; data: string; at: Timestamp };
}
