import type { ColumnType } from "kysely";
import type { Timestamp } from "../db/column-types.js";
import type { OrdersTables } from "../orders/index.js";

// Waitlist entries per offer: the tables this module writes.
// db/schema.ts composes every module's tables into `Database`.
/**
 * The foreign columns waitlist reads, declared (docs/architecture.md, "Declared joins"): a claim hold's status and
 * expiry, read in the same statement as its entry, so the claim an entry shows is the hold's state at that moment.
 */
export interface WaitlistReads {
  orders: Pick<OrdersTables["orders"], "id" | "status" | "hold_expires_at">;
}

export interface WaitlistTables {
  waitlist_entries: {
    id: string;
    seq: ColumnType<number, never, never>;
    offer_id: string;
    /** Lower-cased. */
    email: string;
    account_id: string | null;
    status: "waiting" | "offered" | "claimed" | "lapsed" | "left";
    /** The timed hold made for this entry when units came back. */
    order_id: string | null;
    created_at: Timestamp;
    offered_at: Timestamp | null;
    /** The language of the claim email (the page the buyer joined from). */
    lang: ColumnType<"de" | "en" | null, "de" | "en" | null | undefined, "de" | "en" | null>;
  };
}
