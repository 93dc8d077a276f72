import { z } from "zod";

// Money is always integer minor units plus an ISO 4217 code.
export const currencySchema = z.string().regex(/^[A-Z]{3}$/, "ISO 4217 code, e.g. EUR");
export const moneySchema = z.object({ amount: z.number().int(), currency: currencySchema });
export type Money = z.infer<typeof moneySchema>;

export const trimmedText = (max: number) => z.string().trim().min(1).max(max);

export const idSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/);
