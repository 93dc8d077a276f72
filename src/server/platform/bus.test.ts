import { afterEach, describe, expect, it } from "vitest";
import { BusTimeout, MemoryBus, RedisBus, type Bus, type BusEvents, type BusRequests } from "./bus.js";
import { AppError } from "./errors.js";

const redisUrl = process.env.TEST_REDIS_URL;
const kinds: ("memory" | "redis")[] = redisUrl ? ["memory", "redis"] : ["memory"];

describe.each(kinds)("%s bus", (kind) => {
  const open: Bus[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.close()));
  });

  // Two nodes on Redis share events; on memory both handles are the same in-process bus.
  // On Redis, once each node's request channel is subscribed (else a request to it finds no one: red once in CI).
  async function pair(): Promise<[Bus, Bus]> {
    if (kind === "memory") {
      const b = new MemoryBus();
      open.push(b);
      return [b, b];
    }
    const prefix = `showcart-test-${Math.random().toString(36).slice(2)}:`;
    const a = new RedisBus(redisUrl!, prefix);
    const b = new RedisBus(redisUrl!, prefix);
    open.push(a, b);
    await Promise.all([a.ready(), b.ready()]);
    return [a, b];
  }

  it("delivers every published event, in order, to subscribers on the other node", async () => {
    const [a, b] = await pair();
    const got: BusEvents["offer.updated"][] = [];
    const done = new Promise<void>((resolve) =>
      b.subscribe("offer.updated", (e) => {
        got.push(e);
        if (got.length === 50) resolve();
      }),
    );
    if (kind === "redis") await new Promise((r) => setTimeout(r, 200)); // SUBSCRIBE round trip before publishing
    for (let i = 0; i < 50; i++) await a.publish("offer.updated", { showId: "s1", offerId: "o1", remaining: 50 - i, version: i });
    await done;
    expect(got.map((e) => e.remaining)).toEqual(Array.from({ length: 50 }, (_, i) => 50 - i));
  });

  it("stops delivering after unsubscribe", async () => {
    const [a, b] = await pair();
    let n = 0;
    const off = b.subscribe("show.status", () => n++);
    off();
    let other = 0;
    const seen = new Promise<void>((r) =>
      b.subscribe("show.status", () => {
        other++;
        r();
      }),
    );
    if (kind === "redis") await new Promise((r) => setTimeout(r, 200));
    await a.publish("show.status", { showId: "s1", status: "live" });
    await seen;
    expect(n).toBe(0);
    expect(other).toBe(1);
  });

  const bid = (maxAmount: number): BusRequests["auction.bid"]["body"] => ({
    auctionId: "auc_1",
    account: { id: "acc_1", displayName: "Ann", email: "ann@example.com", role: "buyer", merchantId: null },
    maxAmount,
    idempotencyKey: `key-${maxAmount}`,
    preBidOnly: false,
    allowed: true,
  });

  it("request/reply: the serving node answers, its AppError reaches the requester as itself", async () => {
    const [a, b] = await pair();
    b.serve("auction.bid", async (body) => {
      if (body.maxAmount < 100) throw new AppError("bid_too_low", "too low", { minimum: 100 });
      return { echoed: body.maxAmount, by: b.nodeId };
    });
    expect(await a.request(b.nodeId, "auction.bid", bid(150), 2000)).toEqual({ echoed: 150, by: b.nodeId });
    const err = await a.request(b.nodeId, "auction.bid", bid(50), 2000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: "bid_too_low", status: 409, details: { minimum: 100 } });
  });

  it("a request to a node that is not there fails with BusTimeout", async () => {
    const [a] = await pair();
    await expect(a.request("node_gone", "auction.bid", bid(150), 300)).rejects.toBeInstanceOf(BusTimeout);
  });

  it("a lease is its holder's until it lapses, then the next asker's", async () => {
    const [a, b] = await pair();
    const key = `lease-test-${Math.random()}`;
    expect(await a.lease(key, 300)).toBe(a.nodeId);
    expect(await b.lease(key, 300)).toBe(a.nodeId); // memory: one process, one node
    if (kind === "memory") return;
    expect(await a.lease(key, 300)).toBe(a.nodeId); // renewed
    await new Promise((r) => setTimeout(r, 450));
    expect(await b.lease(key, 300)).toBe(b.nodeId);
    expect(await a.lease(key, 300)).toBe(b.nodeId);
  });
});
