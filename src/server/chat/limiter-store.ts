import { Redis } from "ioredis";

/**
 * Counters for the chat rules hosts set or tests step through (per-user window, slow mode, reports), shared by every
 * node when it is Redis. Flood limits (per address, reactions) are wall-clock RateLimits (platform/rate-limit.ts). Time comes from the caller (the injected clock),
 * so windows and cooldowns follow a ManualClock in tests; Redis expiry only cleans up old keys.
 */
export interface LimiterStore {
  /** Counts one hit in the fixed window holding `nowMs`: 0 when within `limit`, else ms until the window ends. */
  hit(key: string, limit: number, windowMs: number, nowMs: number): Promise<number>;
  /** At most one per `intervalMs`: 0 when allowed (the interval starts again now), else ms left to wait. */
  cooldown(key: string, intervalMs: number, nowMs: number): Promise<number>;
  close(): Promise<void>;
}

export class MemoryLimiterStore implements LimiterStore {
  readonly #counts = new Map<string, { n: number; until: number }>();
  readonly #last = new Map<string, { at: number; until: number }>();

  #sweep(nowMs: number) {
    // Bounded memory: old entries go once the maps are large (a flood of fresh device ids).
    if (this.#counts.size + this.#last.size < 10_000) return;
    for (const [k, v] of this.#counts) if (v.until <= nowMs) this.#counts.delete(k);
    for (const [k, v] of this.#last) if (v.until <= nowMs) this.#last.delete(k);
  }

  async hit(key: string, limit: number, windowMs: number, nowMs: number): Promise<number> {
    this.#sweep(nowMs);
    const start = Math.floor(nowMs / windowMs) * windowMs;
    const k = `${key}:${start}`;
    const entry = this.#counts.get(k) ?? { n: 0, until: start + windowMs };
    entry.n += 1;
    this.#counts.set(k, entry);
    return entry.n <= limit ? 0 : entry.until - nowMs;
  }

  async cooldown(key: string, intervalMs: number, nowMs: number): Promise<number> {
    this.#sweep(nowMs);
    const last = this.#last.get(key);
    if (last && nowMs - last.at < intervalMs && nowMs >= last.at) return intervalMs - (nowMs - last.at);
    this.#last.set(key, { at: nowMs, until: nowMs + intervalMs });
    return 0;
  }

  async close(): Promise<void> {
    this.#counts.clear();
    this.#last.clear();
  }
}

// One round trip each, atomic in Redis: INCR with expiry on first hit; compare-and-set of the last time.
const HIT = `local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return n`;
const COOLDOWN = `local last = tonumber(redis.call('GET', KEYS[1]) or '-1')
local now = tonumber(ARGV[1]) local interval = tonumber(ARGV[2])
if last >= 0 and now >= last and now - last < interval then return interval - (now - last) end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3]) return 0`;

/** Cleanup slack beyond the window: real time and the injected clock may drift apart (tests, clock jumps). */
const EXPIRY_SLACK_MS = 60_000;

export class RedisLimiterStore implements LimiterStore {
  readonly #redis: Redis;
  constructor(
    url: string,
    private readonly prefix = "showcart:chat-limit:",
  ) {
    // Same connection settings as the Redis bus.
    this.#redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 3 });
  }

  async hit(key: string, limit: number, windowMs: number, nowMs: number): Promise<number> {
    const start = Math.floor(nowMs / windowMs) * windowMs;
    const n = Number(await this.#redis.eval(HIT, 1, `${this.prefix}${key}:${start}`, String(windowMs + EXPIRY_SLACK_MS)));
    return n <= limit ? 0 : start + windowMs - nowMs;
  }

  async cooldown(key: string, intervalMs: number, nowMs: number): Promise<number> {
    const res = await this.#redis.eval(COOLDOWN, 1, `${this.prefix}cd:${key}`, String(nowMs), String(intervalMs), String(intervalMs + EXPIRY_SLACK_MS));
    return Number(res);
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => {});
  }
}
