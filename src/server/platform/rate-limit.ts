import { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { AppError } from "./errors.js";

/**
 * Abuse limits (sign-in, sign-up, password reset, holds, telemetry, chat by address), counted by
 * rate-limiter-flexible: in this process, or in Redis when REDIS_URL is set so every node shares the counts.
 * These are wall-clock limits against floods, not product rules: slow mode and the per-user chat windows keep the
 * injected clock (chat/limiter-store.ts), because hosts set them and tests step through them.
 */
export interface RateRule {
  /** Key prefix; unique per rule. */
  name: string;
  /** Requests (points) allowed per window. */
  points: number;
  windowSeconds: number;
  /** Once over the limit, refuse for this long (default: until the window ends). */
  blockSeconds?: number;
  /** Counted in this process even when Redis is there: for keys that live on one node (a socket). */
  local?: boolean;
}

export interface RateLimit {
  readonly rule: RateRule;
  /** Counts `points` against `key`; over the limit it throws `rate_limited` with `retryAfterMs`. */
  take(key: string, points?: number): Promise<void>;
  /**
   * Counts without throwing: 0 when within the limit, else ms until the next attempt may pass. `windowSeconds`
   * replaces the rule's window for a key that starts here (a key that exists keeps its expiry).
   */
  hit(key: string, points?: number, windowSeconds?: number): Promise<number>;
  /** Gives back points counted earlier (an attempt that turned out fine). */
  refund(key: string, points?: number): Promise<void>;
  /** Ms until `key` may pass again (0: now), counting nothing. */
  waitMs(key: string): Promise<number>;
  /** Points used in the current window. */
  used(key: string): Promise<number>;
  /** Refuse `key` for `seconds` from now. */
  block(key: string, seconds: number): Promise<void>;
  reset(key: string): Promise<void>;
}

export class RateLimits {
  readonly #redis: Redis | null;
  readonly #limits = new Map<string, RateLimit>();
  readonly #prefix: string;

  constructor(opts: { redisUrl?: string; prefix?: string; onError?: (err: Error) => void } = {}) {
    this.#redis = opts.redisUrl ? new Redis(opts.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 3, enableOfflineQueue: true }) : null;
    // ioredis reconnects by itself; without a listener a dropped connection is printed as an unhandled error event.
    // Meanwhile the insurance limiter counts (see limit()), so a refused Redis call is not a lost limit.
    this.#redis?.on("error", (err) => opts.onError?.(err));
    this.#prefix = opts.prefix ?? "showcart:rl";
  }

  get shared(): boolean {
    return this.#redis !== null;
  }

  /** The limiter for a rule (one per name; the first definition wins). */
  limit(rule: RateRule): RateLimit {
    const existing = this.#limits.get(rule.name);
    if (existing) return existing;
    const opts = { keyPrefix: `${this.#prefix}:${rule.name}`, points: rule.points, duration: rule.windowSeconds, blockDuration: rule.blockSeconds ?? 0 };
    // With Redis, a node that loses it keeps limiting on its own counts (insurance) rather than letting floods through.
    const impl: RateLimiterAbstract =
      this.#redis && !rule.local
        ? new RateLimiterRedis({ ...opts, storeClient: this.#redis, insuranceLimiter: new RateLimiterMemory(opts) })
        : new RateLimiterMemory(opts);
    const made = new FlexibleLimit(rule, impl);
    this.#limits.set(rule.name, made);
    return made;
  }

  async close(): Promise<void> {
    await this.#redis?.quit().catch(() => {});
  }
}

/** The 429 every limit answers: `retryAfterMs` in details (the HTTP layer also sends it as Retry-After). */
export function rateLimited(waitMs: number, message = `Too many requests; try again in ${Math.ceil(waitMs / 1000)} s.`): AppError {
  return AppError.expected("rate_limited", message, { retryAfterMs: waitMs });
}

class FlexibleLimit implements RateLimit {
  constructor(
    readonly rule: RateRule,
    private readonly impl: RateLimiterAbstract,
  ) {}

  async hit(key: string, points = 1, windowSeconds?: number): Promise<number> {
    try {
      await this.impl.consume(key, points, windowSeconds === undefined ? {} : { customDuration: windowSeconds });
      return 0;
    } catch (res) {
      if (res instanceof RateLimiterRes) return Math.max(1, res.msBeforeNext);
      throw res;
    }
  }

  async take(key: string, points = 1): Promise<void> {
    const wait = await this.hit(key, points);
    if (wait > 0) throw rateLimited(wait);
  }

  async refund(key: string, points = 1): Promise<void> {
    await this.impl.reward(key, points);
  }

  async waitMs(key: string): Promise<number> {
    const res = await this.impl.get(key);
    if (!res || res.consumedPoints <= this.rule.points) return 0;
    return Math.max(1, res.msBeforeNext);
  }

  async used(key: string): Promise<number> {
    return (await this.impl.get(key))?.consumedPoints ?? 0;
  }

  async block(key: string, seconds: number): Promise<void> {
    await this.impl.block(key, seconds);
  }

  async reset(key: string): Promise<void> {
    await this.impl.delete(key);
  }
}
