import { afterEach, describe, expect, it } from "vitest";
import type { Envelope } from "../../protocol/realtime.js";
import { LocalRoomStream, RedisRoomStream, type RoomStream } from "./stream.js";
import { until } from "../../../test/support/until.js";

const redisUrl = process.env.TEST_REDIS_URL;
const kinds: ("memory" | "redis")[] = redisUrl ? ["memory", "redis"] : ["memory"];

describe.each(kinds)("%s room stream", (kind) => {
  const open: RoomStream[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  // Two nodes: on memory both are the same in-process stream.
  async function nodes(): Promise<[RoomStream, RoomStream]> {
    if (kind === "memory") {
      const s = new LocalRoomStream();
      open.push(s);
      return [s, s];
    }
    const prefix = `showcart-test-${Math.random().toString(36).slice(2)}:`;
    const a = new RedisRoomStream(redisUrl!, { prefix, presenceTtlMs: 1000 });
    const b = new RedisRoomStream(redisUrl!, { prefix, presenceTtlMs: 1000 });
    open.push(a, b);
    await Promise.all([a.ready, b.ready]);
    return [a, b];
  }

  function record(s: RoomStream) {
    const got: { room: string; epoch: string; env: Envelope }[] = [];
    s.onEvent((room, epoch, env) => got.push({ room, epoch, env }));
    return got;
  }

  it("numbers a room's events 1, 2, 3… across nodes, and every node sees them in that order", async () => {
    const [a, b] = await nodes();
    const seenA = record(a);
    const seenB = kind === "memory" ? seenA : record(b);
    for (let i = 0; i < 40; i++) (i % 2 ? a : b).publish("r1", "chat.posted", { i });
    a.publish("r2", "chat.posted", { other: true });
    await until("all delivered", () => seenA.length === 41 && seenB.length === 41);
    for (const seen of [seenA, seenB]) {
      const r1 = seen.filter((x) => x.room === "r1");
      expect(r1.map((x) => x.env.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(new Set(r1.map((x) => x.epoch)).size).toBe(1);
      expect(seen.find((x) => x.room === "r2")!.env.seq).toBe(1);
    }
    expect(seenB.filter((x) => x.room === "r1").map((x) => x.env.d)).toEqual(seenA.filter((x) => x.room === "r1").map((x) => x.env.d));
    const head = await b.head("r1");
    expect(head).toEqual({ epoch: seenA[0]!.epoch, seq: 40 });
  });

  it("drops a stock figure older than the last one numbered for the offer", async () => {
    const [a, b] = await nodes();
    const seen = record(a);
    b.publish("r1", "offer.updated", { offerId: "o1", remaining: 8, version: 2 });
    a.publish("r1", "offer.updated", { offerId: "o1", remaining: 9, version: 1 });
    a.publish("r1", "offer.updated", { offerId: "o2", remaining: 5, version: 1 });
    a.publish("r1", "offer.updated", { offerId: "o1", remaining: 7, version: 3 });
    await until("three delivered", () => seen.length === 3);
    await new Promise((r) => setTimeout(r, 100));
    expect(seen.map((x) => [x.env.seq, x.env.d])).toEqual([
      [1, { offerId: "o1", remaining: 8, version: 2 }],
      [2, { offerId: "o2", remaining: 5, version: 1 }],
      [3, { offerId: "o1", remaining: 7, version: 3 }],
    ]);
  });

  it("sums viewer counts over nodes and announces the total when it changes", async () => {
    const [a, b] = await nodes();
    const seen = record(a);
    const viewers = () => seen.filter((x) => x.env.t === "viewers.counted").map((x) => (x.env.d as { viewers: number }).viewers);
    expect(await a.reportViewers("show1", 3)).toBe(3);
    if (kind === "memory") {
      expect(await a.reportViewers("show1", 3)).toBe(3);
      await until("announced", () => viewers().length === 1);
      expect(viewers()).toEqual([3]);
      return;
    }
    expect(await b.reportViewers("show1", 4)).toBe(7);
    expect(await b.reportViewers("show1", 4)).toBe(7);
    await until("announced", () => viewers().at(-1) === 7);
    expect(viewers()).toEqual([3, 7]);
    // Node a stops reporting (it died): its share lapses after the presence TTL.
    await new Promise((r) => setTimeout(r, 1100));
    expect(await b.reportViewers("show1", 4)).toBe(4);
    await until("announced", () => viewers().at(-1) === 4);
  });
});
