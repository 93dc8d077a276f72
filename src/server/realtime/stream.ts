import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import type { Envelope } from "../../protocol/realtime.js";
import { isStaleStock } from "../../protocol/stock.js";

/** A room event as numbered by the stream: every node receives the same (epoch, seq) for it. */
export type StreamHandler = (roomId: string, epoch: string, env: Envelope) => void;

/**
 * Where room events get their `seq`: one place for the whole deployment. In process (memory bus) that is a counter
 * per room; with Redis it is a per-room counter in Redis, bumped and published in one script, so every node sees
 * the events of a room in seq order and any node can serve a resume.
 */
export interface RoomStream {
  /** True when other nodes share the numbering (a node may lag behind the head by a few events). */
  readonly shared: boolean;
  /** Number the event and deliver it to every node's handler (this node's included). Never throws. */
  publish(roomId: string, t: string, d: unknown): void;
  onEvent(handler: StreamHandler): void;
  /** The room's current epoch and last seq (creating the epoch on first use). */
  head(roomId: string): Promise<{ epoch: string; seq: number }>;
  /**
   * Report this node's viewer count for a show; resolves to the count summed over nodes (entries older than
   * `ttlMs` are ignored). When the sum changed, a `viewers.counted` event is published into the room.
   */
  reportViewers(showId: string, count: number): Promise<number>;
  close(): Promise<void>;
}

const newEpoch = () => randomBytes(6).toString("base64url");

/**
 * Stock figures carry the offer's stock version: two nodes (or two relays) may publish them in the other order than
 * the database committed them, so the stream drops one older than the last it numbered (isStaleStock; the Redis script
 * applies the same rule): every socket of the room sees an offer's versions only grow. This is the server's one filter.
 */
function stockVersion(t: string, d: unknown): [key: string, version: number] | null {
  const v = d as { offerId?: string; version?: number };
  return t === "offer.updated" && typeof v.version === "number" && typeof v.offerId === "string" ? [`v:${v.offerId}`, v.version] : null;
}

/** Single node: numbering in process, delivery synchronous. */
export class LocalRoomStream implements RoomStream {
  readonly shared = false;
  #rooms = new Map<string, { epoch: string; seq: number; viewers: number; versions: Map<string, number> }>();
  #handlers: StreamHandler[] = [];

  #room(roomId: string) {
    let r = this.#rooms.get(roomId);
    if (!r) {
      r = { epoch: newEpoch(), seq: 0, viewers: -1, versions: new Map() };
      this.#rooms.set(roomId, r);
    }
    return r;
  }

  publish(roomId: string, t: string, d: unknown): void {
    const r = this.#room(roomId);
    const v = stockVersion(t, d);
    if (v) {
      if (isStaleStock(r.versions.get(v[0]), v[1])) return;
      r.versions.set(v[0], v[1]);
    }
    const env: Envelope = { t, seq: ++r.seq, d };
    for (const h of this.#handlers) h(roomId, r.epoch, env);
  }

  onEvent(handler: StreamHandler): void {
    this.#handlers.push(handler);
  }

  async head(roomId: string) {
    const { epoch, seq } = this.#room(roomId);
    return { epoch, seq };
  }

  async reportViewers(showId: string, count: number): Promise<number> {
    const r = this.#room(showId);
    if (r.viewers !== count) {
      r.viewers = count;
      this.publish(showId, "viewers.counted", { viewers: count });
    }
    return count;
  }

  async close(): Promise<void> {
    this.#handlers = [];
  }
}

// Bumps the room's seq and publishes the event in the same atomic step, so the order on the channel is seq order.
// The room hash holds `seq`, `epoch` (new whenever the hash was lost: the seq restarts with it) and `viewers`.
const SEQUENCE_AND_PUBLISH = `
local function sequence(room, epochCandidate, ttl, channel, roomId, t, d, vkey, version)
  if vkey and vkey ~= '' then
    -- isStaleStock (protocol/stock.ts): a version below the one last numbered is dropped.
    local cur = tonumber(redis.call('HGET', room, vkey) or '-1')
    if cur > tonumber(version) then return 0 end
    redis.call('HSET', room, vkey, version)
  end
  local seq = redis.call('HINCRBY', room, 'seq', 1)
  local epoch = redis.call('HGET', room, 'epoch')
  if not epoch then
    epoch = epochCandidate
    redis.call('HSET', room, 'epoch', epoch)
  end
  redis.call('EXPIRE', room, ttl)
  redis.call('PUBLISH', channel, roomId .. '\\n' .. epoch .. '\\n' .. seq .. '\\n' .. t .. '\\n' .. d)
  return seq
end
`;

// KEYS: room hash. ARGV: epoch candidate, ttl s, channel, room id, type, data (JSON), stock version key or '', version.
const PUBLISH_SCRIPT = `${SEQUENCE_AND_PUBLISH}
return sequence(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8])`;

// KEYS: room hash. ARGV: epoch candidate, ttl s.
const HEAD_SCRIPT = `
redis.call('HSETNX', KEYS[1], 'epoch', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return { redis.call('HGET', KEYS[1], 'epoch'), tonumber(redis.call('HGET', KEYS[1], 'seq') or '0') }`;

