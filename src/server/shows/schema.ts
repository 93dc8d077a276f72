import type { Timestamp } from "../db/column-types.js";

// Shows: the tables this module writes.
// db/schema.ts composes every module's tables into `Database`.
export interface ShowsTables {
  shows: {
    id: string;
    merchant_id: string;
    host_account_id: string;
    slug: string;
    title: string;
    status: "scheduled" | "live" | "reconnecting" | "offline" | "ended";
    stream_key: string;
    commission_rate_bp: number;
    scheduled_at: Timestamp | null;
    created_at: Timestamp;
  };
}
