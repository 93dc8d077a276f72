import { z } from "zod";
import { idSchema } from "./common.js";

// Auctions (src/server/auctions). Amounts are minor units in the auction's currency.
export const createAuctionBody = z.strictObject({
  productId: idSchema,
  variantId: idSchema.optional(),
  startPrice: z.number().int().min(0).max(100_000_000),
  minIncrement: z.number().int().min(1).max(10_000_000),
  durationSeconds: z
    .number()
    .int()
    .min(5)
    .max(24 * 3600),
  /** A bid in the last N seconds resets the remaining time to N (0: no soft close). */
  softCloseSeconds: z.number().int().min(0).max(600).default(10),
  /** How long the winner (and each next bidder after them) has to pay. */
  holdSeconds: z
    .number()
    .int()
    .min(30)
    .max(24 * 3600)
    .default(300),
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
