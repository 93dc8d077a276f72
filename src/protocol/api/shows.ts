import { z } from "zod";
import type { OfferView } from "./offers.js";

export const createShowBody = z.strictObject({
  title: z.string().trim().min(1).max(120),
  slug: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, "lowercase letters, digits and dashes"),
  hostAccountId: z.string().min(1).max(64),
  scheduledAt: z.iso.datetime().optional(),
  commissionRateBp: z.number().int().min(0).max(10_000).optional(),
});
// "reconnecting": the encoder dropped and the show waits RECONNECT_GRACE_SECONDS for it (players keep going).
export type ShowStatus = "scheduled" | "live" | "reconnecting" | "offline" | "ended";

export interface ShowView {
  id: string;
  slug: string;
  title: string;
  status: ShowStatus;
  hostName: string;
  merchantName: string;
  playbackUrl: string;
  scheduledAt: string | null;
  commissionRateBp: number;
  offers: OfferView[];
  /** After the show (offline/ended) with a finished recording: the shoppable replay, else null. */
  replay: ReplayView | null;
  /** Games running now (open auctions, giveaways, polls, mystery pools, active coupon drops): the page loads their panels. */
  games?: GameKind[];
}

export type GameKind = "auction" | "giveaway" | "poll" | "mystery" | "coupon";

export interface ReplayMarker {
  offerId: string;
  /** Seconds from the recording's start when the offer was pinned (0: pinned when the recording began). */
  atSeconds: number;
  title: string;
  /** The offer as it is now (an ended offer shows as ended; open ones stay buyable from the replay). */
  offer: OfferView;
}

export interface ReplayView {
  recordingId: string;
  playbackUrl: string;
  durationSeconds: number;
  posterUrl: string | null;
  previewUrl: string | null;
  markers: ReplayMarker[];
}

export interface RecordingView {
  id: string;
  showId: string;
  status: "recording" | "ready" | "failed";
  startedAt: string;
  endedAt: string | null;
  durationSeconds: number | null;
  playbackUrl: string;
  posterUrl: string | null;
  previewUrl: string | null;
}

export interface ShowSalesView {
  id: string;
  slug: string;
  title: string;
  status: ShowStatus;
  commissionRateBp: number;
  orders: number;
  unitsSold: number;
  revenue: number;
  refundedUnits: number;
  refunds: number;
  commission: number;
  currency: string;
}

export interface StudioStats {
  viewers: number;
  unitsSold: number;
  revenue: number;
  commission: number;
  currency: string;
  /** Playback telemetry over the last 30 s (absent when no viewer reported; delays null without PDT). */
  medianDelayMs?: number | null;
  p90DelayMs?: number | null;
  medianStartupMs?: number | null;
  /** Stalled time ÷ watched time, 0–1. */
  rebufferRatio?: number | null;
  viewersReporting?: number;
}
