import type { Bus } from "../platform/bus.js";
import { GroupCommit } from "../platform/group-commit.js";
import type { Account } from "./service.js";

/** A session as the cache holds it: the account, and when the session ends (ms since the epoch). */
export interface CachedSession {
  account: Account;
  expiresAt: number;
}

/** How long a node trusts a session it read without reading it again (SESSION_CACHE_SECONDS, default 5 s). */
export const DEFAULT_SESSION_CACHE_MS = 5000;
/** Most token hashes looked up in one query (a storm of first requests reads in slices of this many). */
const MAX_PER_LOOKUP = 500;

/**
 * Sessions by token hash, kept for `ttlMs` of real time, so a signed-in request does not read the database each time
 * (in a bid storm the session read was the longest step before the auction's queue: on PGlite it waits for the one
 * connection). Misses that arrive while a lookup runs are read together in the next one (group commit: one
 * `token_hash in (…)` per turn instead of one query per request).
 *
 * Revocation: sign-out, a password reset and a change to the account drop the account's sessions here at once and
 * publish `account.changed`, on which every node drops them too. A lookup that was under way when a drop arrived
 * answers its own callers but stores nothing (it may have read the row before the change committed). So a revoked
 * session stops working on the node that revoked it before the answer, on the others when the bus delivers (ms), and
 * on a node that missed the message (Redis pub/sub does not redeliver) after `ttlMs` at worst.
 *
 * Real time, not the injected clock: the bound is a promise about wall time (as the auction owner's lease is). A
 * session's own expiry is checked against the injected clock on every hit, by the caller.
 */
export class SessionCache {
  readonly #entries = new Map<string, CachedSession & { at: number }>();
  readonly #byAccount = new Map<string, Set<string>>();
  readonly #lookups: GroupCommit<string, CachedSession | null>;
  // Bumped by every drop: a lookup started before a drop must not store what it read.
  #generation = 0;

  constructor(
    load: (tokenHashes: string[]) => Promise<Map<string, CachedSession>>,
    private readonly opts: { ttlMs: number; maxEntries?: number; bus?: Bus; now?: () => number },
  ) {
    this.#lookups = new GroupCommit(async (_key, hashes) => {
      const generation = this.#generation;
      const found = await load([...new Set(hashes)]);
      const store = this.opts.ttlMs > 0 && generation === this.#generation;
      const at = this.#now();
      return hashes.map((h) => {
        const s = found.get(h) ?? null;
        if (s && store) this.#store(h, s, at);
        return s;
      });
    }, MAX_PER_LOOKUP);
    opts.bus?.subscribe("account.changed", (e) => this.#drop(e.accountId));
  }

  #now(): number {
    return this.opts.now?.() ?? performance.now();
  }

  /** The session of this token hash (cached, or read with others waiting now), or null when there is none. */
  async get(tokenHash: string): Promise<CachedSession | null> {
    const hit = this.#entries.get(tokenHash);
    if (hit) {
      if (this.#now() - hit.at < this.opts.ttlMs) return hit;
      this.#forget(tokenHash, hit.account.id);
    }
    return this.#lookups.submit("sessions", tokenHash);
  }

  /**
   * The account's sessions changed (signed out, password reset, account edited): dropped here now and on every other
   * node through the bus. Call after the change committed.
   */
  async changed(accountId: string): Promise<void> {
    this.#drop(accountId);
    await this.opts.bus?.publish("account.changed", { accountId });
  }

  /** Entries held (for tests). */
  get size(): number {
    return this.#entries.size;
  }

  #store(tokenHash: string, s: CachedSession, at: number): void {
    const old = this.#entries.get(tokenHash);
    if (old) this.#forget(tokenHash, old.account.id);
    // Bounded: past the limit the oldest entry goes (Map keeps insertion order).
    if (this.#entries.size >= (this.opts.maxEntries ?? 10_000)) {
      const [oldest, e] = this.#entries.entries().next().value as [string, CachedSession];
      this.#forget(oldest, e.account.id);
    }
    // Shared by every request of the session until it goes: nobody may change it in place.
    this.#entries.set(tokenHash, { account: Object.freeze(s.account), expiresAt: s.expiresAt, at });
    let keys = this.#byAccount.get(s.account.id);
    if (!keys) {
      keys = new Set();
      this.#byAccount.set(s.account.id, keys);
    }
    keys.add(tokenHash);
  }

  #forget(tokenHash: string, accountId: string): void {
    this.#entries.delete(tokenHash);
    const keys = this.#byAccount.get(accountId);
    keys?.delete(tokenHash);
    if (keys?.size === 0) this.#byAccount.delete(accountId);
  }

  #drop(accountId: string): void {
    this.#generation++;
    for (const h of this.#byAccount.get(accountId) ?? []) this.#entries.delete(h);
    this.#byAccount.delete(accountId);
  }
}
