// The VAT inside a gross price: the catalog, orders and commissions use it, and /admin's commission preview.
/**
 * The VAT contained in a gross amount: gross × rate / (10 000 + rate), rate in basis points (1900 = 19 %),
 * rounded half up to the cent (all amounts are ≥ 0). 1999 at 19 % → 319.17… → 319; 1070 at 7 % → 70.
 * The division's exact result is never closer than 1 / (2 × (10 000 + rate)) to a half unless it is one, far
 * above float error for amounts below 2^53 / 10 000, so Math.round on the quotient is exact.
 */
export function vatIncluded(gross: number, rateBp: number): number {
  if (!Number.isSafeInteger(gross) || !Number.isInteger(rateBp) || rateBp < 0 || gross < 0)
    throw new RangeError("vatIncluded: gross and rate must be non-negative integers");
  if (rateBp === 0 || gross === 0) return 0;
  return Math.round((gross * rateBp) / (10_000 + rateBp));
}
