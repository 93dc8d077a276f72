import { EventEmitter } from "node:events";
import { Redis } from "ioredis";
import type { AuctionView } from "../../protocol/api.js";
import type { ServerEvents } from "../../protocol/realtime.js";
import { AppError } from "./errors.js";
import { randomId } from "./ids.js";

// Domain events between modules (and, with Redis, between nodes). Handlers get the event as published.
export interface BusEvents {
  "offer.pinned": { showId: string; offerId: string };
  "offer.unpinned": { showId: string; offerId: string };
  /** An offer went on sale without being pinned (the shop tab lists it). */
  "offer.opened": { showId: string; offerId: string };
  /** The show's offers on sale, in line-up order (written when the order of what is on sale changes). */
  "lineup.changed": { showId: string; offerIds: string[] };
  "offer.updated": { showId: string; offerId: string; remaining: number; version: number };
  "offer.ended": { showId: string; offerId: string; reason: "expired" | "sold_out" | "closed" };
  "order.paid": { showId: string; orderId: string; offerId: string; quantity: number; total: number; currency: string; commission: number };
  "show.status": { showId: string; status: "scheduled" | "live" | "reconnecting" | "offline" | "ended" };
  "chat.posted": { showId: string; id: string; author: string; role: "viewer" | "host" | "moderator"; text: string; at: string; member?: true };
  "chat.deleted": { showId: string; ids: string[] };
  "chat.pinned": { showId: string; id: string; text: string; author: string; at: string };
  "chat.unpinned": { showId: string; id: string };
  /** Chat rules of a merchant (and maybe one show) changed: every node drops its cached bans, settings and words. */
  "chat.rules.changed": { merchantId: string; showId: string | null };
  /** One node's reactions for a show over one realtime tick. */
  "reactions.counted": { showId: string; counts: Record<string, number> };
  /** A waitlisted buyer's claim is ready; `entryKey` is a hash of the secret entry id. */
  "waitlist.offered": { showId: string; offerId: string; entryKey: string };
  "auction.started": { showId: string; auction: AuctionView };
  "auction.bid": { showId: string } & ServerEvents["auction.bid"];
  "auction.extended": { showId: string; auctionId: string; endsAt: string };
  "auction.closed": { showId: string } & ServerEvents["auction.closed"];
  "auction.offered_next": { showId: string } & ServerEvents["auction.offered_next"];
  "giveaway.opened": { showId: string } & ServerEvents["giveaway.opened"];
  "giveaway.entries": { showId: string } & ServerEvents["giveaway.entries"];
  "giveaway.closed": { showId: string } & ServerEvents["giveaway.closed"];
  "giveaway.drawn": { showId: string } & ServerEvents["giveaway.drawn"];
  "poll.opened": { showId: string } & ServerEvents["poll.opened"];
  "poll.counted": { showId: string } & ServerEvents["poll.counted"];
  "poll.closed": { showId: string } & ServerEvents["poll.closed"];
  /** A commission was written for the show (studio only): the hosts' pending earnings from it. */
  "earnings.updated": { showId: string } & ServerEvents["earnings.updated"];
  /** A viewer reported a chat message: the studio's moderation queue reloads (studio rooms only). */
  "chat.reported": { showId: string };
  /** The host asked a signed-in viewer on stage: their sockets in the show's room get a personal frame (any node). */
  "stage.invited": { showId: string; accountId: string; hostName: string; expiresAt: string };
  /** The host withdrew that request unanswered: the same sockets are told (any node). */
  "stage.withdrawn": { showId: string; accountId: string };
  "coupon.dropped": { showId: string } & ServerEvents["coupon.dropped"];
  "coupon.claimed": { showId: string } & ServerEvents["coupon.claimed"];
  "coupon.ended": { showId: string } & ServerEvents["coupon.ended"];
  "mystery.opened": { showId: string } & ServerEvents["mystery.opened"];
  "mystery.odds": { showId: string } & ServerEvents["mystery.odds"];
  "mystery.closed": { showId: string } & ServerEvents["mystery.closed"];
  /** An account's sessions or its row changed (sign-out, password reset, language): every node drops its cached sessions of it. */
  "account.changed": { accountId: string };
}
export type BusTopic = keyof BusEvents;

/** Requests one node answers for another (request/reply over the bus): name → body and answer. */
export interface BusRequests {
  /** A bid that reached a node which does not own the auction (auctions/owner.ts), answered by the owner. */
  "auction.bid": {
    body: {
      auctionId: string;
      account: { id: string; displayName: string; email: string; role: string; merchantId: string | null };
      maxAmount: number;
      idempotencyKey: string;
      preBidOnly: boolean;
      allowed: boolean;
    };
    answer: unknown;
  };
}
export type BusRequestName = keyof BusRequests;

