import { z } from "zod";

// Money is always integer minor units plus an ISO 4217 code.
export const currencySchema = z.string().regex(/^[A-Z]{3}$/, "ISO 4217 code, e.g. EUR");
export const moneySchema = z.object({ amount: z.number().int(), currency: currencySchema });
export type Money = z.infer<typeof moneySchema>;

const text = (max: number) => z.string().trim().min(1).max(max);

export const idSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/);

const testCardPayment = z.strictObject({ method: z.literal("test_card"), number: z.string().regex(/^[0-9 ]{12,23}$/) });
/** Stripe (PAYMENT_PROVIDER=stripe): a PaymentMethod id made in the browser by Stripe.js, so the card never reaches us. */
const stripePayment = z.strictObject({ method: z.literal("stripe"), paymentMethodId: z.string().regex(/^pm_[A-Za-z0-9_]{1,200}$/, "a Stripe PaymentMethod id (pm_…)") });
const paymentSchema = z.discriminatedUnion("method", [testCardPayment, stripePayment]);
export type PaymentBody = z.infer<typeof paymentSchema>;

export const buyerSchema = z.strictObject({ name: text(120), email: z.string().trim().max(254).pipe(z.email()) });
export const shippingSchema = z.strictObject({
  name: text(120),
  line1: text(200),
  line2: z.string().trim().max(200).optional(),
  postalCode: text(16),
  city: text(100),
  country: z.string().regex(/^[A-Z]{2}$/, "ISO 3166-1 alpha-2, e.g. DE"),
});
export type ShippingAddress = z.infer<typeof shippingSchema>;
/** A present: ships to `shipping` (the recipient), with a message on a packing slip without prices. */
const giftSchema = z.strictObject({
  message: z.string().trim().min(1).max(500),
  /** Tell the recipient it is on its way (when it ships). */
  notifyEmail: z.string().trim().max(254).pipe(z.email()).optional(),
});

export const createOrderBody = z
  .strictObject({
    offerId: idSchema,
    quantity: z.number().int().min(1).max(100),
    /** Required with `payment` (one-tap by card); a hold may leave them for pay time. */
    buyer: buyerSchema.optional(),
    shipping: shippingSchema.optional(),
    gift: giftSchema.optional(),
    /** Without payment the order is a hold: the units are reserved until holdExpiresAt; pay with POST /api/orders/:id/pay. */
    payment: paymentSchema.optional(),
    /** Signed-in one-tap: the account's saved card, its saved address (unless `shipping` is given) and its name/email. */
    useSaved: z.literal(true).optional(),
    /** A coupon code dropped in this show (signed-in buyers; see "Coupon drops" in docs/api.md). */
    coupon: z.string().trim().min(1).max(40).optional(),
    /** The buyer confirms being 18 or older: required for a mystery offer of a merchant with the 18+ switch on. */
    ageConfirmed: z.literal(true).optional(),
  })
  .superRefine((b, ctx) => {
    if (b.payment && b.useSaved) ctx.addIssue({ code: "custom", path: ["useSaved"], message: "either payment or useSaved" });
    if (b.payment && !b.buyer) ctx.addIssue({ code: "custom", path: ["buyer"], message: "required with payment" });
    if (b.payment && !b.shipping) ctx.addIssue({ code: "custom", path: ["shipping"], message: "required with payment" });
  });
// Paying a hold: a card (or the saved one), plus the buyer and address if the hold was placed without them.
export const payOrderBody = z
  .strictObject({
    payment: paymentSchema.optional(),
    useSaved: z.literal(true).optional(),
    buyer: buyerSchema.optional(),
    shipping: shippingSchema.optional(),
    gift: giftSchema.optional(),
  })
  .superRefine((b, ctx) => {
    if (!b.payment === !b.useSaved) ctx.addIssue({ code: "custom", path: ["payment"], message: "either payment or useSaved" });
  });
export type PayOrderBody = z.infer<typeof payOrderBody>;
export type CreateOrderBody = z.infer<typeof createOrderBody>;

export const loginBody = z.strictObject({ email: z.string().trim().max(254), password: z.string().min(1).max(200) });

