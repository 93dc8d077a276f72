import type { ColumnType } from "kysely";
import type { Timestamp } from "../db/column-types.js";

// Giveaways, entries and their audit log: the tables this module writes.
// db/schema.ts composes every module's tables into `Database`.
export interface GiveawaysTables {
  /** Provably fair giveaways: seed_hex stays secret until the draw; commitment = sha256(seed) is public from the start. */
  giveaways: {
    id: string;
    show_id: string;
    title: string;
    keyword: string | null;
    winner_count: number;
    /** Comma-separated ISO 3166 codes; null: every country. */
    allowed_countries: string | null;
    require_adult: boolean;
    duration_ms: number | null;
    status: "draft" | "open" | "closed" | "drawn" | "cancelled";
    seed_hex: string;
    commitment: string;
    list_hash: string | null;
    /** JSON array of winning entry ids in draw order. */
    winners: string | null;
    created_by: string;
    created_at: Timestamp;
    opened_at: Timestamp | null;
    closes_at: Timestamp | null;
    closed_at: Timestamp | null;
    drawn_at: Timestamp | null;
  };
  giveaway_entries: {
    id: string;
    giveaway_id: string;
    account_id: string;
    display_name: string;
    country: string | null;
    country_source: string | null;
    adult_confirmed: boolean;
    via: "button" | "chat";
    created_at: Timestamp;
  };
  /** Append-only: open, entry, close, draw (with the revealed seed). */
  giveaway_audit: { seq: ColumnType<number, never, never>; giveaway_id: string; type: string; account_id: string | null; data: string; at: Timestamp };
}
