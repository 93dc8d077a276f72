import type { Clock } from "./clock.js";

/**
 * Values loaded at most once per `ttlMs` per key (by the injected clock), for reads on hot paths that may be a little
 * stale (a show's row for WebSocket joins, a show's open giveaway keywords for every chat message). The promise is
 * cached, so concurrent callers share one load; a failed load is forgotten at once. Past `maxEntries` the cache starts
 * over (bounded memory without an eviction order).
 */
export class TtlCache<V> {
  readonly #entries = new Map<string, { at: number; value: Promise<V> }>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    const now = this.clock.now().getTime();
    const hit = this.#entries.get(key);
    // A clock set back (manual clocks in tests) makes an entry stale too.
    if (hit && now >= hit.at && now - hit.at < this.ttlMs) return hit.value;
    const value = load();
    if (this.#entries.size >= this.maxEntries) this.#entries.clear();
    this.#entries.set(key, { at: now, value });
    value.catch(() => {
      if (this.#entries.get(key)?.value === value) this.#entries.delete(key);
    });
    return value;
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }
}