export interface Bus {
  /** This process's address for requests (`request(node, …)`). */
  readonly nodeId: string;
  publish<K extends BusTopic>(topic: K, event: BusEvents[K]): Promise<void>;
  /** Events published by any node (with Redis: every node's handler runs once per event). */
  subscribe<K extends BusTopic>(topic: K, handler: (event: BusEvents[K]) => void): () => void;
  /** Events published by this process only, delivered synchronously (the realtime hub: one origin per event). */
  subscribeLocal<K extends BusTopic>(topic: K, handler: (event: BusEvents[K]) => void): () => void;
  /**
   * A lease on `key` for `ttlMs`: taken when nobody holds it, renewed when this node does. Answers the holder's node id
   * (this node's, or another's that still holds it). With one process the lease is always this node's.
   */
  lease(key: string, ttlMs: number): Promise<string>;
  /** Answers requests named `name` sent to this node. An AppError thrown by the handler reaches the requester as itself. */
  serve<K extends BusRequestName>(name: K, handler: (body: BusRequests[K]["body"]) => Promise<BusRequests[K]["answer"]>): () => void;
  /** One request to one node; rejects with BusTimeout when no answer came within `timeoutMs` (the node may be gone). */
  request<K extends BusRequestName>(nodeId: string, name: K, body: BusRequests[K]["body"], timeoutMs: number): Promise<BusRequests[K]["answer"]>;
  close(): Promise<void>;
}

/** No answer in time: the node is gone or too slow; the caller decides whether to look for another. */
export class BusTimeout extends Error {
  constructor(
    readonly nodeId: string,
    readonly name: string,
  ) {
    super(`no answer to ${name} from ${nodeId}`);
  }
}

type RequestHandler = (body: never) => Promise<unknown>;
type RpcMessage =
  | { kind: "req"; id: string; from: string; name: string; body: unknown }
  | { kind: "res"; id: string; ok: true; answer: unknown }
  | { kind: "res"; id: string; ok: false; error: { code: string; message: string; details?: unknown } };

/** The wire form of a handler's failure: an AppError keeps its code; anything else is `internal` (logged there). */
function rpcError(err: unknown): { code: string; message: string; details?: unknown } {
  if (err instanceof AppError) return { code: err.code, message: err.message, details: err.details };
  return { code: "internal", message: "The node that owns this failed to answer." };
}

export class MemoryBus implements Bus {
  readonly nodeId = "local";
  readonly #emitter = new EventEmitter().setMaxListeners(0);
  readonly #handlers = new Map<string, RequestHandler>();
  async publish<K extends BusTopic>(topic: K, event: BusEvents[K]): Promise<void> {
    this.#emitter.emit(topic, event);
  }
  subscribe<K extends BusTopic>(topic: K, handler: (event: BusEvents[K]) => void): () => void {
    this.#emitter.on(topic, handler);
    return () => this.#emitter.off(topic, handler);
  }
  subscribeLocal<K extends BusTopic>(topic: K, handler: (event: BusEvents[K]) => void): () => void {
    return this.subscribe(topic, handler);
  }
  async lease(): Promise<string> {
    return this.nodeId;
  }
  serve<K extends BusRequestName>(name: K, handler: (body: BusRequests[K]["body"]) => Promise<BusRequests[K]["answer"]>): () => void {
    this.#handlers.set(name, handler as RequestHandler);
    return () => this.#handlers.delete(name);
  }
  async request<K extends BusRequestName>(nodeId: string, name: K, body: BusRequests[K]["body"]): Promise<BusRequests[K]["answer"]> {
    const handler = this.#handlers.get(name);
    if (nodeId !== this.nodeId || !handler) throw new BusTimeout(nodeId, name);
    return (handler as (b: BusRequests[K]["body"]) => Promise<unknown>)(body);
  }
  async close(): Promise<void> {
    this.#emitter.removeAllListeners();
    this.#handlers.clear();
  }
}

// Take the lease when free, renew it when ours; answer the holder either way (one round trip, atomic in Redis).
const LEASE_SCRIPT = `
local holder = redis.call('GET', KEYS[1])
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return ARGV[1]
end
if holder == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return holder`;

// Redis pub/sub: every node publishes once to one channel per topic and delivers to its local subscribers.
export class RedisBus implements Bus {
  readonly #local = new MemoryBus();
  // Events this node published, for subscribeLocal.
  readonly #origin = new MemoryBus();
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #prefix: string;
  readonly #channels = new Set<string>();
  readonly nodeId = randomId("node");
  // Requests and answers to this node arrive on one channel of its own.
  readonly #rpcChannel: string;
  readonly #handlers = new Map<string, RequestHandler>();
  readonly #waiting = new Map<string, { resolve: (v: unknown) => void; reject: (e: unknown) => void; timer: NodeJS.Timeout }>();
  readonly #rpcReady: Promise<unknown>;

