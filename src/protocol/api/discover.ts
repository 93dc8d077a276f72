import { z } from "zod";
import { idSchema } from "./common.js";
import type { ShowStatus } from "./shows.js";

/** The fixed list of show categories (docs/api.md lists them with their English and German labels). */
export const SHOW_CATEGORIES = ["fashion", "beauty", "home", "electronics", "collectibles", "food", "kids", "sports", "art", "other"] as const;
export type ShowCategory = (typeof SHOW_CATEGORIES)[number];
export const showCategorySchema = z.enum(SHOW_CATEGORIES);

export const DISCOVER_SECTIONS = ["live", "upcoming", "replays"] as const;
export type DiscoverSection = (typeof DISCOVER_SECTIONS)[number];

export const shopSlugSchema = z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, "lowercase letters, digits and dashes");

/**
 * GET /api/discover. Without `section` the first page of each section; with it one section from `cursor` (the
 * `nextCursor` of the page before). `shop` (a shop's slug) and `host` (an account id) narrow it to one shop's or
 * host's shows.
 */
export const discoverQuery = z
  .strictObject({
    q: z.string().trim().max(100).optional(),
    category: showCategorySchema.optional(),
    section: z.enum(DISCOVER_SECTIONS).optional(),
    cursor: z
      .string()
      .max(200)
      .regex(/^[A-Za-z0-9_-]+$/, "a nextCursor from the previous page")
      .optional(),
    limit: z.coerce.number().int().min(1).max(48).optional(),
    shop: shopSlugSchema.optional(),
    host: idSchema.optional(),
  })
  .refine((q) => !q.cursor || q.section, { message: "cursor needs its section", path: ["cursor"] });
export type DiscoverQuery = z.infer<typeof discoverQuery>;

/** A show as a listing card shows it (lighter than ShowView: no offers list, no replay markers). */
export interface DiscoverShow {
  id: string;
  slug: string;
  title: string;
  status: ShowStatus;
  category: ShowCategory;
  scheduledAt: string | null;
  host: { id: string; name: string };
  shop: { id: string; slug: string; name: string };
  coverUrl: string | null;
  /** Live: the pinned offer (else the first on sale) with its show price in minor units. */
  featured: { title: string; imageUrl: string; showPrice: number; currency: string } | null;
  /** Replays: the recording's poster and silent preview clip (absent before the derivatives were made). */
  replay: { posterUrl: string | null; previewUrl: string | null; durationSeconds: number } | null;
}

export interface DiscoverPage {
  shows: DiscoverShow[];
  /** Pass as `cursor` (with the same section and filters) for the next page; null on the last page. */
  nextCursor: string | null;
}

export type DiscoverAnswer = { section: DiscoverSection } & DiscoverPage;
export type DiscoverOverview = { sections: Record<DiscoverSection, DiscoverPage> };

/** GET /api/shops/:slug — a shop's public page. */
export interface ShopProfile {
  id: string;
  slug: string;
  name: string;
  logoUrl: string | null;
  followers: number;
}

/** GET /api/hosts/:id — a host's public page (an account that hosts or hosted a show). */
export interface HostProfile {
  id: string;
  name: string;
  followers: number;
}
