import { createHmac, timingSafeEqual } from "node:crypto";

const ID = /^(rem|fol)_[A-Za-z0-9_-]{1,64}$/;

/**
 * The token of an unsubscribe link: the subscription's id and a keyed MAC of it, so a link ends exactly the
 * subscription it was sent for (no sign-in, nothing stored; a guessed or altered id fails the MAC).
 */
export class UnsubscribeTokens {
  constructor(private readonly key: Buffer) {}

  token(subscriptionId: string): string {
    return `${subscriptionId}.${this.#mac(subscriptionId)}`;
  }

  /** The subscription id the token names, or null when the token is not one of ours. */
  verify(token: string): string | null {
    const dot = token.lastIndexOf(".");
    if (dot < 0) return null;
    const id = token.slice(0, dot);
    if (!ID.test(id)) return null;
    const given = Buffer.from(token.slice(dot + 1));
    const want = Buffer.from(this.#mac(id));
    return given.length === want.length && timingSafeEqual(given, want) ? id : null;
  }

  #mac(id: string): string {
    // 128 bits of HMAC-SHA256 is plenty for a link that can only end one subscription.
    return createHmac("sha256", this.key).update(`unsubscribe:${id}`).digest("base64url").slice(0, 22);
  }
}
