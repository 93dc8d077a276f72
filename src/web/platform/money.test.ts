import { describe, expect, it } from "vitest";
import { formatMoney, parsePriceToCents } from "./money.js";

describe("money", () => {
  it("formats integer cents for German and English readers", () => {
    expect(formatMoney(9099, "EUR", "de-DE")).toBe("90,99\u00a0€");
    expect(formatMoney(9099, "EUR", "en-GB")).toBe("€90.99");
    expect(formatMoney(123456, "EUR", "de-DE")).toBe("1.234,56\u00a0€");
  });

  it("reads prices typed with either decimal mark", () => {
    expect(parsePriceToCents("12,34")).toBe(1234);
    expect(parsePriceToCents("12.34")).toBe(1234);
    expect(parsePriceToCents("1.234,5")).toBe(123450);
    expect(parsePriceToCents("1,234.50")).toBe(123450);
    expect(parsePriceToCents("€ 5")).toBe(500);
    expect(parsePriceToCents("0.1")).toBe(10);
    expect(parsePriceToCents("abc")).toBeNull();
    expect(parsePriceToCents("")).toBeNull();
    expect(parsePriceToCents("1.2.3,456")).toBeNull();
  });
});
