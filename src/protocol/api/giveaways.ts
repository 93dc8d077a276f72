import { z } from "zod";

// Giveaways (provably fair: src/protocol/fairness.ts) and polls.
const isoCountry = z.string().regex(/^[A-Z]{2}$/, "ISO 3166-1 alpha-2, e.g. DE");
export const createGiveawayBody = z.strictObject({
  title: z.string().trim().min(1).max(120),
  winners: z.number().int().min(1).max(50).optional(),
  /** Chat keyword: a signed-in viewer whose message is this word enters (case-insensitive). */
  keyword: z
    .string()
    .trim()
    .min(2)
    .max(30)
    .regex(/^[^\s]+$/, "one word")
    .optional(),
  allowedCountries: z.array(isoCountry).min(1).max(60).optional(),
  requireAdult: z.boolean().optional(),
  /** Entries close by themselves this long after opening (otherwise the studio closes them). */
  durationSeconds: z
    .number()
    .int()
    .min(10)
    .max(24 * 3600)
    .optional(),
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
