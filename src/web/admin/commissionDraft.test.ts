import { describe, expect, it } from "vitest";
import type { CommissionRules } from "../../protocol/api.js";
import { draftFrom, percentToBp, ruleUsed, toRules } from "./commissionDraft.js";

const rules: CommissionRules = {
  percentBp: 1000,
  fixedPerUnit: 25,
  tiers: [{ fromRevenue: 100_000, percentBp: 1200 }],
  overrides: [
    { productId: "prd_a", percentBp: 2000 },
    { category: "shoes", fixedPerUnit: 50 },
    { category: "bags", percentBp: 1500 },
  ],
  categories: { shoes: ["prd_s"], bags: ["prd_b", "prd_s"] },
  returnWindowDays: 14,
  attributionWindowDays: 7,
  payoutMinimum: 1000,
};

describe("commission rules form", () => {
  it("reads percentages with a comma or a dot and refuses what is not 0–100 %", () => {
    expect(percentToBp("12,5")).toBe(1250);
    expect(percentToBp("12.25")).toBe(1225);
    expect(percentToBp("100")).toBe(10_000);
    for (const bad of ["", "abc", "100.5", "-1", "1.234"]) expect(percentToBp(bad)).toBeNull();
  });

  it("turns the API's rules into fields and back into the same rules", () => {
    const back = toRules(draftFrom(rules));
    expect(back.bad).toEqual([]);
    expect(back.rules).toEqual(rules);
  });

  it("names the fields that do not parse, and an override with neither percent nor fixed amount", () => {
    const draft = draftFrom(rules);
    draft.percent = "ten";
    draft.tiers[0]!.from = "";
    draft.overrides[0]!.percent = "";
    draft.returnDays = "400";
    expect(toRules(draft).bad).toEqual(["percent", "tier-from-1", "override-1", "returnDays"]);
  });

  it("says which rule set the percentage, as lineCommission chooses it", () => {
    expect(ruleUsed(rules, "prd_a", 0)).toEqual({ key: "rule_product" });
    expect(ruleUsed(rules, "prd_b", 0)).toEqual({ key: "rule_category" });
    // prd_s: its first category override (shoes) has no percentage, so the percentage comes from the tier or the base.
    expect(ruleUsed(rules, "prd_s", 0)).toEqual({ key: "rule_base" });
    expect(ruleUsed(rules, "prd_s", 150_000)).toEqual({ key: "rule_tier", from: 100_000 });
  });
});
