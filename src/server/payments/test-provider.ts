import { createHash, randomBytes } from "node:crypto";
import type { ChargeRequest, ChargeResult, PaymentProvider } from "./provider.js";

export const TEST_CARD_OK = "4242424242424242";
export const TEST_CARD_DECLINED = "4000000000000002";

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

// Built-in provider: no network. 4242… succeeds, 4000…0002 is declined, any other number is declined as unknown.
// The reference is derived from the idempotency key, as a real provider would return the same charge on retry.
// Orders treat it as any provider (hold, charge outside the transaction, confirm): with `latencyMs` it answers a charge
// that much later, as a provider across the network would (the flash-sale bench's stand-in for Stripe).
export class TestPaymentProvider implements PaymentProvider {
  readonly name = "test";
  readonly methods = ["test_card"] as const;

  constructor(private readonly opts: { latencyMs?: number } = {}) {}

  async charge(req: ChargeRequest): Promise<ChargeResult> {
    const latency = this.opts.latencyMs ?? 0;
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));
    return this.#answer(req);
  }

  #answer(req: ChargeRequest): ChargeResult {
    if (req.paymentMethod) {
      if (!req.paymentMethod.startsWith("pm_test_")) return { ok: false, reason: "invalid_card" };
      if (!req.paymentMethod.startsWith("pm_test_ok_")) return { ok: false, reason: "card_declined" };
      return { ok: true, ref: `test_ch_${createHash("sha256").update(req.idempotencyKey).digest("base64url").slice(0, 20)}` };
    }
    const number = req.cardNumber.replace(/\s+/g, "");
    if (!luhnValid(number)) return { ok: false, reason: "invalid_card" };
    if (number !== TEST_CARD_OK) return { ok: false, reason: "card_declined" };
    const ref = `test_ch_${createHash("sha256").update(req.idempotencyKey).digest("base64url").slice(0, 20)}`;
    return { ok: true, ref };
  }

  // Like Stripe's test payment methods, the token says how charges behave; it never contains the number.
  async tokenize(cardNumber: string): Promise<{ ok: true; token: string; brand: string; last4: string } | { ok: false; reason: "invalid_card" }> {
    const number = cardNumber.replace(/\s+/g, "");
    if (!/^\d{12,19}$/.test(number) || !luhnValid(number)) return { ok: false, reason: "invalid_card" };
    const brand = number.startsWith("4") ? "visa" : /^5[1-5]/.test(number) ? "mastercard" : number.startsWith("3") ? "amex" : "card";
    return {
      ok: true,
      token: `pm_test_${number === TEST_CARD_OK ? "ok" : "declined"}_${randomBytes(12).toString("base64url")}`,
      brand,
      last4: number.slice(-4),
    };
  }

  async refund(req: { ref: string; amount: number; idempotencyKey: string }): Promise<{ ok: true; ref: string } | { ok: false; reason: string }> {
    if (!req.ref.startsWith("test_ch_") || req.amount <= 0) return { ok: false, reason: "invalid_refund" };
    return { ok: true, ref: `test_re_${createHash("sha256").update(req.idempotencyKey).digest("base64url").slice(0, 20)}` };
  }
}
