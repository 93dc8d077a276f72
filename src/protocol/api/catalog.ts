import { z } from "zod";
import { trimmedText } from "./common.js";

export interface ProductView {
  id: string;
  title: string;
  description: string;
  imageUrl: string;
  price: number;
  currency: string;
}

// Merchant catalog (/api/admin/products). Prices are gross (VAT included) in cents; VAT rates in basis points.
export const vatRateSchema = z.number().int().min(0).max(3000);
const skuSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._/-]+$/, "letters, digits and . _ / -");
const variantLabel = z.string().trim().max(40);
const stockSchema = z.number().int().min(0).max(1_000_000);
export const createVariantBody = z.strictObject({ sku: skuSchema, size: variantLabel.optional(), colour: variantLabel.optional(), stock: stockSchema });
export const updateVariantBody = z
  .strictObject({ sku: skuSchema.optional(), size: variantLabel.optional(), colour: variantLabel.optional(), stock: stockSchema.optional() })
  .refine((b) => Object.keys(b).length > 0, { message: "nothing to change" });
export const createProductBody = z.strictObject({
  title: trimmedText(200),
  description: z.string().trim().max(5000).optional(),
  price: z.number().int().min(0).max(100_000_000),
  currency: z.literal("EUR").optional(),
  vatRateBp: vatRateSchema,
  variants: z.array(createVariantBody).max(100).optional(),
});
export const updateProductBody = z
  .strictObject({
    title: trimmedText(200).optional(),
    description: z.string().trim().max(5000).optional(),
    price: z.number().int().min(0).max(100_000_000).optional(),
    vatRateBp: vatRateSchema.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: "nothing to change" });
export const adminMerchantQuery = z.strictObject({ merchantId: z.string().max(64).optional() });
export const adminOffersQuery = z.strictObject({ merchantId: z.string().max(64).optional(), showId: z.string().max(64).optional() });
export type CreateProductBody = z.infer<typeof createProductBody>;
export type CreateVariantBody = z.infer<typeof createVariantBody>;

export interface VariantView {
  id: string;
  productId: string;
  sku: string;
  size: string;
  colour: string;
  stock: number;
}

export interface AdminProductView extends ProductView {
  vatRateBp: number;
  /** 400 px wide WebP of an uploaded picture (imageUrl is the 800 px one), else null. */
  thumbUrl: string | null;
  variants: VariantView[];
  createdAt: string;
}

/** One show of the merchant with its sales (net of refunds) for the admin's summary. */