// 10–200 characters: long passphrases welcome; argon2id makes the stored form expensive to attack.
const newPassword = z.string().min(10, "at least 10 characters").max(200);
export const signUpBody = z.strictObject({
  email: z.string().trim().max(254).pipe(z.email()),
  password: newPassword,
  displayName: z.string().trim().min(1).max(60),
  /** Language of the confirmation email. */
  lang: z.enum(["de", "en"]).optional(),
});
export const signUpConfirmBody = z.strictObject({ token: z.string().min(20).max(100) });
export const inviteBody = z.strictObject({
  email: z.string().trim().max(254).pipe(z.email()),
  role: z.enum(["host", "staff"]),
  lang: z.enum(["de", "en"]).optional(),
});
export const acceptInviteBody = z.strictObject({ token: z.string().min(20).max(100), password: newPassword, displayName: z.string().trim().min(1).max(60) });
export const createShowBody = z.strictObject({
  title: z.string().trim().min(1).max(120),
  slug: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, "lowercase letters, digits and dashes"),
  hostAccountId: z.string().min(1).max(64),
  scheduledAt: z.iso.datetime().optional(),
  commissionRateBp: z.number().int().min(0).max(10_000).optional(),
});
export const passwordResetRequestBody = z.strictObject({ email: z.string().trim().max(254), lang: z.enum(["de", "en"]).optional() });
export const passwordResetBody = z.strictObject({ token: z.string().min(20).max(100), password: newPassword });

export const createOfferBody = z.strictObject({
  productId: idSchema,
  showPrice: z.number().int().min(0).max(100_000_000),
  quantity: z.number().int().min(1).max(1_000_000),
  durationSeconds: z.number().int().min(10).max(7 * 24 * 3600),
  pin: z.boolean().optional(),
  /** Units one buyer (account, or email/card for guests) may hold or buy of this offer. */
  perBuyerLimit: z.number().int().min(1).max(1000).optional(),
  /** Reserve the offer's units from this variant's stock (unsold ones go back when the offer closes). */
  variantId: idSchema.optional(),
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
  /** Grows with every stock change; a client ignores an offer.updated older than what it shows. */
  stockVersion?: number;
  startsAt: string;
  endsAt: string;
  pinned: boolean;
  status: "active" | "ended";
  /** Units one buyer may hold or buy (absent: no limit). */
  perBuyerLimit?: number;
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
  /** Empty strings on a hold placed without them, until it is paid. */
  shipping: ShippingAddress;
  createdAt: string;
  /** While pending_payment: when the reserved units go back on sale. */
  holdExpiresAt: string | null;
  gift: { message: string; notifyEmail?: string } | null;
  shipment: { carrier: string; trackingNumber: string } | null;
  refundedQuantity: number;
  refundedAmount: number;
  /** VAT rate of the product when ordered (basis points, 1900 = 19 %) and the VAT contained in `total`. */
  vatRateBp: number;
  vat: number;
}

/** What was bought, for the buyer's order page (GET /api/orders/:id `item`). */
export interface OrderItemView {
  title: string;
  imageUrl: string;
  showSlug: string;
  showTitle: string;
}

/**
 * A payment that needs the buyer (3-D Secure): the order stays pending_payment and keeps its hold. Hand `clientSecret`
 * to Stripe.js (`stripe.handleNextAction`) or open `url`, then POST /api/orders/:id/pay with the same payment again.
 */
export interface NextAction {
  type: "redirect_to_url" | "use_stripe_sdk";
  clientSecret: string;
  /** redirect_to_url only: the bank's authentication page. */
  url?: string;
}

export const fulfilOrderBody = z.strictObject({ carrier: z.string().trim().min(1).max(60), trackingNumber: z.string().trim().min(1).max(80) });
export const refundOrderBody = z.strictObject({ quantity: z.number().int().min(1).max(100).optional(), reason: z.string().trim().max(200).optional() });
export const adminOrdersQuery = z.strictObject({
  showId: z.string().max(64).optional(),
  status: z.enum(["pending_payment", "paid", "payment_failed", "expired", "cancelled", "fulfilled", "delivered", "refunded"]).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  /** Platform admins: the merchant whose orders to list (owner and staff always get their own). */
  merchantId: z.string().max(64).optional(),
});

/** A signed-in buyer's saved details (never the card number: brand, last 4 digits and an opaque provider token). */
export interface SavedBuyerDetails {
  address: ShippingAddress | null;
  paymentMethod: { brand: string; last4: string } | null;
}
export const savePaymentMethodBody = testCardPayment;

export const joinWaitlistBody = z.strictObject({ email: z.string().trim().max(254).pipe(z.email()).optional() });
/** A place on a sold-out offer's waitlist. `claim`: units came back and are held for this entry until `expiresAt`. */
export interface WaitlistEntryView {
  id: string;
  offerId: string;
  status: "waiting" | "offered" | "claimed" | "lapsed" | "left";
  /** 1 = next in line (while waiting). */
  position: number | null;
  /** `accessToken` (GET /api/waitlist/:entryId only): the claim order's token for `X-Order-Token`. */
  claim: { orderId: string; expiresAt: string; accessToken?: string } | null;
}
/**
 * POST /api/offers/:offerId/waitlist. `entry` and `entryToken` (for `X-Waitlist-Token`) only when this request made
 * the entry or the signed-in account owns it; for an email that already waits both are null and `linkEmailed` says
 * whether its address was sent a link to its entry.
 */
export interface JoinWaitlistAnswer {
  entry: WaitlistEntryView | null;
  entryToken: string | null;
  linkEmailed: boolean;
}

export interface ProductView {
  id: string;
  title: string;
  description: string;
  imageUrl: string;
  price: number;
  currency: string;
}

// Merchant catalog (/api/admin/products). Prices are gross (VAT included) in cents; VAT rates in basis points.
export const vatRateSchema = z.number().int().min(0).max(3000);
const skuSchema = z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9._/-]+$/, "letters, digits and . _ / -");
const variantLabel = z.string().trim().max(40);
const stockSchema = z.number().int().min(0).max(1_000_000);
export const createVariantBody = z.strictObject({ sku: skuSchema, size: variantLabel.optional(), colour: variantLabel.optional(), stock: stockSchema });
export const updateVariantBody = z
  .strictObject({ sku: skuSchema.optional(), size: variantLabel.optional(), colour: variantLabel.optional(), stock: stockSchema.optional() })
  .refine((b) => Object.keys(b).length > 0, { message: "nothing to change" });
