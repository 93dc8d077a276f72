import type { ColumnType } from "kysely";
import type { Timestamp } from "../db/column-types.js";

// Auctions, bids and their audit log: the tables this module writes.
// db/schema.ts composes every module's tables into `Database`.
export interface AuctionsTables {
  auctions: {
    id: string;
    show_id: string;
    product_id: string;
    variant_id: string | null;
    /** A closed offer of quantity 1 carrying the item: the winner's order is placed on it (see placeAwardedOrder). */
    offer_id: string;
    title: string;
    image_url: string;
    currency: string;
    start_price: number;
    min_increment: number;
    duration_ms: number;
    soft_close_ms: number;
    hold_ms: number;
    status: "scheduled" | "live" | "awarded" | "sold" | "unsold" | "cancelled";
    starts_at: Timestamp | null;
    ends_at: Timestamp | null;
    current_price: number;
    leader_account_id: string | null;
    leader_name: string | null;
    /** The leader's secret maximum: never leaves the server. */
    leader_max: number | null;
    bid_count: ColumnType<number, number | undefined, number>;
    version: ColumnType<number, number | undefined, number>;
    award_rank: ColumnType<number, number | undefined, number>;
    award_account_id: string | null;
    award_order_id: string | null;
    award_price: number | null;
    award_name: string | null;
    created_by: string;
    created_at: Timestamp;
    closed_at: Timestamp | null;
  };
  /**
   * Append-only: every accepted and refused bid and every step of the auction, with the reason. A `bid_accepted` row is
   * the bid itself (amount: the bidder's secret maximum; data.bidId its id) and carries the bidder's name, e-mail and key.
   */
  auction_events: {
    id: string;
    seq: ColumnType<number, never, never>;
    auction_id: string;
    type: string;
    account_id: string | null;
    amount: number | null;
    reason: string | null;
    data: string;
    at: Timestamp;
    bidder_name: string | null;
    bidder_email: string | null;
    idempotency_key: string | null;
  };
}
