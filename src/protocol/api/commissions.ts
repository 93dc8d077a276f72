import { z } from "zod";
import { currencySchema } from "./common.js";

// ── Commissions, ledger and payouts (docs/api.md "Host commissions") ──
const bp = z.number().int().min(0).max(10_000);
const cents = z.number().int().min(0).max(100_000_000);
export const commissionOverride = z
  .strictObject({
    productId: z.string().min(1).max(64).optional(),
    category: z.string().min(1).max(64).optional(),
    percentBp: bp.optional(),
    fixedPerUnit: cents.optional(),
  })
  .refine((o) => (o.productId === undefined) !== (o.category === undefined), "exactly one of productId or category")
  .refine((o) => o.percentBp !== undefined || o.fixedPerUnit !== undefined, "percentBp or fixedPerUnit");
export const commissionRulesBody = z
  .strictObject({
    /** Percent of net (gross − VAT − discounts; refunds reverse it). */
    percentBp: bp.default(0),
    /** Fixed amount per unit sold, minor units. */
    fixedPerUnit: cents.default(0),
    /** By the show's revenue (net of refunds) before the order: the highest `fromRevenue` reached sets the percentage. */
    tiers: z
      .array(z.strictObject({ fromRevenue: cents, percentBp: bp }))
      .max(20)
      .default([]),
    overrides: z.array(commissionOverride).max(200).default([]),
    /** Category name → product ids (the catalog has no categories of its own yet). */
    categories: z.record(z.string().min(1).max(64), z.array(z.string().min(1).max(64)).max(1000)).default({}),
    returnWindowDays: z.number().int().min(0).max(365).default(14),
    attributionWindowDays: z.number().int().min(0).max(90).default(7),
    /** Smallest available balance paid out on demand or in the monthly run, minor units. */
    payoutMinimum: cents.default(1000),
  })
  .refine((r) => new Set(r.tiers.map((t) => t.fromRevenue)).size === r.tiers.length, "tiers: fromRevenue must be unique");
export type CommissionRules = z.output<typeof commissionRulesBody>;
export interface CommissionRuleSetView {
  version: number;
  /** null: retired (new orders use each show's own rate on the gross total). */
  rules: CommissionRules | null;
  createdAt: string;
  createdBy: string | null;
}
export const showHostsBody = z.strictObject({
  hosts: z
    .array(z.strictObject({ accountId: z.string().min(1).max(64), shareBp: z.number().int().min(1).max(10_000) }))
    .min(1)
    .max(10)
    .refine((h) => h.reduce((s, x) => s + x.shareBp, 0) === 10_000, "shareBp must sum to 10000")
    .refine((h) => new Set(h.map((x) => x.accountId)).size === h.length, "each host once"),
});
export const payoutAccountBody = z.strictObject({
  holderName: z.string().trim().min(1).max(70),
  iban: z.string().trim().min(15).max(42).optional(),
  bic: z.string().trim().min(8).max(11).optional(),
  stripeAccountId: z
    .string()
    .regex(/^acct_[A-Za-z0-9]{6,64}$/)
    .optional(),
});
/** The pain.001 versions of the SEPA bank file: .09 by default (German banks stop taking .03 by 11/2026), .03 still selectable. */
export const painVersions = ["pain.001.001.09", "pain.001.001.03"] as const;
export type PainVersion = (typeof painVersions)[number];
export const merchantPayoutSettingsBody = z.strictObject({
  debtorName: z.string().trim().min(1).max(70),
  iban: z.string().trim().min(15).max(42),
  bic: z.string().trim().min(8).max(11),
  painVersion: z.enum(painVersions).optional(),
});
/** GET /api/earnings/statements/:month.pdf: the statement's language (default: the host's account language, else English). */
export const statementQuery = z.strictObject({ lang: z.enum(["de", "en"]).optional() });
/** GET …/pain.001.xml: `version` overrides the merchant's setting for this one file ("09" and "03" are short for the full names). */
export const painExportQuery = z.strictObject({
  merchantId: z.string().max(64).optional(),
  version: z
    .enum([...painVersions, "09", "03"])
    .transform((v): PainVersion => (v === "09" ? "pain.001.001.09" : v === "03" ? "pain.001.001.03" : v))
    .optional(),
});
export const runPayoutBody = z.strictObject({
  method: z.enum(["sepa", "stripe"]).default("sepa"),
  /** Only this host (on demand); default every host of the merchant with enough available. */
  hostAccountId: z.string().min(1).max(64).optional(),
  currency: currencySchema.default("EUR"),
});
export interface EarningsBalances {
  currency: string;
  pending: number;
  available: number;
  paid: number;
}
export interface PayoutView {
  id: string;
  hostAccountId: string;
  /** The host's display name (the merchant's lists only: GET and POST /api/admin/payouts). */
  hostName?: string;
  amount: number;
  currency: string;
  method: "sepa" | "stripe";
  status: "pending" | "sent" | "failed";
  periodStart: string | null;
  periodEnd: string;
  batchId: string;
  createdAt: string;
}

/** Why a payout run left a host out: too little available, or no bank account / Stripe account for the method. */
export type PayoutSkipCode = "below_minimum" | "no_bank_account" | "no_stripe_account";
export interface PayoutSkip {
  hostAccountId: string;
  /** The host's display name (as in the payouts list). */
  hostName?: string;
  /** Minor units available to the host. */
  available: number;
  code: PayoutSkipCode;
  /** The run's minimum (minor units), with `below_minimum`. */
  minimum?: number;
  /** The same in English words (kept for clients written before `code`). */
  reason: string;
}
/** What a merchant sees available per host before a run. */
export interface PayoutAvailableView {
  hostAccountId: string;
  hostName: string;
  amount: number;
  currency: string;
}