export const createProductBody = z.strictObject({
  title: text(200),
  description: z.string().trim().max(5000).optional(),
  price: z.number().int().min(0).max(100_000_000),
  currency: z.literal("EUR").optional(),
  vatRateBp: vatRateSchema,
  variants: z.array(createVariantBody).max(100).optional(),
});
export const updateProductBody = z
  .strictObject({ title: text(200).optional(), description: z.string().trim().max(5000).optional(), price: z.number().int().min(0).max(100_000_000).optional(), vatRateBp: vatRateSchema.optional() })
  .refine((b) => Object.keys(b).length > 0, { message: "nothing to change" });
export const adminMerchantQuery = z.strictObject({ merchantId: z.string().max(64).optional() });
export const adminOffersQuery = z.strictObject({ merchantId: z.string().max(64).optional(), showId: z.string().max(64).optional() });
export type CreateProductBody = z.infer<typeof createProductBody>;
export type CreateVariantBody = z.infer<typeof createVariantBody>;

export interface VariantView {
  id: string;
  productId: string;
  sku: string;
  size: string;
  colour: string;
  stock: number;
}

export interface AdminProductView extends ProductView {
  vatRateBp: number;
  /** 400 px wide WebP of an uploaded picture (imageUrl is the 800 px one), else null. */
  thumbUrl: string | null;
  variants: VariantView[];
  createdAt: string;
}

/** One show of the merchant with its sales (net of refunds) for the admin's summary. */
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

