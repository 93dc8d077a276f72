import type { CommissionRules } from "../../protocol/api.js";
import { applicableRules } from "../../protocol/commission.js";
import { parsePriceToCents } from "../platform/money.js";

// The commission rules form's state: fields as typed, turned into the API's rules JSON (and back), and which rule the
// preview's line fell under. Pure, so it is unit-tested (commissionDraft.test.ts).
export type RuleKey = "rule_product" | "rule_category" | "rule_tier" | "rule_base";

/** The form's fields as typed (strings), so a half-typed "12," is not lost; `toRules` turns them into the API's JSON. */
export interface Draft {
  percent: string;
  fixed: string;
  tiers: { from: string; percent: string }[];
  overrides: { kind: "product" | "category"; productId: string; category: string; percent: string; fixed: string }[];
  categories: { name: string; productIds: string[] }[];
  returnDays: string;
  attributionDays: string;
  payoutMinimum: string;
}

export const pctText = (bp: number) => String(bp / 100);
export const euroText = (cents: number) => (cents / 100).toFixed(2);

/** "12,5" or "12.5" % → 1250 bp; null when not a number in 0–100. */
export function percentToBp(input: string): number | null {
  const s = input.trim().replace(",", ".");
  if (!/^\d+(\.\d{0,2})?$/.test(s)) return null;
  const bp = Math.round(Number(s) * 100);
  return bp >= 0 && bp <= 10_000 ? bp : null;
}

export function draftFrom(rules: CommissionRules | null): Draft {
  const r = rules ?? {
    percentBp: 1000,
    fixedPerUnit: 0,
    tiers: [],
    overrides: [],
    categories: {},
    returnWindowDays: 14,
    attributionWindowDays: 7,
    payoutMinimum: 1000,
  };
  return {
    percent: pctText(r.percentBp),
    fixed: euroText(r.fixedPerUnit),
    tiers: r.tiers.map((t) => ({ from: euroText(t.fromRevenue), percent: pctText(t.percentBp) })),
    overrides: r.overrides.map((o) => ({
      kind: o.productId !== undefined ? "product" : "category",
      productId: o.productId ?? "",
      category: o.category ?? "",
      percent: o.percentBp !== undefined ? pctText(o.percentBp) : "",
      fixed: o.fixedPerUnit !== undefined ? euroText(o.fixedPerUnit) : "",
    })),
    categories: Object.entries(r.categories).map(([name, productIds]) => ({ name, productIds: [...productIds] })),
    returnDays: String(r.returnWindowDays),
    attributionDays: String(r.attributionWindowDays),
    payoutMinimum: euroText(r.payoutMinimum),
  };
}

const days = (s: string, max: number) => (/^\d+$/.test(s.trim()) && Number(s) <= max ? Number(s) : null);
export const money = (s: string) => (s.trim() === "" ? null : parsePriceToCents(s));

/** The draft as the API's rules, or the names of the fields that do not parse. */
export function toRules(d: Draft): { rules: CommissionRules; bad: string[] } {
  const bad: string[] = [];
  const need = <T>(v: T | null, field: string, fallback: T): T => {
    if (v === null) bad.push(field);
    return v ?? fallback;
  };
  const rules: CommissionRules = {
    percentBp: need(percentToBp(d.percent || "0"), "percent", 0),
    fixedPerUnit: need(d.fixed.trim() === "" ? 0 : money(d.fixed), "fixed", 0),
    tiers: d.tiers.map((t, i) => ({
      fromRevenue: need(money(t.from), `tier-from-${i + 1}`, 0),
      percentBp: need(percentToBp(t.percent), `tier-percent-${i + 1}`, 0),
    })),
    overrides: d.overrides.map((o, i) => {
      const percentBp = o.percent.trim() === "" ? undefined : need(percentToBp(o.percent), `override-percent-${i + 1}`, 0);
      const fixedPerUnit = o.fixed.trim() === "" ? undefined : need(money(o.fixed), `override-fixed-${i + 1}`, 0);
      if (percentBp === undefined && fixedPerUnit === undefined) bad.push(`override-${i + 1}`);
      const target =
        o.kind === "product"
          ? { productId: need(o.productId || null, `override-target-${i + 1}`, "") }
          : { category: need(o.category.trim() || null, `override-target-${i + 1}`, "") };
      return { ...target, ...(percentBp !== undefined ? { percentBp } : {}), ...(fixedPerUnit !== undefined ? { fixedPerUnit } : {}) };
    }),
    categories: Object.fromEntries(d.categories.filter((c) => c.name.trim()).map((c) => [c.name.trim(), c.productIds])),
    returnWindowDays: need(days(d.returnDays, 365), "returnDays", 14),
    attributionWindowDays: need(days(d.attributionDays, 90), "attributionDays", 7),
    payoutMinimum: need(money(d.payoutMinimum), "payoutMinimum", 1000),
  };
  if (new Set(rules.tiers.map((t) => t.fromRevenue)).size !== rules.tiers.length) bad.push("tiers");
  return { rules, bad };
}

/** Which rule set the percentage for a line (the preview's explanation): the choice lineCommission makes. */
export function ruleUsed(rules: CommissionRules, productId: string, revenueBefore: number): { key: RuleKey; from?: number } {
  const { override, tier } = applicableRules(rules, productId, revenueBefore);
  if (override?.percentBp !== undefined) return { key: override.productId !== undefined ? "rule_product" : "rule_category" };
  return tier ? { key: "rule_tier", from: tier.fromRevenue } : { key: "rule_base" };
}

// What the API fills in for fields a pasted JSON leaves out (docs/api.md "Rule sets").
export const draftRulesDefaults: CommissionRules = {
  percentBp: 0,
  fixedPerUnit: 0,
  tiers: [],
  overrides: [],
  categories: {},
  returnWindowDays: 14,
  attributionWindowDays: 7,
  payoutMinimum: 1000,
};
