import type { ColumnType } from "kysely";
import type { Timestamp } from "../db/column-types.js";

// Polls, options, votes and their audit log: the tables this module writes.
// db/schema.ts composes every module's tables into `Database`.
export interface PollsTables {
  polls: {
    id: string;
    show_id: string;
    question: string;
    hidden_results: boolean;
    duration_ms: number | null;
    /** "Which product next?": the winning product becomes an offer with these terms at close (null: no pin). */
    pin_show_price: number | null;
    pin_quantity: number | null;
    pin_duration_seconds: number | null;
    status: "draft" | "open" | "closed";
    winner_option_id: string | null;
    pinned_offer_id: string | null;
    created_by: string;
    created_at: Timestamp;
    opened_at: Timestamp | null;
    closes_at: Timestamp | null;
    closed_at: Timestamp | null;
  };
  /** `votes` is written at close (the stored result); live counts come from poll_votes. */
  poll_options: { id: string; poll_id: string; position: number; label: string; product_id: string | null; votes: number | null };
  poll_votes: { poll_id: string; account_id: string; option_id: string; created_at: Timestamp };
  poll_audit: { seq: ColumnType<number, never, never>; poll_id: string; type: string; account_id: string | null; data: string; at: Timestamp };
}
