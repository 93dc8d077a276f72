import type { ColumnType } from "kysely";
import type { TrafficSource } from "../../protocol/api.js";
import type { Timestamp } from "../db/column-types.js";

// report_mailed: the merchant was sent the report's link once the show ended (one row per show).
export const EVENT_KINDS = ["pin", "unpin", "checkout", "hold", "paid", "refund", "report_mailed"] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/**
 * Per-minute counters; `offer_id` is '' for a show-wide figure. `paid`, `units` and `gmv` are per offer (a bag counts
 * once for each of its lines' offers); `orders` is paid orders, show-wide (a bag is one).
 */
export const METRICS = [
  "orders",
  "impressions",
  "checkouts",
  "holds",
  "paid",
  "units",
  "gmv",
  "refunds",
  "refunded",
  "chat",
  "reactions",
  "watch_ms",
  "stalled_ms",
  "startup_ms",
  "startup_n",
  "delay_ms",
  "delay_n",
] as const;
export type Metric = (typeof METRICS)[number];

// What the analytics module writes: append-only events, per-minute rollups, viewer samples per node, unique viewers.
// Nothing here is read on the purchase path; docs/architecture.md, "Analytics".
export interface AnalyticsTables {
  analytics_events: {
    id: ColumnType<number, never, never>;
    show_id: string;
    merchant_id: string;
    at: Timestamp;
    kind: EventKind;
    offer_id: string | null;
    order_id: string | null;
    quantity: number;
    /** Minor units (paid: the order's total; refund: the amount refunded). */
    amount: number;
    /** The buyer: account id, else a keyed hash of the email (new vs returning buyers of the shop). */
    buyer_key: string | null;
    source: TrafficSource | null;
  };
  analytics_minutes: {
    show_id: string;
    minute: Timestamp;
    metric: Metric;
    offer_id: string;
    value: number;
  };
  /** Each node's sockets in a show's room every 10 s: the curve is the sum over nodes per instant. */
  analytics_viewer_samples: {
    show_id: string;
    at: Timestamp;
    node_id: string;
    viewers: number;
  };
  analytics_viewers: {
    show_id: string;
    /** Account id, else a keyed hash of the device id (never the raw id). */
    viewer_key: string;
    first_at: Timestamp;
    source: TrafficSource;
  };
}
