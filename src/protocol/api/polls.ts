import { z } from "zod";
import { idSchema } from "./common.js";

export const pollOptionInput = z
  .strictObject({ label: z.string().trim().min(1).max(80).optional(), productId: idSchema.optional() })
  .refine((o) => o.label !== undefined || o.productId !== undefined, "label or productId");
export const createPollBody = z.strictObject({
  question: z.string().trim().min(1).max(140),
  options: z.array(pollOptionInput).min(2).max(6),
  /** Eurovision style: counts are revealed at close only. */
  hiddenResults: z.boolean().optional(),
  durationSeconds: z
    .number()
    .int()
    .min(10)
    .max(24 * 3600)
    .optional(),
  /** "Which product next?": every option is a product; at close the winner becomes a pinned offer on these terms. */
  pinWinner: z
    .strictObject({
      showPrice: z.number().int().min(0).max(100_000_000),
      quantity: z.number().int().min(1).max(1_000_000),
      durationSeconds: z
        .number()
        .int()
        .min(10)
        .max(7 * 24 * 3600),
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
