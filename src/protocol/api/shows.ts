import { z } from "zod";
import { idSchema } from "./common.js";
import { type ShowCategory, showCategorySchema } from "./discover.js";
import { type LineupItemView, lineupItemBody } from "./lineup.js";
import type { OfferView } from "./offers.js";

export const GAME_KINDS = ["auction", "giveaway", "poll", "mystery", "coupon"] as const;
const slugSchema = z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, "lowercase letters, digits and dashes");
/** A wall-clock time in the shop's time zone, as a datetime-local input gives it. */
export const localDateTimeSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, "YYYY-MM-DDTHH:mm");

// The show form's fields (create and edit). Start time: `scheduledAt` (an instant, with Z or an offset) or
// `startsAtLocal` (wall-clock time in the shop's time zone); null unschedules. Co-hosts' shares are of the host
// commission; the main host keeps the rest (the shares must leave the host something: split_too_high otherwise).
const showFormFields = {
  title: z.string().trim().min(1).max(120),
  description: z.string().trim().max(5000),
  hostAccountId: idSchema,
  scheduledAt: z.iso.datetime({ offset: true }).nullable(),
  startsAtLocal: localDateTimeSchema,
  commissionRateBp: z.number().int().min(0).max(10_000),
  language: z.string().regex(/^[a-z]{2}$/, "a two-letter language code (de, en)"),
  plannedGames: z
    .array(z.enum(GAME_KINDS))
    .max(GAME_KINDS.length)
    .refine((g) => new Set(g).size === g.length, "each game once"),
  coHosts: z
    .array(z.strictObject({ accountId: idSchema, shareBp: z.number().int().min(1).max(10_000) }))
    .max(9)
    .refine((h) => new Set(h.map((x) => x.accountId)).size === h.length, "each co-host once"),
  /** The planned items (replaces those not on sale yet), in order. */
  lineup: z.array(lineupItemBody).max(200),
  /** Where the show is listed (GET /api/discover's category chips). */
  category: showCategorySchema,
};

export const createShowBody = z
  .strictObject({
    ...showFormFields,
    description: showFormFields.description.optional(),
    scheduledAt: showFormFields.scheduledAt.optional(),
    startsAtLocal: showFormFields.startsAtLocal.optional(),
    commissionRateBp: showFormFields.commissionRateBp.optional(),
    language: showFormFields.language.optional(),
    plannedGames: showFormFields.plannedGames.optional(),
    coHosts: showFormFields.coHosts.optional(),
    lineup: showFormFields.lineup.optional(),
    category: showFormFields.category.optional(),
    /** Made from the title when absent. */
    slug: slugSchema.optional(),
    /** Platform admins name the shop (owners and staff act for their own). */
    merchantId: idSchema.optional(),
  })
  .refine((b) => !(b.scheduledAt && b.startsAtLocal), "give scheduledAt or startsAtLocal, not both");
export type CreateShowBody = z.infer<typeof createShowBody>;

export const updateShowBody = z
  .strictObject({
    title: showFormFields.title.optional(),
    description: showFormFields.description.optional(),
    hostAccountId: showFormFields.hostAccountId.optional(),
    scheduledAt: showFormFields.scheduledAt.optional(),
    startsAtLocal: showFormFields.startsAtLocal.optional(),
    commissionRateBp: showFormFields.commissionRateBp.optional(),
    language: showFormFields.language.optional(),
    plannedGames: showFormFields.plannedGames.optional(),
    coHosts: showFormFields.coHosts.optional(),
    lineup: showFormFields.lineup.optional(),
    category: showFormFields.category.optional(),
    slug: slugSchema.optional(),
  })
  .refine((b) => !(b.scheduledAt && b.startsAtLocal), "give scheduledAt or startsAtLocal, not both");
export type UpdateShowBody = z.infer<typeof updateShowBody>;

export const duplicateShowBody = z
  .strictObject({
    title: showFormFields.title.optional(),
    slug: slugSchema.optional(),
    scheduledAt: showFormFields.scheduledAt.optional(),
    startsAtLocal: showFormFields.startsAtLocal.optional(),
  })
  .refine((b) => !(b.scheduledAt && b.startsAtLocal), "give scheduledAt or startsAtLocal, not both");