// Auctions (src/server/auctions). Amounts are minor units in the auction's currency.
export const createAuctionBody = z.strictObject({
  productId: idSchema,
  variantId: idSchema.optional(),
  startPrice: z.number().int().min(0).max(100_000_000),
  minIncrement: z.number().int().min(1).max(10_000_000),
  durationSeconds: z.number().int().min(5).max(24 * 3600),
  /** A bid in the last N seconds resets the remaining time to N (0: no soft close). */
  softCloseSeconds: z.number().int().min(0).max(600).default(10),
  /** How long the winner (and each next bidder after them) has to pay. */
  holdSeconds: z.number().int().min(30).max(24 * 3600).default(300),
});
export type CreateAuctionBody = z.input<typeof createAuctionBody>;
/** `maxAmount` is the bidder's secret maximum: the server bids for them up to it (proxy bidding). */
export const placeBidBody = z.strictObject({ maxAmount: z.number().int().min(1).max(1_000_000_000) });
export type AuctionStatus = "scheduled" | "live" | "awarded" | "sold" | "unsold" | "cancelled";
export interface AuctionView {
  id: string;
  showId: string;
  productId: string;
  title: string;
  imageUrl: string;
  currency: string;
  startPrice: number;
  minIncrement: number;
  softCloseSeconds: number;
  durationSeconds: number;
  status: AuctionStatus;
  startsAt: string | null;
  endsAt: string | null;
  /** The visible price: second-highest maximum + increment, capped at the highest maximum. */
  currentPrice: number;
  /** The least a new bidder may bid now. */
  minimumBid: number;
  bidCount: number;
  /** Display name of the leader, masked ("M***a"); null without bids. */
  leader: string | null;
  /** Per-auction pseudonym of the leading account (same as `you.key` for that account). */
  leaderKey: string | null;
  /** Winner (awarded or sold): masked name and the price they were offered. */
  award: { rank: number; bidder: string; bidderKey: string; price: number } | null;
  /** Only for the signed-in caller. */
  you?: { key: string; maxAmount: number | null; leading: boolean; awardOrderId: string | null; canBid: boolean };
}
export interface AuctionBidResult {
  auction: AuctionView;
  bid: { id: string; maxAmount: number; preBid: boolean; leading: boolean };
}

// Chat moderation (studio and viewer reports). Words: 2–40 characters; a trailing `*` blocks every word starting so.
export const CHAT_MODES = ["everyone", "signed_in", "buyers"] as const;
export type ChatMode = (typeof CHAT_MODES)[number];
export const chatSettingsBody = z.strictObject({
  slowModeSeconds: z.number().int().min(0).max(3600).optional(),
  mode: z.enum(CHAT_MODES).optional(),
  linksAllowed: z.boolean().optional(),
});
const chatWord = z.string().trim().min(2).max(40).regex(/^[^\s*]+\*?$/, "one word, optionally ending in *");
export const chatWordsBody = z.strictObject({ block: z.array(chatWord).max(500), allow: z.array(chatWord).max(500) });
export const chatPinBody = z.strictObject({ text: z.string().trim().min(1).max(280) });
export const chatModeratorBody = z.strictObject({ email: z.string().trim().email().max(200) });
export const chatTimeoutBody = z.strictObject({ minutes: z.number().int().min(1).max(7 * 24 * 60) });
export const chatBanBody = z.strictObject({
  /** account: the signed-in author (and their device); device: the browser's device id; ip: the client address. */
  by: z.array(z.enum(["account", "device", "ip"])).min(1).max(3).optional(),
  /** Also delete the author's messages of the last `deleteRecentMinutes` in this show (default 10; 0: none). */
  deleteRecentMinutes: z.number().int().min(0).max(24 * 60).optional(),
  reason: z.string().trim().max(200).optional(),
});
export const chatReportReasons = ["spam", "abuse", "scam", "other"] as const;
export const chatReportSchema = z.strictObject({ messageId: z.string().min(1).max(64), reason: z.enum(chatReportReasons) });

export interface ChatSettingsView {
  slowModeSeconds: number;
  mode: ChatMode;
  linksAllowed: boolean;
}
export interface ChatRestrictionView {
  id: string;
  kind: "ban" | "timeout";
  by: "account" | "device" | "ip";
  /** The author's display name when it was made. */
  label: string;
  reason: string;
  showId: string | null;
  expiresAt: string | null;
  createdAt: string;
}
export interface ChatReportView {
  id: string;
  reason: (typeof chatReportReasons)[number];
  createdAt: string;
  /** Open reports on one message are listed once, with their count. */
  count: number;
  message: { id: string; author: string; text: string; at: string; deleted: boolean };
}
export interface ChatModerationView {
  settings: ChatSettingsView;
  pinned: { id: string; text: string; author: string; at: string } | null;
  /** Appointments by email: no account details (the studio sees only what the host typed). */
  moderators: { id: string; email: string }[];
  words: { defaults: { en: string[]; de: string[] }; block: string[]; allow: string[] };
  reports: ChatReportView[];
  restrictions: ChatRestrictionView[];
  /** What the caller may do: `manage` (host/merchant) or `moderate` (appointed moderator). */
  you: "manage" | "moderate";
}


