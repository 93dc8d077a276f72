import { createHmac, timingSafeEqual } from "node:crypto";

/** Header that carries a waitlist entry's token (kept out of URLs, so out of request logs). */
export const WAITLIST_TOKEN_HEADER = "x-waitlist-token";

/**
 * A waitlisted guest's key to their entry: HMAC-SHA256(server secret, entry id), handed only to the browser that
 * created the entry and, in a link's fragment, to the entry's email address. Nothing to store; unforgeable without
 * the server's key. Entry ids are not secret enough on their own: joining with someone's email must not reveal theirs.
 */
export class WaitlistEntryAccess {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    this.#key = key;
  }

  token(entryId: string): string {
    return createHmac("sha256", this.#key).update(`waitlist-entry:${entryId}`).digest("base64url");
  }

  verify(entryId: string, token: string | undefined): boolean {
    if (!token) return false;
    const want = Buffer.from(this.token(entryId));
    const got = Buffer.from(token);
    return got.length === want.length && timingSafeEqual(got, want);
  }
}
