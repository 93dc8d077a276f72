import { z } from "zod";
import { currencySchema } from "./common.js";

// Coupon drops (docs/api.md "Coupon drops"): percent in basis points or a fixed amount in minor units, claimable for
// `minutes` or by the first `maxClaims` accounts, whichever ends first.
export const couponCodeSchema = z
  .string()
  .trim()
  .min(3)
  .max(40)
  .regex(/^[A-Za-z0-9_-]+$/, "letters, digits, - and _");
export const dropCouponBody = z
  .strictObject({
    /** Generated (8 characters) when left out. Case does not matter. */
    code: couponCodeSchema.optional(),
    percentBp: z.number().int().min(1).max(10_000).optional(),
    amount: z.number().int().min(1).max(100_000_000).optional(),
    minutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60),
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