// Giveaways (provably fair: src/protocol/fairness.ts) and polls.
const isoCountry = z.string().regex(/^[A-Z]{2}$/, "ISO 3166-1 alpha-2, e.g. DE");
export const createGiveawayBody = z.strictObject({
  title: z.string().trim().min(1).max(120),
  winners: z.number().int().min(1).max(50).optional(),
  /** Chat keyword: a signed-in viewer whose message is this word enters (case-insensitive). */
  keyword: z.string().trim().min(2).max(30).regex(/^[^\s]+$/, "one word").optional(),
  allowedCountries: z.array(isoCountry).min(1).max(60).optional(),
  requireAdult: z.boolean().optional(),
  /** Entries close by themselves this long after opening (otherwise the studio closes them). */
  durationSeconds: z.number().int().min(10).max(24 * 3600).optional(),
});
export const enterGiveawayBody = z.strictObject({
  /** Self-declared country, used when the account has no saved address. */
  country: isoCountry.optional(),
  adultConfirmed: z.boolean().optional(),
});
export type GiveawayStatus = "draft" | "open" | "closed" | "drawn" | "cancelled";
export interface GiveawayView {
  id: string;
  showId: string;
  title: string;
  keyword: string | null;
  winnerCount: number;
  allowedCountries: string[] | null;
  requireAdult: boolean;
  status: GiveawayStatus;
  /** hex SHA-256 of the seed, public from creation on. */
  commitment: string;
  /** The seed (hex), revealed at the draw; null before. */
  seed: string | null;
  listHash: string | null;
  entries: number;
  openedAt: string | null;
  closesAt: string | null;
  drawnAt: string | null;
  winners: { entryId: string; name: string }[];
}
export interface GiveawayEntryView {
  id: string;
  giveawayId: string;
  via: "button" | "chat";
  createdAt: string;
}
/** Everything needed to recompute a draw; entrant ids are pseudonymous entry ids, sorted canonically. */
export interface GiveawayVerification {
  giveawayId: string;
  title: string;
  status: GiveawayStatus;
  commitment: string;
  seed: string | null;
  listHash: string | null;
  entrants: string[] | null;
  winnerCount: number;
  winners: string[];
}

export const pollOptionInput = z
  .strictObject({ label: z.string().trim().min(1).max(80).optional(), productId: idSchema.optional() })
  .refine((o) => o.label !== undefined || o.productId !== undefined, "label or productId");
export const createPollBody = z.strictObject({
  question: z.string().trim().min(1).max(140),
  options: z.array(pollOptionInput).min(2).max(6),
  /** Eurovision style: counts are revealed at close only. */
  hiddenResults: z.boolean().optional(),
  durationSeconds: z.number().int().min(10).max(24 * 3600).optional(),
  /** "Which product next?": every option is a product; at close the winner becomes a pinned offer on these terms. */
  pinWinner: z
    .strictObject({
      showPrice: z.number().int().min(0).max(100_000_000),
      quantity: z.number().int().min(1).max(1_000_000),
      durationSeconds: z.number().int().min(10).max(7 * 24 * 3600),
    })
    .optional(),
});
export const votePollBody = z.strictObject({ optionId: idSchema });
export type PollStatus = "draft" | "open" | "closed";
export interface PollView {
  id: string;
  showId: string;
  question: string;
  status: PollStatus;
  hiddenResults: boolean;
  /** votes: null while hidden (Eurovision style) to viewers. */
  options: { id: string; label: string; productId: string | null; imageUrl: string | null; votes: number | null }[];
  totalVotes: number | null;
  openedAt: string | null;
  closesAt: string | null;
  winnerOptionId: string | null;
  pinnedOfferId: string | null;
  pinWinner: { showPrice: number; quantity: number; durationSeconds: number } | null;
}

