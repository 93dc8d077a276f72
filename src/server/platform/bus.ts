import { EventEmitter } from "node:events";
import { Redis } from "ioredis";
import type { AuctionView } from "../../protocol/api.js";
import type { ServerEvents } from "../../protocol/realtime.js";

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
  "chat.posted": { showId: string; id: string; author: string; role: "viewer" | "host" | "moderator"; text: string; at: string };
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
  "coupon.dropped": { showId: string } & ServerEvents["coupon.dropped"];
  "coupon.claimed": { showId: string } & ServerEvents["coupon.claimed"];
  "coupon.ended": { showId: string } & ServerEvents["coupon.ended"];
  "mystery.opened": { showId: string } & ServerEvents["mystery.opened"];
  "mystery.odds": { showId: string } & ServerEvents["mystery.odds"];
  "mystery.closed": { showId: string } & ServerEvents["mystery.closed"];
}
export type BusTopic = keyof BusEvents;

export interface Bus {
  publish<K extends BusTopic>(topic: K, event: BusEvents[K]): Promise<void>;
  /** Events published by any node (with Redis: every node's handler runs once per event). */
  subscribe<K extends BusTopic>(topic: K, handler: (event: BusEvents[K]) => void): () => void;
  /** Events published by this process only, delivered synchronously (the realtime hub: one origin per event). */
  subscribeLocal<K extends BusTopic>(topic: K, handler: (event: BusEvents[K]) => void): () => void;
  close(): Promise<void>;
}

export class MemoryBus implements Bus {
  readonly #emitter = new EventEmitter().setMaxListeners(0);
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
  async close(): Promise<void> {
    this.#emitter.removeAllListeners();
  }
}

// Redis pub/sub: every node publishes once to one channel per topic and delivers to its local subscribers.
export class RedisBus implements Bus {
  readonly #local = new MemoryBus();
  // Events this node published, for subscribeLocal.
  readonly #origin = new MemoryBus();
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #prefix: string;
  readonly #channels = new Set<string>();

  constructor(url: string, prefix = "showcart:") {
    this.#pub = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 3 });
    this.#sub = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 3, enableReadyCheck: false });
    this.#prefix = prefix;
    this.#sub.on("message", (channel: string, message: string) => {
      const topic = channel.slice(this.#prefix.length) as BusTopic;
      void this.#local.publish(topic, JSON.parse(message));
    });
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
    await Promise.allSettled([this.#pub.quit(), this.#sub.quit()]);
    await Promise.all([this.#local.close(), this.#origin.close()]);
  }
}
