import { z } from "zod";
import { idSchema } from "./common.js";

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
    durationSeconds: z
      .number()
      .int()
      .min(10)
      .max(7 * 24 * 3600),
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
