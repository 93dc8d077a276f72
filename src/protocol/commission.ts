// The commission rule evaluation, shared by the server (the ledger's figures) and /admin (the rule form's preview), so
// the preview is the figure the ledger will write. Pure: no clock, no I/O.
import type { CommissionRules } from "./api.js";

/** A commission rule set as stored: version 0 is "no rule set": the show's own rate on the gross total, as before. */
export interface RuleSet {
  version: number;
  rules: CommissionRules | null;
}

export interface HostShare {
  accountId: string;
  shareBp: number;
}

/** One order line as commission sees it: gross paid, the VAT and discounts inside it, units. Minor units. */
export interface CommissionLine {
  productId: string;
  units: number;
  gross: number;
  vat: number;
  discount: number;
}

export interface LineCommission {
  amount: number;
  /** The percentage that applied (basis points of net, or of gross for version 0). */
  rateBp: number;
  fixedPerUnit: number;
}

/**
 * The rules that apply to a product: its own override, else the override of a category it is in (the first of each
 * kind), and the highest tier the show's revenue before the order has reached. lineCommission takes the percentage from
 * them in that order; /admin's preview names the one it took.
 */
export function applicableRules(
  r: CommissionRules,
  productId: string,
  showRevenueBefore: number,
): { override: CommissionRules["overrides"][number] | undefined; tier: CommissionRules["tiers"][number] | undefined } {
  const override =
    r.overrides.find((o) => o.productId === productId) ??
    r.overrides.find((o) => o.category !== undefined && (r.categories[o.category] ?? []).includes(productId));
  const tier = [...r.tiers].sort((a, b) => b.fromRevenue - a.fromRevenue).find((t) => showRevenueBefore >= t.fromRevenue);
  return { override, tier };
}

/**
 * Commission of one line: floor(net × rate / 10 000) + fixed × units, never more than the line's net. The percentage is,
 * in order: a product override, a category override, the tier for the show's revenue before this order, the base rate.
 * Flooring keeps sub-cent fractions with the merchant: the host is never paid a fraction that was not earned.
 */
export function lineCommission(set: RuleSet, line: CommissionLine, ctx: { showRevenueBefore: number; showRateBp: number }): LineCommission {
  if (!set.rules) {
    return { amount: Math.floor((line.gross * ctx.showRateBp) / 10_000), rateBp: ctx.showRateBp, fixedPerUnit: 0 };
  }
  const r = set.rules;
  const net = Math.max(0, line.gross - line.vat - line.discount);
  const { override, tier } = applicableRules(r, line.productId, ctx.showRevenueBefore);
  const rateBp = override?.percentBp ?? tier?.percentBp ?? r.percentBp;
  const fixedPerUnit = override?.fixedPerUnit ?? r.fixedPerUnit;
  const amount = Math.min(net, Math.floor((net * rateBp) / 10_000) + fixedPerUnit * line.units);
  return { amount, rateBp, fixedPerUnit };
}

/**
 * Splits a non-negative amount between co-hosts: floor(amount × share / 10 000) each, and the cents left over by
 * flooring all go to the largest share (ties: the smallest account id), so the parts always add up to the amount.
 */
export function splitBetweenHosts(amount: number, hosts: readonly HostShare[]): Map<string, number> {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new Error(`split: amount must be a non-negative integer, got ${amount}`);
  if (hosts.length === 0) throw new Error("split: no hosts");
  const total = hosts.reduce((s, h) => s + h.shareBp, 0);
  if (total !== 10_000) throw new Error(`split: shares sum to ${total} bp, not 10000`);
  const out = new Map<string, number>();
  let given = 0;
  for (const h of hosts) {
    const part = Math.floor((amount * h.shareBp) / 10_000);
    out.set(h.accountId, (out.get(h.accountId) ?? 0) + part);
    given += part;
  }
  const largest = [...hosts].sort((a, b) => b.shareBp - a.shareBp || (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0))[0]!;
  out.set(largest.accountId, (out.get(largest.accountId) ?? 0) + (amount - given));
  return out;
}

/** The default rule values a merchant's rule set starts from (documented in docs/api.md). */
export const DEFAULT_RETURN_WINDOW_DAYS = 14;
export const DEFAULT_ATTRIBUTION_WINDOW_DAYS = 7;
export const DEFAULT_PAYOUT_MINIMUM = 1000;
