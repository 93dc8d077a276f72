import type { Timestamp } from "../db/column-types.js";

// Incoming Stripe webhook events: the tables this module writes.
// db/schema.ts composes every module's tables into `Database`.
export interface PaymentsTables {
  /** Incoming Stripe webhook events: claimed before handling, processed_at once handled (each event id once). */
  stripe_events: { id: string; type: string; order_id: string | null; claimed_at: Timestamp; processed_at: Timestamp | null };
}
