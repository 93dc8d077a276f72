import type { ColumnType } from "kysely";
import type { Timestamp } from "../db/column-types.js";
import type { OffersTables } from "../offers/index.js";
import type { OrdersTables } from "../orders/index.js";
import type { ShowsTables } from "../shows/index.js";

// Mystery pools, their items, odds versions, draws and returns: the tables this module writes.
// db/schema.ts composes every module's tables into `Database`.
/**
 * The foreign columns mystery reads, declared (docs/architecture.md, "Declared joins"). Placing an order counts the
 * pool's room (items left minus units held) inside the order's transaction, under the offer's row lock, so no paid
 * unit is ever without an item; the show's merchant picks the 18+ setting in the same statement. A pool's view
 * reveals the seed only once its offer ended and no hold can still be paid, read with the pool row.
 */
export interface MysteryReads {
  orders: Pick<OrdersTables["orders"], "id" | "offer_id" | "status" | "quantity">;
  shows: Pick<ShowsTables["shows"], "id" | "merchant_id">;
  offers: Pick<OffersTables["offers"], "id" | "closed_at" | "ends_at">;
}

export interface MysteryTables {
  mystery_settings: { merchant_id: string; adult_only: boolean; updated_at: Timestamp };
  /** A mystery pool sells through its own offer; seed_hex stays secret until the pool is closed and settled. */
  mystery_pools: {
    id: string;
    show_id: string;
    offer_id: string;
    title: string;
    seed_hex: string;
    commitment: string;
    odds_version: ColumnType<number, number | undefined, number>;
    created_by: string;
    created_at: Timestamp;
    closed_at: Timestamp | null;
  };
  mystery_pool_items: {
    id: string;
    pool_id: string;
    position: number;
    product_id: string;
    variant_id: string | null;
    title: string;
    image_url: string;
    odds_bp: number;
    quantity: number;
    remaining: number;
  };
  /** The items in stock at each odds version (JSON [{id, oddsBp}] in pool order): what a draw of that version used. */
  mystery_odds_versions: { pool_id: string; version: number; items: string; created_at: Timestamp };
  /** Append-only: one row per drawn unit. */
  mystery_draws: {
    seq: ColumnType<number, never, never>;
    pool_id: string;
    order_id: string;
    unit: number;
    item_id: string;
    odds_version: number;
    ticket: number;
    hmac: string;
    drawn_at: Timestamp;
  };
  mystery_age_confirmations: { order_id: string; pool_id: string; confirmed_at: Timestamp };
  /** Append-only: a drawn unit refunded before shipping, back in the pool (odds_version: the version it opened). */
  mystery_returns: {
    draw_seq: number;
    pool_id: string;
    order_id: string;
    unit: number;
    item_id: string;
    refund_id: string;
    odds_version: number;
    returned_at: Timestamp;
  };
}
