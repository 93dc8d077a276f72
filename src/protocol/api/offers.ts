import { z } from "zod";
import { idSchema } from "./common.js";

export const createOfferBody = z.strictObject({
  productId: idSchema,
  showPrice: z.number().int().min(0).max(100_000_000),
  quantity: z.number().int().min(1).max(1_000_000),
  durationSeconds: z
    .number()
    .int()
    .min(10)
    .max(7 * 24 * 3600),
  pin: z.boolean().optional(),
  /** While the show is live, sell only while this offer is the pinned card (default: any open offer sells). */
  sellsOnlyWhilePinned: z.boolean().optional(),
  /** Units one buyer (account, or email/card for guests) may hold or buy of this offer. */
  perBuyerLimit: z.number().int().min(1).max(1000).optional(),
  /** Reserve the offer's units from this variant's stock (unsold ones go back when the offer closes). */
  variantId: idSchema.optional(),
});

export const pinOfferBody = z.strictObject({ pinned: z.boolean() });

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
  /** Present (true) when a live show sells this offer only while it is the pinned card (absent: any open offer sells). */
  sellsOnlyWhilePinned?: boolean;
}
