import type { ColumnType } from "kysely";
import type { Timestamp } from "../db/column-types.js";

// Offers (the show's stock of a product at a show price) and their pin history: the tables this module writes.
// db/schema.ts composes every module's tables into `Database`.
export interface OffersTables {
  offers: {
    id: string;
    show_id: string;
    product_id: string;
    title: string;
    description: string;
    image_url: string;
    list_price: number;
    show_price: number;
    currency: string;
    quantity: number;
    remaining: number;
    starts_at: Timestamp;
    ends_at: Timestamp;
    pinned: boolean;
    closed_at: Timestamp | null;
    /** Units of this variant were reserved for the offer at creation; unsold ones go back when it closes. */
    variant_id: ColumnType<string | null, string | null | undefined, string | null>;
    vat_rate_bp: ColumnType<number, number | undefined, number>;
    created_at: Timestamp;
    /** Units one buyer may hold or buy of this offer (null: no limit). */
    per_buyer_limit: ColumnType<number | null, number | null | undefined, number | null>;
    /** Grows with every change of `remaining`: orders offer.updated events that may arrive out of order. */
    stock_version: ColumnType<number, number | undefined, number>;
    /** While the show is live, sells only while pinned (false: any open offer of the live show sells). */
    sells_only_while_pinned: ColumnType<boolean, boolean | undefined, boolean>;
  };
  /** A show's planned items, in order; each becomes an offer when pinned or opened (offer_id then set, once). */
  lineup_items: {
    id: string;
    show_id: string;
    product_id: string;
    variant_id: string | null;
    show_price: number;
    quantity: number;
    per_buyer_limit: number | null;
    start_pinned: boolean;
    sells_only_while_pinned: boolean;
    duration_seconds: number;
    position: number;
    offer_id: string | null;
    created_at: Timestamp;
  };
  offer_pin_events: { id: string; show_id: string; offer_id: string; pinned: boolean; at: Timestamp };
}
