import { Redis } from "ioredis";

// Where each live show's video is: the ingest node registers its internal base URL under the show (Redis, with an
// expiry it refreshes while the show is on air), so any other node serving /live/<show>/… knows whom to ask.
// A second, expiry-free record (`onair`) remembers which node had a show on air; when the first expires without the
// show being withdrawn, the ingest node died, and another node ends the show as an encoder drop would.

export interface LiveEntry {
  /** The ingest node's base URL as other nodes reach it (NODE_URL), e.g. http://10.0.0.5:3000. */
  url: string;
  /** The ingest node's bus id. */
  node: string;
  /** WHEP places the node had left at its last refresh (other nodes' show views say `webrtc.available` from it). */
  whepPlaces?: number;
}

export interface OnAirRecord {
  node: string;
  /** The show's discontinuity sequence number on that node at its last refresh: a new ingest elsewhere goes on past it. */
  discontinuity?: number;
  /** Set by the node that found the ingest gone: when the show ends unless a new ingest took it (epoch ms). */
  graceUntil?: number;
}

// Withdraw only what we registered: a newer ingest on another node may own the key by now.
const WITHDRAW = `
local v = redis.call('GET', KEYS[1])
if v and cjson.decode(v).node == ARGV[1] then redis.call('DEL', KEYS[1]) end
local o = redis.call('HGET', KEYS[2], ARGV[2])
if o and cjson.decode(o).node == ARGV[1] then redis.call('HDEL', KEYS[2], ARGV[2]) end
return 1`;

// The show is over for good only if still nobody registered it (atomic with the check, so a new ingest that
// registered meanwhile keeps its record).
const FORGET_ORPHAN = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
return 1`;

// A publish claim: taken when nobody holds it, renewed when this node does; answers the holder either way.
const CLAIM = `
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
  return ARGV[1]
end
if cjson.decode(v).node == ARGV[2] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3]) end
return v`;

const RELEASE = `
local v = redis.call('GET', KEYS[1])
if v and cjson.decode(v).node == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1`;

// Only while still orphaned: a new ingest's record must not be overwritten by the old one.
const MARK_GRACE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1`;

export class LiveDirectory {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redisUrl: string, prefix = "showcart:media:") {
    this.#redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
    this.#prefix = prefix;
  }

  #key(showId: string): string {
    return `${this.#prefix}live:${showId}`;
  }

  #claimKey(showId: string): string {
    return `${this.#prefix}claim:${showId}`;
  }

  get #onAir(): string {
    return `${this.#prefix}onair`;
  }

  /** Registers (or refreshes) this node as the show's ingest for `ttlMs`. */
  async announce(showId: string, entry: LiveEntry, ttlMs: number, discontinuity?: number): Promise<void> {
    const record: OnAirRecord = { node: entry.node, ...(discontinuity !== undefined ? { discontinuity } : {}) };
    await this.#redis.multi().set(this.#key(showId), JSON.stringify(entry), "PX", ttlMs).hset(this.#onAir, showId, JSON.stringify(record)).exec();
  }

  /** The show's on-air record: which node had it on air last, while it is on air or orphaned. */
  async onAirRecord(showId: string): Promise<OnAirRecord | null> {
    const raw = await this.#redis.hget(this.#onAir, showId);
    return raw ? (JSON.parse(raw) as OnAirRecord) : null;
  }

  /** The show ended here: its records go, if they are still ours. */
  async withdraw(showId: string, node: string): Promise<void> {
    await this.#redis.eval(WITHDRAW, 2, this.#key(showId), this.#onAir, node, showId);
  }

  async lookup(showId: string): Promise<LiveEntry | null> {
    const raw = await this.#redis.get(this.#key(showId));
    return raw ? (JSON.parse(raw) as LiveEntry) : null;
  }

  /**
   * Where the show's media is: its live ingest, else the node that claimed it for a WebRTC publish not live yet (a
   * WHIP or stage publish connecting). Null when neither.
   */
  async locate(showId: string): Promise<LiveEntry | null> {
    const [live, claim] = await this.#redis.mget(this.#key(showId), this.#claimKey(showId));
    const raw = live ?? claim;
    return raw ? (JSON.parse(raw) as LiveEntry) : null;
  }

  /** Claims the show's media for `entry`'s node for `ttlMs` (renewed when it already holds it); answers the holder. */
  async claim(showId: string, entry: LiveEntry, ttlMs: number): Promise<LiveEntry> {
    const raw = await this.#redis.eval(CLAIM, 1, this.#claimKey(showId), JSON.stringify(entry), entry.node, String(ttlMs));
    return JSON.parse(String(raw)) as LiveEntry;
  }

  /** Drops the claim if `node` holds it. */
  async release(showId: string, node: string): Promise<void> {
    await this.#redis.eval(RELEASE, 1, this.#claimKey(showId), node);
  }

  /** Shows some node had on air, and which of them have no live registration any more (their ingest is gone). */
  async orphans(): Promise<Map<string, OnAirRecord>> {
    const all = await this.#redis.hgetall(this.#onAir);
    const ids = Object.keys(all);
    if (ids.length === 0) return new Map();
    const present = await this.#redis.mget(ids.map((id) => this.#key(id)));
    const out = new Map<string, OnAirRecord>();
    ids.forEach((id, i) => {
      if (present[i] === null) out.set(id, JSON.parse(all[id]!) as OnAirRecord);
    });
    return out;
  }

  /** Marks an orphaned show as in its reconnect grace period (kept only while it is still orphaned). */
  async markGrace(showId: string, record: OnAirRecord): Promise<boolean> {
    return Number(await this.#redis.eval(MARK_GRACE, 2, this.#key(showId), this.#onAir, showId, JSON.stringify(record))) === 1;
  }

  /** Drops an orphaned show's record; true when it was still orphaned (nobody resumed it). */
  async forgetOrphan(showId: string): Promise<boolean> {
    return Number(await this.#redis.eval(FORGET_ORPHAN, 2, this.#key(showId), this.#onAir, showId)) === 1;
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => undefined);
  }
}
