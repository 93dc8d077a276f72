import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { commissionRulesBody } from "../../protocol/api.js";
import { assertBalanced, UnbalancedTransaction } from "./ledger.js";
import { lineCommission, splitBetweenHosts } from "./rules.js";
import { isValidBic, isValidIban, painXml, sepaAmount, sepaText } from "./sepa.js";

const rules = (r: Record<string, unknown>) => ({ version: 1, rules: commissionRulesBody.parse(r) });
const line = { productId: "prd_a", units: 2, gross: 2380, vat: 380, discount: 0 };

describe("commission rules", () => {
  it("takes a percentage of the net (gross − VAT − discounts), rounded down", () => {
    expect(lineCommission(rules({ percentBp: 1250 }), line, { showRevenueBefore: 0, showRateBp: 0 })).toEqual({ amount: 250, rateBp: 1250, fixedPerUnit: 0 });
    expect(lineCommission(rules({ percentBp: 1234 }), { ...line, discount: 1 }, { showRevenueBefore: 0, showRateBp: 0 }).amount).toBe(246); // 1999 × 12.34 % = 246.67
  });

  it("adds a fixed amount per unit, never more than the net", () => {
    expect(lineCommission(rules({ percentBp: 500, fixedPerUnit: 150 }), line, { showRevenueBefore: 0, showRateBp: 0 }).amount).toBe(100 + 300);
    expect(lineCommission(rules({ fixedPerUnit: 5000 }), line, { showRevenueBefore: 0, showRateBp: 0 }).amount).toBe(2000);
  });

  it("picks the tier reached by the show's revenue before the order", () => {
    const set = rules({
      percentBp: 500,
      tiers: [
        { fromRevenue: 10_000, percentBp: 1000 },
        { fromRevenue: 50_000, percentBp: 1500 },
      ],
    });
    expect(lineCommission(set, line, { showRevenueBefore: 9_999, showRateBp: 0 }).rateBp).toBe(500);
    expect(lineCommission(set, line, { showRevenueBefore: 10_000, showRateBp: 0 }).rateBp).toBe(1000);
    expect(lineCommission(set, line, { showRevenueBefore: 80_000, showRateBp: 0 }).rateBp).toBe(1500);
  });

  it("lets a product override beat a category override, and both beat tiers", () => {
    const set = rules({
      percentBp: 500,
      tiers: [{ fromRevenue: 0, percentBp: 900 }],
      categories: { shoes: ["prd_a", "prd_b"] },
      overrides: [
        { category: "shoes", percentBp: 2000 },
        { productId: "prd_a", percentBp: 3000, fixedPerUnit: 10 },
      ],
    });
    expect(lineCommission(set, line, { showRevenueBefore: 0, showRateBp: 0 })).toEqual({ amount: 620, rateBp: 3000, fixedPerUnit: 10 });
    expect(lineCommission(set, { ...line, productId: "prd_b" }, { showRevenueBefore: 0, showRateBp: 0 }).rateBp).toBe(2000);
    expect(lineCommission(set, { ...line, productId: "prd_c" }, { showRevenueBefore: 0, showRateBp: 0 }).rateBp).toBe(900);
  });

  it("without a rule set (version 0) uses the show's rate on the gross total, as before rule sets", () => {
    expect(lineCommission({ version: 0, rules: null }, { ...line, gross: 2397 }, { showRevenueBefore: 0, showRateBp: 1250 }).amount).toBe(299);
  });

  it("refuses rule sets that make no sense", () => {
    expect(commissionRulesBody.safeParse({ percentBp: 10_001 }).success).toBe(false);
    expect(commissionRulesBody.safeParse({ overrides: [{ productId: "a", category: "b", percentBp: 1 }] }).success).toBe(false);
    expect(commissionRulesBody.safeParse({ overrides: [{ productId: "a" }] }).success).toBe(false);
    expect(
      commissionRulesBody.safeParse({
        tiers: [
          { fromRevenue: 1, percentBp: 1 },
          { fromRevenue: 1, percentBp: 2 },
        ],
      }).success,
    ).toBe(false);
    expect(commissionRulesBody.safeParse({ fixedPerUnit: 1.5 }).success).toBe(false);
  });

  it("splits between co-hosts without creating or losing a cent; the remainder goes to the largest share", () => {
    expect([
      ...splitBetweenHosts(101, [
        { accountId: "b", shareBp: 5000 },
        { accountId: "a", shareBp: 5000 },
      ]),
    ]).toEqual([
      ["b", 50],
      ["a", 51],
    ]);
    expect(
      Object.fromEntries(
        splitBetweenHosts(100, [
          { accountId: "x", shareBp: 3333 },
          { accountId: "y", shareBp: 3333 },
          { accountId: "z", shareBp: 3334 },
        ]),
      ),
    ).toEqual({ x: 33, y: 33, z: 34 });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 6 }), (amount, weights) => {
        // Shares in bp summing to 10 000 from random weights.
        const total = weights.reduce((s, w) => s + w, 0);
        const shares = weights.map((w) => Math.floor((w * 10_000) / total));
        shares[0]! += 10_000 - shares.reduce((s, x) => s + x, 0);
        fc.pre(shares.every((s) => s >= 1));
        const parts = splitBetweenHosts(
          amount,
          shares.map((shareBp, i) => ({ accountId: `h${i}`, shareBp })),
        );
        const sum = [...parts.values()].reduce((s, x) => s + x, 0);
        expect(sum).toBe(amount);
        for (const [id, part] of parts) expect(Math.abs(part - (amount * shares[Number(id.slice(1))]!) / 10_000)).toBeLessThan(shares.length + 1);
      }),
    );
    expect(() => splitBetweenHosts(10, [{ accountId: "a", shareBp: 9000 }])).toThrow(/10000/);
  });
});

