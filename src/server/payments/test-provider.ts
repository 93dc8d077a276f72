import { createHash } from "node:crypto";

export interface ChargeRequest {
  amount: number;
  currency: string;
  cardNumber: string;
  idempotencyKey: string;
  description: string;
}

export type ChargeResult = { ok: true; ref: string } | { ok: false; reason: "card_declined" | "invalid_card" };

export interface PaymentProvider {
  readonly name: string;
  charge(req: ChargeRequest): Promise<ChargeResult>;
  /** Pays back `amount` of a charge; the same idempotency key never refunds twice. */
  refund(req: { ref: string; amount: number; currency: string; idempotencyKey: string }): Promise<{ ok: true; ref: string } | { ok: false; reason: string }>;
}

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
export class TestPaymentProvider implements PaymentProvider {
  readonly name = "test";
  async charge(req: ChargeRequest): Promise<ChargeResult> {
    const number = req.cardNumber.replace(/\s+/g, "");
    if (!luhnValid(number)) return { ok: false, reason: "invalid_card" };
    if (number !== TEST_CARD_OK) return { ok: false, reason: "card_declined" };
    const ref = `test_ch_${createHash("sha256").update(req.idempotencyKey).digest("base64url").slice(0, 20)}`;
    return { ok: true, ref };
  }

  async refund(req: { ref: string; amount: number; idempotencyKey: string }): Promise<{ ok: true; ref: string } | { ok: false; reason: string }> {
    if (!req.ref.startsWith("test_ch_") || req.amount <= 0) return { ok: false, reason: "invalid_refund" };
    return { ok: true, ref: `test_re_${createHash("sha256").update(req.idempotencyKey).digest("base64url").slice(0, 20)}` };
  }
}
