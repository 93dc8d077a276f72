import { z } from "zod";

// Money is always integer minor units plus an ISO 4217 code.
export const currencySchema = z.string().regex(/^[A-Z]{3}$/, "ISO 4217 code, e.g. EUR");
export const moneySchema = z.object({ amount: z.number().int(), currency: currencySchema });
export type Money = z.infer<typeof moneySchema>;

const text = (max: number) => z.string().trim().min(1).max(max);

export const idSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/);

const paymentSchema = z.strictObject({ method: z.literal("test_card"), number: z.string().regex(/^[0-9 ]{12,23}$/) });

export const createOrderBody = z.strictObject({
  offerId: idSchema,
  quantity: z.number().int().min(1).max(100),
  buyer: z.strictObject({ name: text(120), email: z.string().trim().max(254).pipe(z.email()) }),
  shipping: z.strictObject({
    name: text(120),
    line1: text(200),
    line2: z.string().trim().max(200).optional(),
    postalCode: text(16),
    city: text(100),
    country: z.string().regex(/^[A-Z]{2}$/, "ISO 3166-1 alpha-2, e.g. DE"),
  }),
  /** A present: ships to `shipping` (the recipient), with a message on a packing slip without prices. */
  gift: z
    .strictObject({
      message: z.string().trim().min(1).max(500),
      /** Tell the recipient it is on its way (when it ships). */
      notifyEmail: z.string().trim().max(254).pipe(z.email()).optional(),
    })
    .optional(),
  /** Without payment the order is a hold: the units are reserved until holdExpiresAt; pay with POST /api/orders/:id/pay. */
  payment: paymentSchema.optional(),
});
export const payOrderBody = z.strictObject({ payment: paymentSchema });
export type CreateOrderBody = z.infer<typeof createOrderBody>;

export const loginBody = z.strictObject({ email: z.string().trim().max(254), password: z.string().min(1).max(200) });

// 10–200 characters: long passphrases welcome; argon2id makes the stored form expensive to attack.
const newPassword = z.string().min(10, "at least 10 characters").max(200);
export const signUpBody = z.strictObject({
  email: z.string().trim().max(254).pipe(z.email()),
  password: newPassword,
  displayName: z.string().trim().min(1).max(60),
});
export const passwordResetRequestBody = z.strictObject({ email: z.string().trim().max(254), lang: z.enum(["de", "en"]).optional() });
export const passwordResetBody = z.strictObject({ token: z.string().min(20).max(100), password: newPassword });

export const createOfferBody = z.strictObject({
  productId: idSchema,
  showPrice: z.number().int().min(0).max(100_000_000),
  quantity: z.number().int().min(1).max(1_000_000),
  durationSeconds: z.number().int().min(10).max(7 * 24 * 3600),
  pin: z.boolean().optional(),
});

export const pinOfferBody = z.strictObject({ pinned: z.boolean() });

export const chatSendSchema = z.strictObject({ text: z.string().trim().min(1).max(280) });
export const CHAT_MAX_LENGTH = 280;

// "reconnecting": the encoder dropped and the show waits RECONNECT_GRACE_SECONDS for it (players keep going).
export type ShowStatus = "scheduled" | "live" | "reconnecting" | "offline" | "ended";

export interface OfferView {
  id: string;
  showId: string;
  productId: string;
  title: string;
  description: string;
  imageUrl: string;
  price: number; // regular price, minor units
  showPrice: number; // show-only price, minor units
  currency: string;
  quantity: number;
  remaining: number;
  startsAt: string;
  endsAt: string;
  pinned: boolean;
  status: "active" | "ended";
}

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
}

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

export type DestinationStatus = "idle" | "connecting" | "live" | "error";

/** A simulcast target as the studio sees it: the stream key only as a hint. */
export interface DestinationView {
  id: string;
  showId: string;
  name: string;
  url: string;
  streamKeyHint: string;
  enabled: boolean;
  status: DestinationStatus;
  lastError: string | null;
  createdAt: string;
}

export const createDestinationBody = z.strictObject({
  name: z.string().trim().min(1).max(80),
  url: z
    .string()
    .trim()
    .max(500)
    .regex(/^rtmps?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*)?$/, "rtmp:// or rtmps:// URL without spaces"),
  streamKey: z.string().min(1).max(512).regex(/^[\x21-\x7e]+$/, "visible ASCII characters, no spaces"),
  enabled: z.boolean().optional(),
});
export type CreateDestinationBody = z.infer<typeof createDestinationBody>;

export interface OrderView {
  id: string;
  status: "pending_payment" | "paid" | "payment_failed" | "expired" | "cancelled" | "fulfilled" | "delivered" | "refunded";
  offerId: string;
  showId: string;
  quantity: number;
  unitPrice: number;
  total: number;
  currency: string;
  buyer: { name: string; email: string };
  shipping: CreateOrderBody["shipping"];
  createdAt: string;
  /** While pending_payment: when the reserved units go back on sale. */
  holdExpiresAt: string | null;
  gift: { message: string; notifyEmail?: string } | null;
  shipment: { carrier: string; trackingNumber: string } | null;
  refundedQuantity: number;
  refundedAmount: number;
}

export const fulfilOrderBody = z.strictObject({ carrier: z.string().trim().min(1).max(60), trackingNumber: z.string().trim().min(1).max(80) });
export const refundOrderBody = z.strictObject({ quantity: z.number().int().min(1).max(100).optional(), reason: z.string().trim().max(200).optional() });
export const adminOrdersQuery = z.strictObject({
  showId: z.string().max(64).optional(),
  status: z.enum(["pending_payment", "paid", "payment_failed", "expired", "cancelled", "fulfilled", "delivered", "refunded"]).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

export interface ProductView {
  id: string;
  title: string;
  description: string;
  imageUrl: string;
  price: number;
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

// Playback telemetry: one report per player every ~5 s (and on unload). Interval fields cover the time since the
// previous report of the same session; bounds keep one report from skewing the show's aggregate.
export const playbackReportBody = z
  .strictObject({
    sessionId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
    startupMs: z.number().int().min(0).max(600_000).nullable(),
    liveDelayMs: z.number().int().min(-60_000).max(3_600_000).nullable(),
    intervalMs: z.number().int().min(0).max(120_000),
    stalledMs: z.number().int().min(0).max(120_000),
    stalls: z.number().int().min(0).max(1000),
  })
  .refine((r) => r.stalledMs <= r.intervalMs, { message: "stalledMs cannot exceed intervalMs", path: ["stalledMs"] });
export type PlaybackReport = z.infer<typeof playbackReportBody>;

// Browser go-live (`/ws/ingest/:showId`): JSON text commands, binary frames carry the MediaRecorder output.
export const ingestCommand = z.discriminatedUnion("t", [
  z.strictObject({ t: z.literal("ingest.start"), d: z.strictObject({ mimeType: z.string().min(1).max(100).regex(/^[\w/.;=, +-]+$/) }) }),
  z.strictObject({ t: z.literal("ingest.stop"), d: z.unknown().optional() }),
]);
export type IngestCommand = z.infer<typeof ingestCommand>;

export type IngestServerFrame =
  | { t: "ingest.accepted"; d: { transcode: boolean } }
  | { t: "ingest.live"; d: Record<string, never> }
  | { t: "ingest.stats"; d: { receivedBytesPerSecond: number } }
  | { t: "ingest.ended"; d: { reason: "stopped" | "encoder_exited" } }
  | { t: "error"; d: { code: string; message: string } };
