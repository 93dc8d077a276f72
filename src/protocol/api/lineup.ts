import { z } from "zod";
import { idSchema } from "./common.js";
import type { OfferView } from "./offers.js";

/** One planned item of a show: a product (or one of its variants) at a show price, made into an offer when pinned or opened. */
export const lineupItemBody = z.strictObject({
  productId: idSchema,
  variantId: idSchema.optional(),
  showPrice: z.number().int().min(0).max(100_000_000),
  quantity: z.number().int().min(1).max(1_000_000),
  perBuyerLimit: z.number().int().min(1).max(1000).nullable().optional(),
  /** Pinned at once when the line-up is opened (the first such item wins: one card at a time). */
  startPinned: z.boolean().optional(),
  /** While the show is live, the offer sells only while it is the pinned card (default: any open offer sells). */
  sellsOnlyWhilePinned: z.boolean().optional(),
  /** How long the offer stays open once made (10 s – 7 days, default 4 hours). */
  durationSeconds: z
    .number()
    .int()
    .min(10)
    .max(7 * 24 * 3600)
    .optional(),
});
export type LineupItemBody = z.infer<typeof lineupItemBody>;

/** Adds an item to a show's line-up on the fly (studio); appended unless `position` (0-based) says where. */
export const addLineupItemBody = lineupItemBody.extend({ position: z.number().int().min(0).max(10_000).optional() });

/** The show's whole line-up in its new order: every item id of the show exactly once. */
export const reorderLineupBody = z.strictObject({
  itemIds: z
    .array(idSchema)
    .max(500)
    .refine((ids) => new Set(ids).size === ids.length, "each item once"),
});

/** Opens items as offers without pinning any but the first `startPinned` one (default: every item not yet on sale). */
export const openLineupBody = z.strictObject({ itemIds: z.array(idSchema).min(1).max(500).optional() });

export type LineupItemState =
  /** Planned: no offer yet (its units are still on the shelf). */
  | "planned"
  /** Its offer is open (on sale, or waiting for the pin when it sells only while pinned). */
  | "open"
  /** Its offer is the pinned card. */
  | "pinned"
  /** Its offer closed (ended by the host, expired, sold out and ended). */
  | "ended";

export interface LineupItemView {
  id: string;
  showId: string;
  position: number;
  productId: string;
  variantId: string | null;
  /** The product's title with the variant ("Hoodie (M / Black)"). */
  title: string;
  imageUrl: string;
  /** Regular price and the show price, minor units. */
  price: number;
  showPrice: number;
  currency: string;
  quantity: number;
  perBuyerLimit: number | null;
  startPinned: boolean;
  sellsOnlyWhilePinned: boolean;
  durationSeconds: number;
  /** Shelf stock of the variant now (null without a variant): the studio warns when it is below `quantity`. */
  stock: number | null;
  state: LineupItemState;
  offerId: string | null;
  /** The live offer once the item is on sale (remaining units, pinned, ends at), else null. */
  offer: OfferView | null;
}

export interface LineupView {
  showId: string;
  items: LineupItemView[];
}
