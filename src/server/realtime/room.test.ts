import { describe, expect, it } from "vitest";
import { MAX_BUFFERED_BYTES, Room, SOFT_BUFFERED_BYTES, type RoomSocket } from "./room.js";

class FakeSocket implements RoomSocket {
  frames: string[] = [];
  bufferedAmount = 0;
  closed: [number | undefined, string | undefined] | null = null;
  send(data: string | Buffer, opts: { binary: boolean }) {
    expect(opts.binary).toBe(false);
    this.frames.push(String(data));
  }
  close(code?: number, reason?: string) {
    this.closed = [code, reason];
  }
}

describe("Room", () => {
  it("numbers events 1, 2, 3… and sends one serialised batch per tick to every socket", () => {
    const room = new Room("s1");
    const a = new FakeSocket();
    const b = new FakeSocket();
    room.sockets.add(a);
    room.sockets.add(b);
    room.push("chat.posted", { text: "hi" });
    room.push("chat.posted", { text: "ho" });
    expect(room.flush()).toMatchObject({ events: 2, frames: 2, delivered: 4, dropped: 0 });
    expect(a.frames).toHaveLength(1);
    expect(b.frames[0]).toBe(a.frames[0]);
    const batch = JSON.parse(a.frames[0]!);
    expect(batch.t).toBe("batch");
    expect(batch.d.map((e: { seq: number }) => e.seq)).toEqual([1, 2]);
    expect(room.flush().frames).toBe(0);
  });

  it("coalesces stock and viewer counters to their latest value within a tick, keeping the latest seq", () => {
    const room = new Room("s1");
    const s = new FakeSocket();
    room.sockets.add(s);
    room.push("offer.updated", { offerId: "o1", remaining: 9 });
    room.push("offer.updated", { offerId: "o2", remaining: 4 });
    room.push("offer.updated", { offerId: "o1", remaining: 7 });
    room.push("viewers.counted", { viewers: 3 });
    room.push("viewers.counted", { viewers: 5 });
    room.flush();
    const events = JSON.parse(s.frames[0]!).d;
    expect(events).toEqual([
      { t: "offer.updated", seq: 2, d: { offerId: "o2", remaining: 4 } },
      { t: "offer.updated", seq: 3, d: { offerId: "o1", remaining: 7 } },
      { t: "viewers.counted", seq: 5, d: { viewers: 5 } },
    ]);
    // History keeps every event: a client resuming on another node, whose batches were cut elsewhere, misses none.
    expect(room.since(room.epoch, 0)!.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it("resumes a client with exactly the events it missed, in order", () => {
    const room = new Room("s1");
    for (let i = 0; i < 10; i++) room.push("chat.posted", { i });
    room.flush();
    room.push("chat.posted", { i: 10 }); // pending, not flushed: comes with the next flush instead
    const missed = room.since(room.epoch, 6);
    expect(missed!.map((e) => e.seq)).toEqual([7, 8, 9, 10]);
    expect(room.since(room.epoch, 10)).toEqual([]);
  });

  it("asks for a snapshot when the epoch changed or the gap is older than the history", () => {
    const room = new Room("s1", 5);
    for (let i = 0; i < 20; i++) room.push("chat.posted", { i });
    room.flush();
    expect(room.since("another-epoch", 18)).toBeNull();
    expect(room.since(room.epoch, 3)).toBeNull();
    expect(room.since(room.epoch, 99)).toBeNull();
    expect(room.since(room.epoch, 15)!.map((e) => e.seq)).toEqual([16, 17, 18, 19, 20]);
  });

  it("gives a lagging socket only stock, offer and status events, and drops its chat (counted)", () => {
    const room = new Room("s1");
    const lagging = new FakeSocket();
    const fine = new FakeSocket();
    lagging.bufferedAmount = SOFT_BUFFERED_BYTES + 1;
    room.sockets.add(lagging);
    room.sockets.add(fine);
    room.push("chat.posted", { text: "hi" });
    room.push("offer.updated", { offerId: "o1", remaining: 3 });
    room.push("chat.posted", { text: "ho" });
    const stats = room.flush();
    expect(stats).toMatchObject({ events: 3, frames: 2, delivered: 4, dropped: 2, closed: 0 });
    expect(JSON.parse(lagging.frames[0]!).d.map((e: { t: string }) => e.t)).toEqual(["offer.updated"]);
    expect(JSON.parse(fine.frames[0]!).d).toHaveLength(3);
    // Only chat pending: the lagging socket gets no frame at all.
    room.push("chat.posted", { text: "again" });
    room.flush();
    expect(lagging.frames).toHaveLength(1);
    expect(fine.frames).toHaveLength(2);
  });

  it("closes a socket that fell too far behind without holding up the others", () => {
    const room = new Room("s1");
    const slow = new FakeSocket();
    const fast = new FakeSocket();
    slow.bufferedAmount = MAX_BUFFERED_BYTES + 1;
    room.sockets.add(slow);
    room.sockets.add(fast);
    room.push("offer.updated", { offerId: "o1", remaining: 1 });
    room.flush();
    expect(slow.closed).toEqual([4008, "too slow"]);
    expect(room.sockets.has(slow)).toBe(false);
    expect(fast.frames).toHaveLength(1);
  });

  it("takes events numbered by a shared stream, skips duplicates and starts afresh after a gap or a new epoch", () => {
    const room = new Room("s1");
    const s = new FakeSocket();
    room.sockets.add(s);
    room.position("E1", 10);
    expect(room.accept("E1", { t: "chat.posted", seq: 10, d: {} })).toBe("duplicate");
    expect(room.accept("E1", { t: "chat.posted", seq: 11, d: { i: 11 } })).toBe("ok");
    expect(room.accept("E1", { t: "offer.updated", seq: 12, d: { offerId: "o1", remaining: 3 } })).toBe("ok");
    room.flush();
    expect(room.since("E1", 10)!.map((e) => e.seq)).toEqual([11, 12]);
    // A client from a node that is ahead: nothing to replay here; what it saw is skipped by seq on arrival.
    expect(room.since("E1", 14, true)).toEqual([]);
    expect(room.since("E1", 14)).toBeNull();
    // Seq 13 never arrived: this node's history can no longer vouch for the range.
    expect(room.accept("E1", { t: "chat.posted", seq: 14, d: {} })).toBe("reset");
    room.flush();
    expect(room.since("E1", 11)).toBeNull();
    expect(room.since("E1", 13)!.map((e) => e.seq)).toEqual([14]);
    expect(room.accept("E2", { t: "chat.posted", seq: 1, d: {} })).toBe("reset");
    expect(room.epoch).toBe("E2");
    expect(room.seq).toBe(1);
  });

  it("stamps each batch with the server time its oldest event arrived", () => {
    const room = new Room("s1");
    const s = new FakeSocket();
    room.sockets.add(s);
    room.push("chat.posted", { i: 1 }, 1000);
    room.push("chat.posted", { i: 2 }, 1030);
    room.flush();
    expect(JSON.parse(s.frames[0]!).at).toBe(1000);
  });
});
