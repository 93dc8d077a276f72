import type { Clock } from "../platform/clock.js";

interface Bucket {
  tokens: number;
  at: number;
}

/** Token buckets per key (client IP), refilled continuously from the injected clock; idle full buckets are dropped. */
export class KeyedRateLimiter {
  readonly #buckets = new Map<string, Bucket>();

  constructor(
    private readonly clock: Clock,
    private readonly burst: number,
    private readonly perSecond: number,
    private readonly maxKeys = 100_000,
  ) {}

  tryTake(key: string): boolean {
    const now = this.clock.now().getTime();
    let b = this.#buckets.get(key);
    if (!b) {
      if (this.#buckets.size >= this.maxKeys) this.#prune(now);
      b = { tokens: this.burst, at: now };
      this.#buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
      b.at = now;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  #prune(now: number): void {
    const fullAfterMs = (this.burst / this.perSecond) * 1000;
    for (const [key, b] of this.#buckets) if (now - b.at >= fullAfterMs) this.#buckets.delete(key);
    // Still full of active keys: forget them all rather than grow without bound (they just get a fresh burst).
    if (this.#buckets.size >= this.maxKeys) this.#buckets.clear();
  }
}