// ── Commissions, ledger and payouts (docs/api.md "Host commissions") ──
const bp = z.number().int().min(0).max(10_000);
const cents = z.number().int().min(0).max(100_000_000);
export const commissionOverride = z
  .strictObject({
    productId: z.string().min(1).max(64).optional(),
    category: z.string().min(1).max(64).optional(),
    percentBp: bp.optional(),
    fixedPerUnit: cents.optional(),
  })
  .refine((o) => (o.productId === undefined) !== (o.category === undefined), "exactly one of productId or category")
  .refine((o) => o.percentBp !== undefined || o.fixedPerUnit !== undefined, "percentBp or fixedPerUnit");
export const commissionRulesBody = z
  .strictObject({
    /** Percent of net (gross − VAT − discounts; refunds reverse it). */
    percentBp: bp.default(0),
    /** Fixed amount per unit sold, minor units. */
    fixedPerUnit: cents.default(0),
    /** By the show's revenue (net of refunds) before the order: the highest `fromRevenue` reached sets the percentage. */
    tiers: z.array(z.strictObject({ fromRevenue: cents, percentBp: bp })).max(20).default([]),
    overrides: z.array(commissionOverride).max(200).default([]),
    /** Category name → product ids (the catalog has no categories of its own yet). */
    categories: z.record(z.string().min(1).max(64), z.array(z.string().min(1).max(64)).max(1000)).default({}),
    returnWindowDays: z.number().int().min(0).max(365).default(14),
    attributionWindowDays: z.number().int().min(0).max(90).default(7),
    /** Smallest available balance paid out on demand or in the monthly run, minor units. */
    payoutMinimum: cents.default(1000),
  })
  .refine((r) => new Set(r.tiers.map((t) => t.fromRevenue)).size === r.tiers.length, "tiers: fromRevenue must be unique");
export type CommissionRules = z.output<typeof commissionRulesBody>;
export interface CommissionRuleSetView {
  version: number;
  /** null: retired (new orders use each show's own rate on the gross total). */
  rules: CommissionRules | null;
  createdAt: string;
  createdBy: string | null;
}
export const showHostsBody = z.strictObject({
  hosts: z
    .array(z.strictObject({ accountId: z.string().min(1).max(64), shareBp: z.number().int().min(1).max(10_000) }))
    .min(1)
    .max(10)
    .refine((h) => h.reduce((s, x) => s + x.shareBp, 0) === 10_000, "shareBp must sum to 10000")
    .refine((h) => new Set(h.map((x) => x.accountId)).size === h.length, "each host once"),
});
export const payoutAccountBody = z.strictObject({
  holderName: z.string().trim().min(1).max(70),
  iban: z.string().trim().min(15).max(42).optional(),
  bic: z.string().trim().min(8).max(11).optional(),
  stripeAccountId: z.string().regex(/^acct_[A-Za-z0-9]{6,64}$/).optional(),
});
export const merchantPayoutSettingsBody = z.strictObject({
  debtorName: z.string().trim().min(1).max(70),
  iban: z.string().trim().min(15).max(42),
  bic: z.string().trim().min(8).max(11),
});
export const runPayoutBody = z.strictObject({
  method: z.enum(["sepa", "stripe"]).default("sepa"),
  /** Only this host (on demand); default every host of the merchant with enough available. */
  hostAccountId: z.string().min(1).max(64).optional(),
  currency: currencySchema.default("EUR"),
});
export interface EarningsBalances {
  currency: string;
  pending: number;
  available: number;
  paid: number;
}
export interface PayoutView {
  id: string;
  hostAccountId: string;
  amount: number;
  currency: string;
  method: "sepa" | "stripe";
  status: "pending" | "sent" | "failed";
  periodStart: string | null;
  periodEnd: string;
  batchId: string;
  createdAt: string;
}

// Coupon drops (docs/api.md "Coupon drops"): percent in basis points or a fixed amount in minor units, claimable for
// `minutes` or by the first `maxClaims` accounts, whichever ends first.
export const couponCodeSchema = z.string().trim().min(3).max(40).regex(/^[A-Za-z0-9_-]+$/, "letters, digits, - and _");
export const dropCouponBody = z
  .strictObject({
    /** Generated (8 characters) when left out. Case does not matter. */
    code: couponCodeSchema.optional(),
    percentBp: z.number().int().min(1).max(10_000).optional(),
    amount: z.number().int().min(1).max(100_000_000).optional(),
    minutes: z.number().int().min(1).max(24 * 60),
    maxClaims: z.number().int().min(1).max(1_000_000).optional(),
    /** Currency of a fixed amount (default EUR); a fixed coupon applies only to orders in it. */
    currency: currencySchema.optional(),
  })
  .superRefine((b, ctx) => {
    if ((b.percentBp === undefined) === (b.amount === undefined)) ctx.addIssue({ code: "custom", path: ["percentBp"], message: "either percentBp or amount" });
  });
