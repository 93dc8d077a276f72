import { z } from "zod";
import { idSchema } from "./common.js";

// Where a viewer or a buyer came from: the live page, a replay, a host's share link (?ref=), a merchant's embed.
export const TRAFFIC_SOURCES = ["live", "replay", "share", "embed"] as const;
export type TrafficSource = (typeof TRAFFIC_SOURCES)[number];
export const trafficSourceSchema = z.enum(TRAFFIC_SOURCES);

/** Offer cards a viewer's page showed since its last report (each offer once per page): batched, at most every 10 s. */
export const impressionsBody = z.strictObject({
  offerIds: z.array(idSchema).min(1).max(50),
  source: trafficSourceSchema.optional(),
});
export type ImpressionsBody = z.infer<typeof impressionsBody>;

/** The checkout sheet was opened for an offer (before any hold). */
export const checkoutOpenedBody = z.strictObject({ offerId: idSchema, source: trafficSourceSchema.optional() });
export type CheckoutOpenedBody = z.infer<typeof checkoutOpenedBody>;

// A date range: ISO timestamps or dates (a date alone is midnight UTC). `to` is exclusive.
const instant = z.union([z.iso.datetime({ offset: true }), z.iso.date()]).transform((s) => new Date(s.length === 10 ? `${s}T00:00:00Z` : s));

/** The show report: optionally clipped to a window inside the show (at most 2 days long). */
export const showReportQuery = z.strictObject({ from: instant.optional(), to: instant.optional() });
/** The shop overview over a range of at most 366 days (default: the last 30 days). */
export const shopOverviewQuery = z.strictObject({ from: instant.optional(), to: instant.optional() });

export const SHOW_REPORT_CHARTS = ["viewers", "pins", "sales", "engagement", "funnel", "top_offers", "buyers", "sources", "qoe"] as const;
export type ShowReportChart = (typeof SHOW_REPORT_CHARTS)[number];
export const showReportCsvQuery = showReportQuery.extend({ chart: z.enum(SHOW_REPORT_CHARTS) });
export const SHOP_OVERVIEW_CHARTS = ["shows", "hosts", "trend"] as const;
export type ShopOverviewChart = (typeof SHOP_OVERVIEW_CHARTS)[number];
export const shopOverviewCsvQuery = shopOverviewQuery.extend({ chart: z.enum(SHOP_OVERVIEW_CHARTS) });

/** Longest windows a report reads (bad input beyond them: 400 range_too_large). */
export const MAX_SHOW_REPORT_MS = 2 * 24 * 3600_000;
export const MAX_OVERVIEW_MS = 366 * 24 * 3600_000;

export interface FunnelRow {
  offerId: string;
  title: string;
  /** Unique viewers of the show. */
  viewers: number;
  impressions: number;
  checkouts: number;
  holds: number;
  paid: number;
  units: number;
  gmv: number;
}

export interface ShowReport {
  show: { id: string; title: string; status: string; merchantId: string; hostName: string };
  currency: string;
  from: string | null;
  to: string | null;
  totals: {
    peakViewers: number;
    peakAt: string | null;
    uniqueViewers: number;
    watchSeconds: number;
    impressions: number;
    checkouts: number;
    holds: number;
    paidOrders: number;
    units: number;
    gmv: number;
    refunds: number;
    refunded: number;
    chatMessages: number;
    reactions: number;
  };
  /** Concurrent viewers every 10 s, summed over the nodes. */
  viewers: { at: string; viewers: number }[];
  pins: { at: string; offerId: string; title: string; kind: "pin" | "unpin" }[];
  sales: { minute: string; orders: number; units: number; gmv: number; refunded: number }[];
  engagement: { minute: string; chat: number; reactions: number }[];
  funnel: FunnelRow[];
  topOffers: FunnelRow[];
  buyers: { new: number; returning: number };
  sources: { source: TrafficSource; viewers: number; buyers: number; orders: number; gmv: number }[];
  qoe: { avgStartupMs: number | null; avgDelayMs: number | null; rebufferRatio: number | null; watchedSeconds: number; reports: number };
}

export interface ShopOverview {
  merchantId: string;
  currency: string;
  from: string;
  to: string;
  shows: {
    showId: string;
    title: string;
    hostName: string;
    startedAt: string | null;
    gmv: number;
    orders: number;
    peakViewers: number;
    uniqueViewers: number;
  }[];
  hosts: { hostAccountId: string; hostName: string; shows: number; gmv: number; orders: number }[];
  trend: { day: string; gmv: number; orders: number }[];
}

/** What the studio's live chart draws: the last 30 minutes and the pinned offer's funnel (`analytics.live` on the studio socket). */
export interface LiveAnalytics {
  at: string;
  viewers: { at: string; viewers: number }[];
  sales: { minute: string; orders: number; gmv: number }[];
  offer: FunnelRow | null;
  currency: string;
}
