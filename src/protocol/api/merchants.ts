import { z } from "zod";
import { idSchema } from "./common.js";

// A shop's details as its invoices and the first-run page need them. Currency: EUR only (every price rule assumes
// two minor digits and EU VAT).
export const shopBody = z.strictObject({
  name: z.string().trim().min(1).max(120),
  legalName: z.string().trim().min(1).max(200),
  address: z.strictObject({
    line1: z.string().trim().min(1).max(200),
    line2: z.string().trim().max(200).optional(),
    postalCode: z.string().trim().min(1).max(20),
    city: z.string().trim().min(1).max(100),
    country: z.string().regex(/^[A-Z]{2}$/, "ISO 3166-1 alpha-2, e.g. DE"),
  }),
  /** EU VAT id: two letters and 2–13 characters (DE123456789); spaces are dropped. */
  vatId: z
    .string()
    .transform((v) => v.replace(/\s+/g, "").toUpperCase())
    .pipe(z.string().regex(/^[A-Z]{2}[A-Z0-9+*]{2,13}$/, "a VAT id such as DE123456789")),
  currency: z.literal("EUR").optional(),
  /** IANA time zone show times are entered in (default Europe/Berlin). */
  timeZone: z.string().min(1).max(64).optional(),
});
export type ShopBody = z.infer<typeof shopBody>;

export const updateShopBody = z.strictObject({
  name: shopBody.shape.name.optional(),
  legalName: shopBody.shape.legalName.optional(),
  address: shopBody.shape.address.optional(),
  vatId: shopBody.shape.vatId.optional(),
  timeZone: shopBody.shape.timeZone,
});

/** The first-run page: the platform admin's account and the first shop, in one step. */
export const setupBody = z.strictObject({
  admin: z.strictObject({
    email: z.string().trim().max(254).pipe(z.email()),
    password: z.string().min(10).max(200),
    displayName: z.string().trim().min(1).max(80),
  }),
  shop: shopBody,
  lang: z.enum(["de", "en"]).optional(),
});

export const verifyEmailBody = z.strictObject({ token: z.string().min(10).max(200) });
export const shopIdParam = idSchema;

export interface ShopView {
  id: string;
  name: string;
  /** The public shop page: /shops/<slug>. */
  slug: string;
  legalName: string;
  address: { line1: string; line2: string; postalCode: string; city: string; country: string };
  vatId: string;
  currency: string;
  timeZone: string;
  logoUrl: string | null;
  logoThumbUrl: string | null;
  createdAt: string;
}