describe("ledger transactions", () => {
  it("must sum to zero per currency in whole cents", () => {
    expect(() =>
      assertBalanced([
        { account: "a", amount: 5, currency: "EUR" },
        { account: "b", amount: -5, currency: "EUR" },
      ]),
    ).not.toThrow();
    expect(() =>
      assertBalanced([
        { account: "a", amount: 5, currency: "EUR" },
        { account: "b", amount: -4, currency: "EUR" },
      ]),
    ).toThrow(UnbalancedTransaction);
    expect(() =>
      assertBalanced([
        { account: "a", amount: 5, currency: "EUR" },
        { account: "b", amount: -5, currency: "USD" },
      ]),
    ).toThrow(UnbalancedTransaction);
    expect(() =>
      assertBalanced([
        { account: "a", amount: 0.5, currency: "EUR" },
        { account: "b", amount: -0.5, currency: "EUR" },
      ]),
    ).toThrow(/whole number/);
  });
});

describe("SEPA", () => {
  it("checks IBANs by country length and mod 97", () => {
    expect(isValidIban("DE89 3704 0044 0532 0130 00")).toBe(true);
    expect(isValidIban("GB82WEST12345698765432")).toBe(true);
    expect(isValidIban("FR1420041010050500013M02606")).toBe(true);
    expect(isValidIban("DE89370400440532013001")).toBe(false); // check digits
    expect(isValidIban("DE8937040044053201300")).toBe(false); // length
    expect(isValidIban("XX89370400440532013000")).toBe(false); // country
    expect(isValidBic("COBADEFFXXX")).toBe(true);
    expect(isValidBic("DEUTDEFF")).toBe(true);
    expect(isValidBic("DEUTDEF")).toBe(false);
    expect(isValidBic("DEUTDE1F")).toBe(false); // location: 2–9 or a letter first, not 1
  });

  it("writes amounts with two decimals and text in the SEPA character set", () => {
    expect(sepaAmount(1)).toBe("0.01");
    expect(sepaAmount(123456)).toBe("1234.56");
    expect(() => sepaAmount(0)).toThrow();
    expect(sepaText("Jürgen & Söhne <GmbH> €", 70)).toBe("Juergen + Soehne GmbH");
    expect(sepaText("x".repeat(80), 35)).toHaveLength(35);
  });

  it("refuses a file with an invalid creditor IBAN", () => {
    const debtor = { name: "Shop", iban: "DE89370400440532013000", bic: "COBADEFFXXX" };
    expect(() =>
      painXml({
        messageId: "m1",
        createdAt: new Date(),
        executionDate: "2026-12-01",
        debtor,
        transfers: [{ endToEndId: "e1", amount: 100, creditorName: "A", iban: "DE00370400440532013000", bic: "COBADEFFXXX", remittance: "x" }],
      }),
    ).toThrow(/IBAN/);
  });
});