export const adminShowsQuery = z.strictObject({
  merchantId: idSchema.optional(),
  /** upcoming: scheduled, not cancelled; live: live/reconnecting; past: offline/ended, not cancelled. */
  status: z.enum(["all", "upcoming", "live", "past", "cancelled"]).optional(),
  q: z.string().trim().max(120).optional(),
});

/** A show as the merchant's admin sees it (list and form). */
export interface AdminShowView {
  id: string;
  merchantId: string;
  slug: string;
  title: string;
  description: string;
  status: ShowStatus;
  cancelled: boolean;
  /** UTC instant; `startsAtLocal` is the same on the shop's wall clock (`timeZone`). */
  scheduledAt: string | null;
  startsAtLocal: string | null;
  timeZone: string;
  language: string;
  plannedGames: GameKind[];
  category: ShowCategory;
  coverUrl: string | null;
  coverThumbUrl: string | null;
  hostAccountId: string;
  hostName: string;
  commissionRateBp: number;
  /** Every host with their share of the commission (the main host first; one row of 10000 without co-hosts). */
  hosts: { accountId: string; displayName: string; shareBp: number }[];
  lineup?: LineupItemView[];
}
// "reconnecting": the encoder dropped and the show waits RECONNECT_GRACE_SECONDS for it (players keep going).
export type ShowStatus = "scheduled" | "live" | "reconnecting" | "offline" | "ended";

export interface ShowView {
  id: string;
  slug: string;
  title: string;
  status: ShowStatus;
  hostName: string;
  merchantName: string;
  /** The host's account id and the shop's merchant id: what a viewer follows (absent on older servers' answers). */
  hostId?: string;
  merchantId?: string;
  /** The shop's page: /shops/<merchantSlug> (absent on older servers' answers). */
  merchantSlug?: string;
  playbackUrl: string;
  /**
   * Sub-second (WHEP) playback as the answering node offers it: `available` while WHEP is on
   * (WHEP_MAX_VIEWERS_PER_NODE > 0), has a place left and the show is live on this node; for a show not live yet,
   * whether it would be offered once live (on, with a place left). Players go straight to LL-HLS when false. Read at
   * request time (places change with every viewer; a POST past the limit still answers whep_full). Absent on older
   * servers' answers.
   */
  webrtc?: { available: boolean };
  scheduledAt: string | null;
  commissionRateBp: number;
  offers: OfferView[];
  /** After the show (offline/ended) with a finished recording: the shoppable replay, else null. */
  replay: ReplayView | null;
  /** Games running now (open auctions, giveaways, polls, mystery pools, active coupon drops): the page loads their panels. */
  games?: GameKind[];
  /** The show form's details (absent on older servers' answers). */
  description?: string;
  language?: string;
  coverUrl?: string | null;
  plannedGames?: GameKind[];
  category?: ShowCategory;
}

/** `GET /api/shows/:idOrSlug/share`: the link a viewer's share sheet passes on; `code` is the caller's share code when they host the show. */
export interface ShowShareView {
  url: string;
  code: string | null;
  title: string;
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

/** One host's part of a show's commission (pending, as the studio counts it). */
export interface CommissionShareView {
  accountId: string;
  displayName: string;
  /** The host's share of the show's split in basis points; null for a host outside it (e.g. removed after selling). */
  shareBp: number | null;
  amount: number;
}

export interface StudioStats {
  viewers: number;
  unitsSold: number;
  revenue: number;
  commission: number;
  currency: string;
  /**
   * `commission` by host, the show's split (main host first): in the studio's GET and in earnings.updated, not in the
   * stats.updated ticks (it changes only with a commission).
   */
  commissionSplit?: CommissionShareView[];
  /** Playback telemetry over the last 30 s (absent when no viewer reported; delays null without PDT). */
  medianDelayMs?: number | null;
  p90DelayMs?: number | null;
  medianStartupMs?: number | null;
  /** Stalled time ÷ watched time, 0–1. */
  rebufferRatio?: number | null;
  viewersReporting?: number;
}