  constructor(url: string, prefix = "showcart:") {
    this.#pub = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 3 });
    this.#sub = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 3, enableReadyCheck: false });
    this.#prefix = prefix;
    this.#rpcChannel = `${prefix}rpc:${this.nodeId}`;
    this.#sub.on("message", (channel: string, message: string) => {
      if (channel === this.#rpcChannel) return void this.#onRpc(JSON.parse(message) as RpcMessage);
      const topic = channel.slice(this.#prefix.length) as BusTopic;
      void this.#local.publish(topic, JSON.parse(message));
    });
    this.#rpcReady = this.#sub.subscribe(this.#rpcChannel).catch(() => undefined);
  }

  async #onRpc(m: RpcMessage): Promise<void> {
    if (m.kind === "res") {
      const w = this.#waiting.get(m.id);
      if (!w) return; // timed out already
      this.#waiting.delete(m.id);
      clearTimeout(w.timer);
      if (m.ok) w.resolve(m.answer);
      else w.reject(AppError.expected(m.error.code as AppError["code"], m.error.message, m.error.details));
      return;
    }
    const handler = this.#handlers.get(m.name);
    let reply: RpcMessage;
    try {
      if (!handler) throw new AppError("unavailable", `This node does not answer ${m.name}.`);
      reply = { kind: "res", id: m.id, ok: true, answer: await handler(m.body as never) };
    } catch (err) {
      reply = { kind: "res", id: m.id, ok: false, error: rpcError(err) };
    }
    await this.#pub.publish(`${this.#prefix}rpc:${m.from}`, JSON.stringify(reply)).catch(() => undefined);
  }

  /** Resolves once this node's request channel is subscribed: before that, a request to this node finds no one. */
  async ready(): Promise<void> {
    await this.#rpcReady;
  }

  async lease(key: string, ttlMs: number): Promise<string> {
    return String(await this.#pub.eval(LEASE_SCRIPT, 1, `${this.#prefix}lease:${key}`, this.nodeId, String(ttlMs)));
  }

  serve<K extends BusRequestName>(name: K, handler: (body: BusRequests[K]["body"]) => Promise<BusRequests[K]["answer"]>): () => void {
    this.#handlers.set(name, handler as RequestHandler);
    return () => this.#handlers.delete(name);
  }

  async request<K extends BusRequestName>(nodeId: string, name: K, body: BusRequests[K]["body"], timeoutMs: number): Promise<BusRequests[K]["answer"]> {
    await this.ready(); // our answer channel is subscribed before anyone can answer on it
    const id = randomId("rpc");
    const answer = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        reject(new BusTimeout(nodeId, name));
      }, timeoutMs);
      this.#waiting.set(id, { resolve, reject, timer });
    });
    // The answer may come back before PUBLISH's own reply: marked handled now, so an early refusal is not an
    // unhandled rejection (the caller still gets it from the promise returned below).
    answer.catch(() => undefined);
    const message: RpcMessage = { kind: "req", id, from: this.nodeId, name, body };
    // PUBLISH answers how many subscribers got it: none means the node is gone (no need to wait out the timeout).
    const settle = (err: unknown) => {
      const w = this.#waiting.get(id);
      if (!w) return;
      clearTimeout(w.timer);
      this.#waiting.delete(id);
      w.reject(err);
    };
    try {
      const receivers = await this.#pub.publish(`${this.#prefix}rpc:${nodeId}`, JSON.stringify(message));
      if (receivers === 0) settle(new BusTimeout(nodeId, name));
    } catch (err) {
      settle(err);
    }
    return answer;
  }

  async publish<K extends BusTopic>(topic: K, event: BusEvents[K]): Promise<void> {
    void this.#origin.publish(topic, event);
    await this.#pub.publish(this.#prefix + topic, JSON.stringify(event));
  }

  subscribe<K extends BusTopic>(topic: K, handler: (event: BusEvents[K]) => void): () => void {
    const channel = this.#prefix + topic;
    if (!this.#channels.has(channel)) {
      this.#channels.add(channel);
      void this.#sub.subscribe(channel);
    }
    return this.#local.subscribe(topic, handler);
  }

  subscribeLocal<K extends BusTopic>(topic: K, handler: (event: BusEvents[K]) => void): () => void {
    return this.#origin.subscribe(topic, handler);
  }

  async close(): Promise<void> {
    for (const [id, w] of this.#waiting) {
      clearTimeout(w.timer);
      w.reject(new BusTimeout("closed", id));
    }
    this.#waiting.clear();
    await Promise.allSettled([this.#pub.quit(), this.#sub.quit()]);
    await Promise.all([this.#local.close(), this.#origin.close()]);
  }
}
