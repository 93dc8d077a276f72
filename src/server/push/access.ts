import { createHmac, timingSafeEqual } from "node:crypto";

/** Header that carries a push subscription's token (kept out of URLs, so out of request logs). */
export const PUSH_TOKEN_HEADER = "x-push-token";

/**
 * A browser's key to the push subscription it registered: HMAC-SHA256(server secret, subscription id). A guest has no
 * session, so this token (kept in the browser) is what lets it remove the subscription again; nothing to store.
 */
export class PushSubscriptionAccess {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    this.#key = key;
  }

  token(subscriptionId: string): string {
    return createHmac("sha256", this.#key).update(`push-subscription:${subscriptionId}`).digest("base64url");
  }

  verify(subscriptionId: string, token: string | undefined): boolean {
    if (!token) return false;
    const want = Buffer.from(this.token(subscriptionId));
    const got = Buffer.from(token);
    return got.length === want.length && timingSafeEqual(got, want);
  }
}