export type DropCouponBody = z.infer<typeof dropCouponBody>;
export const claimCouponBody = z.strictObject({ code: couponCodeSchema });

export interface CouponView {
  id: string;
  showId: string;
  code: string;
  kind: "percent" | "fixed";
  percentBp: number | null;
  amount: number | null;
  currency: string;
  expiresAt: string;
  maxClaims: number | null;
  claims: number;
  status: "active" | "expired" | "exhausted" | "ended";
}
export interface CouponClaimView {
  coupon: CouponView;
  claimedAt: string;
  /** The order that used the claim (while it is held or bought). */
  orderId: string | null;
}
/** The discount recorded for an order: total = gross − amount; VAT and the host's commission are computed on total. */
// Checkout shows a claimed coupon's discount before any hold is placed (docs/api.md "Coupon drops").
export const couponPreviewQuery = z.strictObject({
  code: couponCodeSchema,
  quantity: z.coerce.number().int().min(1).max(100).default(1),
});
/** What `code` takes off `quantity` units of an offer for the signed-in buyer: what the order will then record. */
export interface CouponPreviewView {
  offerId: string;
  couponId: string;
  code: string;
  kind: "percent" | "fixed";
  percentBp: number | null;
  quantity: number;
  gross: number;
  discount: number;
  total: number;
  currency: string;
}

export interface OrderDiscountView {
  orderId: string;
  couponId: string;
  code: string;
  kind: "percent" | "fixed";
  percentBp: number | null;
  gross: number;
  amount: number;
  currency: string;
}

// Mystery items (docs/api.md "Mystery items"): odds in basis points, exactly 10 000 over the pool.
export const mysteryPoolItemBody = z.strictObject({
  productId: idSchema,
  variantId: idSchema.optional(),
  oddsBp: z.number().int().min(1).max(10_000),
  /** Units of this item in the pool. */
  quantity: z.number().int().min(1).max(100_000),
});
export const createMysteryPoolBody = z
  .strictObject({
    title: z.string().trim().min(1).max(120),
    showPrice: z.number().int().min(0).max(100_000_000),
    durationSeconds: z.number().int().min(10).max(7 * 24 * 3600),
    pin: z.boolean().optional(),
    perBuyerLimit: z.number().int().min(1).max(1000).optional(),
    items: z.array(mysteryPoolItemBody).min(2).max(50),
  })
  .superRefine((b, ctx) => {
    const sum = b.items.reduce((s, i) => s + i.oddsBp, 0);
    if (sum !== 10_000) ctx.addIssue({ code: "custom", path: ["items"], message: `odds must sum to 10000 basis points (100 %), not ${sum}` });
  });
export type CreateMysteryPoolBody = z.infer<typeof createMysteryPoolBody>;
export const mysterySettingsBody = z.strictObject({ adultOnly: z.boolean() });

export interface MysteryItemView {
  id: string;
  title: string;
  imageUrl: string;
  productId: string;
  variantId: string | null;
  /** The odds published when the pool opened. */
  oddsBp: number;
  /** The odds now: renormalised proportionally over the items still in stock (0 when this one ran out). */
  currentOddsBp: number;
  quantity: number;
  remaining: number;
}
export interface MysteryPoolView {
  id: string;
  showId: string;
  offerId: string;
  title: string;
  /** hex SHA-256 of the secret seed, published when the pool opened. */
  commitment: string;
  oddsVersion: number;
  items: MysteryItemView[];
  adultOnly: boolean;
  soldOut: boolean;
  status: "open" | "closed";
  /** The seed (hex), revealed once the pool is closed and no hold of it is still waiting for payment. */
  seed: string | null;
}
export interface MysteryDrawView {
  orderId: string;
  unit: number;
  itemId: string;
  title: string;
  imageUrl: string;
  oddsVersion: number;
  ticket: number;
  hmac: string;
  drawnAt: string;
  /** Set when the unit was refunded before shipping and its item went back to the pool. */
  returnedAt: string | null;
}
