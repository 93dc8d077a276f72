import { z } from "zod";
import { trafficSourceSchema } from "./analytics.js";
import { idSchema, trimmedText } from "./common.js";

const testCardPayment = z.strictObject({ method: z.literal("test_card"), number: z.string().regex(/^[0-9 ]{12,23}$/) });
/** Stripe (PAYMENT_PROVIDER=stripe): a PaymentMethod id made in the browser by Stripe.js, so the card never reaches us. */
const stripePayment = z.strictObject({
  method: z.literal("stripe"),
  paymentMethodId: z.string().regex(/^pm_[A-Za-z0-9_]{1,200}$/, "a Stripe PaymentMethod id (pm_…)"),
});
const paymentSchema = z.discriminatedUnion("method", [testCardPayment, stripePayment]);
export type PaymentBody = z.infer<typeof paymentSchema>;

export const buyerSchema = z.strictObject({ name: trimmedText(120), email: z.string().trim().max(254).pipe(z.email()) });
export const shippingSchema = z.strictObject({
  name: trimmedText(120),
  line1: trimmedText(200),
  line2: z.string().trim().max(200).optional(),
  postalCode: trimmedText(16),
  city: trimmedText(100),
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
    /** The buyer's page language: the order's emails are written in it (default English). */
    lang: z.enum(["de", "en"]).optional(),
    /** The page the order was placed from (analytics: where buyers came from); a host's share link counts as "share". */
    source: trafficSourceSchema.optional(),
  })
  .superRefine((b, ctx) => {
    if (b.payment && b.useSaved) ctx.addIssue({ code: "custom", path: ["useSaved"], message: "either payment or useSaved" });
    if (b.payment && !b.buyer) ctx.addIssue({ code: "custom", path: ["buyer"], message: "required with payment" });
    if (b.payment && !b.shipping) ctx.addIssue({ code: "custom", path: ["shipping"], message: "required with payment" });
  });
/** Lines a bag may hold (one checkout, one payment): a bag is for a show's few items, not a catalogue order. */
export const MAX_BAG_LINES = 10;

/**
 * A bag: several offers of one show in one order and one payment (POST /api/orders/bag). Each line reserves its own
 * units; the bag gets all of them or none. Without payment it is a hold, paid like any other with POST /api/orders/:id/pay.
 */
export const createBagOrderBody = z
  .strictObject({
    lines: z
      .array(z.strictObject({ offerId: idSchema, quantity: z.number().int().min(1).max(100) }))
      .min(1, "the bag is empty")
      .max(MAX_BAG_LINES, `at most ${MAX_BAG_LINES} lines`),
    buyer: buyerSchema.optional(),
    shipping: shippingSchema.optional(),
    gift: giftSchema.optional(),
    payment: paymentSchema.optional(),
    useSaved: z.literal(true).optional(),
    /** The buyer's page language: the order's emails are written in it (default English). */
    lang: z.enum(["de", "en"]).optional(),
    /** The page the bag was checked out from (analytics: where buyers came from), as for one offer. */
    source: trafficSourceSchema.optional(),
  })
  .superRefine((b, ctx) => {
    const seen = new Set<string>();
    b.lines.forEach((l, i) => {
      if (seen.has(l.offerId)) ctx.addIssue({ code: "custom", path: ["lines", i, "offerId"], message: "each offer once (set its quantity instead)" });
      seen.add(l.offerId);
    });
    if (b.payment && b.useSaved) ctx.addIssue({ code: "custom", path: ["useSaved"], message: "either payment or useSaved" });
    if (b.payment && !b.buyer) ctx.addIssue({ code: "custom", path: ["buyer"], message: "required with payment" });
    if (b.payment && !b.shipping) ctx.addIssue({ code: "custom", path: ["shipping"], message: "required with payment" });
  });
export type CreateBagOrderBody = z.infer<typeof createBagOrderBody>;

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
  /**
   * What was bought, one line per offer. An order of one offer has one line (its own offerId, quantity, unitPrice);
   * a bag has several, and then offerId/unitPrice above are its first line's, quantity the units of all lines.
   */
  lines: OrderLineView[];
}

export interface OrderLineView {
  offerId: string;
  quantity: number;
  unitPrice: number;
  vatRateBp: number;
  /** The offer's title (product and variant), in the merchant's order list and detail. */
  title?: string;
}

/** What was bought, for the buyer's order page (GET /api/orders/:id `item`). */
export interface OrderItemView {
  title: string;
  imageUrl: string;
  showSlug: string;
  showTitle: string;
  /** A bag: each line's offer title, in the order's line order. */
  lines?: { offerId: string; title: string }[];
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
/**
 * Saving a card: the built-in provider's test card, or (Stripe) the SetupIntent that Stripe.js confirmed in the browser
 * with the client secret from POST /api/me/payment-method/setup; the card number never reaches us then.
 */
export const savePaymentMethodBody = z.discriminatedUnion("method", [
  testCardPayment,
  z.strictObject({ method: z.literal("stripe"), setupIntentId: z.string().regex(/^seti_[A-Za-z0-9_]{1,200}$/, "a Stripe SetupIntent id (seti_…)") }),
]);
export type SavePaymentMethodBody = z.infer<typeof savePaymentMethodBody>;
/** POST /api/me/payment-method/setup (Stripe): what Stripe.js needs to confirm the card setup in the browser. */
export interface CardSetupView {
  provider: "stripe";
  clientSecret: string;
}
