import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "Showcart-Signature";
export const EVENT_ID_HEADER = "Showcart-Event-Id";
export const EVENT_TYPE_HEADER = "Showcart-Event-Type";

/** A new endpoint signing secret: `whsec_` + 256 random bits. The whole string (prefix included) is the HMAC key. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}

export function secretHint(secret: string): string {
  return `${secret.slice(0, 10)}…`;
}

/** Hex HMAC-SHA256 of `"<t>.<body>"` with the secret as the key (Stripe's scheme, so its verification recipes apply). */
export function signatureFor(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

/** The `Showcart-Signature` header: `t=<unix seconds>,v1=<hex>`. */
export function signatureHeader(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${signatureFor(secret, timestamp, body)}`;
}

/**
 * What a receiver does (and our tests): parse `t` and every `v1`, recompute over the raw body, compare in constant
 * time, and refuse timestamps further than `toleranceSeconds` from now (replayed deliveries).
 */
export function verifySignature(header: string, body: string, secret: string, opts: { nowSeconds: number; toleranceSeconds?: number }): boolean {
  let timestamp: number | null = null;
  const candidates: string[] = [];
  for (const part of header.split(",")) {
    const [k, v] = part.trim().split("=", 2);
    if (k === "t" && v && /^\d+$/.test(v)) timestamp = Number(v);
    else if (k === "v1" && v) candidates.push(v);
  }
  if (timestamp === null || candidates.length === 0) return false;
  if (Math.abs(opts.nowSeconds - timestamp) > (opts.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signatureFor(secret, timestamp, body), "hex");
  return candidates.some((c) => {
    const got = Buffer.from(c, "hex");
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
}