// KEYS: presence hash (node → "count:expiresAtMs"), room hash. ARGV: node id, count, presence ttl ms, epoch
// candidate, room ttl s, channel, room id. Redis's own TIME keeps nodes with skewed clocks comparable.
const VIEWERS_SCRIPT = `${SEQUENCE_AND_PUBLISH}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
if tonumber(ARGV[2]) > 0 then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ':' .. (now + ttl))
else
  redis.call('HDEL', KEYS[1], ARGV[1])
end
local total = 0
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local c, exp = string.match(all[i + 1], '(%d+):(%d+)')
  if tonumber(exp) < now then redis.call('HDEL', KEYS[1], all[i]) else total = total + tonumber(c) end
end
redis.call('PEXPIRE', KEYS[1], ttl)
if redis.call('HGET', KEYS[2], 'viewers') ~= tostring(total) then
  sequence(KEYS[2], ARGV[4], ARGV[5], ARGV[6], ARGV[7], 'viewers.counted', '{"viewers":' .. total .. '}')
  redis.call('HSET', KEYS[2], 'viewers', total)
end
return total`;

type ScriptRedis = Redis & {
  roomPublish(key: string, epoch: string, ttl: number, channel: string, roomId: string, t: string, d: string, vkey: string, version: number): Promise<number>;
  roomHead(key: string, epoch: string, ttl: number): Promise<[string, number]>;
  roomViewers(
    presence: string,
    room: string,
    node: string,
    count: number,
    ttlMs: number,
    epoch: string,
    roomTtl: number,
    channel: string,
    roomId: string,
  ): Promise<number>;
};

export interface RedisRoomStreamOptions {
  prefix?: string;
  /** A node's viewer count is forgotten this long after its last report (it died or lost Redis). */
  presenceTtlMs?: number;
  /** A room's seq and epoch are kept this long after its last event. */
  roomTtlSeconds?: number;
  onError?: (err: unknown) => void;
}

/** Many nodes: per-room seq in Redis (HINCRBY in a script that also PUBLISHes), one channel for all rooms. */
export class RedisRoomStream implements RoomStream {
  readonly shared = true;
  readonly nodeId = newEpoch();
  readonly #cmd: ScriptRedis;
  readonly #sub: Redis;
  readonly #prefix: string;
  readonly #channel: string;
  readonly #presenceTtlMs: number;
  readonly #roomTtl: number;
  readonly #onError: (err: unknown) => void;
  #handlers: StreamHandler[] = [];
  readonly ready: Promise<unknown>;

  constructor(url: string, opts: RedisRoomStreamOptions = {}) {
    this.#prefix = opts.prefix ?? "showcart:";
    this.#channel = `${this.#prefix}rooms`;
    this.#presenceTtlMs = opts.presenceTtlMs ?? 3000;
    this.#roomTtl = opts.roomTtlSeconds ?? 24 * 3600;
    this.#onError = opts.onError ?? (() => {});
    this.#cmd = new Redis(url, { maxRetriesPerRequest: 3 }) as ScriptRedis;
    this.#cmd.defineCommand("roomPublish", { numberOfKeys: 1, lua: PUBLISH_SCRIPT });
    this.#cmd.defineCommand("roomHead", { numberOfKeys: 1, lua: HEAD_SCRIPT });
    this.#cmd.defineCommand("roomViewers", { numberOfKeys: 2, lua: VIEWERS_SCRIPT });
    this.#sub = new Redis(url, { maxRetriesPerRequest: 3 });
    this.#sub.on("message", (_channel: string, message: string) => this.#receive(message));
    this.#cmd.on("error", this.#onError);
    this.#sub.on("error", this.#onError);
    this.ready = this.#sub.subscribe(this.#channel);
  }

  #roomKey = (roomId: string) => `${this.#prefix}room:${roomId}`;

  #receive(message: string): void {
    // roomId \n epoch \n seq \n type \n JSON data (the data may hold escaped newlines only).
    let at = 0;
    const parts: string[] = [];
    for (let i = 0; i < 4; i++) {
      const nl = message.indexOf("\n", at);
      if (nl < 0) return;
      parts.push(message.slice(at, nl));
      at = nl + 1;
    }
    const [roomId, epoch, seq, t] = parts as [string, string, string, string];
    let d: unknown;
    try {
      d = JSON.parse(message.slice(at));
    } catch (err) {
      this.#onError(err);
      return;
    }
    const env: Envelope = { t, seq: Number(seq), d };
    for (const h of this.#handlers) h(roomId, epoch, env);
  }

  publish(roomId: string, t: string, d: unknown): void {
    const v = stockVersion(t, d);
    this.#cmd
      .roomPublish(this.#roomKey(roomId), newEpoch(), this.#roomTtl, this.#channel, roomId, t, JSON.stringify(d), v?.[0] ?? "", v?.[1] ?? 0)
      .catch(this.#onError);
  }

  onEvent(handler: StreamHandler): void {
    this.#handlers.push(handler);
  }

  async head(roomId: string) {
    const [epoch, seq] = await this.#cmd.roomHead(this.#roomKey(roomId), newEpoch(), this.#roomTtl);
    return { epoch, seq: Number(seq) };
  }

  reportViewers(showId: string, count: number): Promise<number> {
    return this.#cmd.roomViewers(
      `${this.#prefix}presence:${showId}`,
      this.#roomKey(showId),
      this.nodeId,
      count,
      this.#presenceTtlMs,
      newEpoch(),
      this.#roomTtl,
      this.#channel,
      showId,
    );
  }

  async close(): Promise<void> {
    this.#handlers = [];
    await Promise.allSettled([this.#cmd.quit(), this.#sub.quit()]);
  }
}
