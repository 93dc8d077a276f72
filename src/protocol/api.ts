import { z } from "zod";

// Money is always integer minor units plus an ISO 4217 code.
export const currencySchema = z.string().regex(/^[A-Z]{3}$/, "ISO 4217 code, e.g. EUR");
export const moneySchema = z.object({ amount: z.number().int(), currency: currencySchema });
export type Money = z.infer<typeof moneySchema>;

const text = (max: number) => z.string().trim().min(1).max(max);

export const idSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/);

export const createOrderBody = z.strictObject({
  offerId: idSchema,
  quantity: z.number().int().min(1).max(100),
  buyer: z.strictObject({ name: text(120), email: z.string().trim().max(254).pipe(z.email()) }),
  shipping: z.strictObject({
    name: text(120),
    line1: text(200),
    line2: z.string().trim().max(200).optional(),
    postalCode: text(16),
    city: text(100),
    country: z.string().regex(/^[A-Z]{2}$/, "ISO 3166-1 alpha-2, e.g. DE"),
  }),
  payment: z.strictObject({ method: z.literal("test_card"), number: z.string().regex(/^[0-9 ]{12,23}$/) }),
});
export type CreateOrderBody = z.infer<typeof createOrderBody>;

export const loginBody = z.strictObject({ email: z.string().trim().max(254), password: z.string().min(1).max(200) });

export const createOfferBody = z.strictObject({
  productId: idSchema,
  showPrice: z.number().int().min(0).max(100_000_000),
  quantity: z.number().int().min(1).max(1_000_000),
  durationSeconds: z.number().int().min(10).max(7 * 24 * 3600),
  pin: z.boolean().optional(),
});

export const pinOfferBody = z.strictObject({ pinned: z.boolean() });

export const chatSendSchema = z.strictObject({ text: z.string().trim().min(1).max(280) });
export const CHAT_MAX_LENGTH = 280;

export type ShowStatus = "scheduled" | "live" | "offline" | "ended";

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
  startsAt: string;
  endsAt: string;
  pinned: boolean;
  status: "active" | "ended";
}

export interface ShowView {
  id: string;
  slug: string;
  title: string;
  status: ShowStatus;
  hostName: string;
  merchantName: string;
  playbackUrl: string;
  scheduledAt: string | null;
  commissionRateBp: number;
  offers: OfferView[];
}

export interface OrderView {
  id: string;
  status: "pending_payment" | "paid" | "payment_failed";
  offerId: string;
  showId: string;
  quantity: number;
  unitPrice: number;
  total: number;
  currency: string;
  buyer: { name: string; email: string };
  shipping: CreateOrderBody["shipping"];
  createdAt: string;
}

export interface ProductView {
  id: string;
  title: string;
  description: string;
  imageUrl: string;
  price: number;
  currency: string;
}

export interface StudioStats {
  viewers: number;
  unitsSold: number;
  revenue: number;
  commission: number;
  currency: string;
}
