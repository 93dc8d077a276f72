import { describe, expect, it } from "vitest";
import { slicedWork } from "../platform/sliced-work.js";
import { DEFAULT_ROOM_LIMITS, type FlushStats, MAX_BUFFERED_BYTES, Room, SLOW_CLOSE, SLOW_LAG_MS, SOFT_BUFFERED_BYTES, type RoomSocket } from "./room.js";

class FakeSocket implements RoomSocket {
  frames: string[] = [];
  bufferedAmount = 0;
  closed: [number | undefined, string | undefined] | null = null;
  terminated = false;
  send(data: string | Buffer, opts: { binary: boolean }) {
    expect(opts.binary).toBe(false);
    this.frames.push(String(data));
  }
  close(code?: number, reason?: string) {
    this.closed = [code, reason];
  }
  terminate() {
    this.terminated = true;
  }
}

const chat = (i: number, role = "viewer") => ({ id: `m${i}`, author: "A", role, text: `line ${i}`, at: "2026-12-03T18:00:00Z" });

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

  it("keeps only the latest stock figure per offer and sums a frame's reactions, however far the room fell behind", () => {
    const room = new Room("s1");
    const s = new FakeSocket();
    room.sockets.add(s);
    // 200 ticks' worth of stock changes and reactions pending at once (the room could not flush meanwhile).
    for (let v = 1; v <= 200; v++) {
      room.push("offer.updated", { offerId: "o1", remaining: 1000 - v, version: v });
      room.push("reactions.counted", { counts: { "🔥": 1, "❤️": v % 2 } });
    }
    room.push("poll.counted", { pollId: "p1", counts: { a: 1 }, total: 1 });
    room.push("poll.counted", { pollId: "p1", counts: { a: 2 }, total: 2 });
    room.flush();
    const events = JSON.parse(s.frames[0]!).d as { t: string; seq: number; d: Record<string, unknown> }[];
    expect(events.map((e) => e.t)).toEqual(["offer.updated", "reactions.counted", "poll.counted"]);
    expect(events[0]!.d).toEqual({ offerId: "o1", remaining: 800, version: 200 });
    expect(events[1]).toEqual({ t: "reactions.counted", seq: 400, d: { counts: { "🔥": 200, "❤️": 100 } } });
    expect(events[2]!.d).toMatchObject({ total: 2 });
    // History is untouched: every figure is still there for a resume (which is shaped the same way).
    expect(room.since(room.epoch, 0)).toHaveLength(402);
    expect(room.frame(room.since(room.epoch, 0)!)).toEqual(events);
  });

  it("trims viewer chat beyond the per-frame limit into one marker that counts the messages left out", () => {
    const room = new Room("s1", 1000, { ...DEFAULT_ROOM_LIMITS, chatPerFrame: 5 });
    const s = new FakeSocket();
    room.sockets.add(s);
    for (let i = 1; i <= 12; i++) room.push("chat.posted", chat(i)); // seq 1–12
    room.push("chat.posted", chat(13, "host")); // seq 13
    room.push("offer.updated", { offerId: "o1", remaining: 3, version: 1 }); // seq 14
    for (let i = 14; i <= 16; i++) room.push("chat.posted", chat(i)); // seq 15–17
    const stats = room.flush();
    const events = JSON.parse(s.frames[0]!).d as { t: string; seq: number; d: { id?: string; skipped?: number; before?: string } }[];
    // 15 viewer messages, 5 shown: the 10 oldest are left out; the host's message always goes out.
    expect(events.map((e) => (e.t === "chat.posted" ? e.d.id : e.t))).toEqual(["chat.trimmed", "m11", "m12", "m13", "offer.updated", "m14", "m15", "m16"]);
    expect(events[0]).toEqual({ t: "chat.trimmed", seq: 10, d: { skipped: 10, before: "m11" } });
    // Seq still only grows within the frame (the marker takes the last skipped message's place).
    expect(events.map((e) => e.seq)).toEqual([10, 11, 12, 13, 14, 15, 16, 17]);
    expect(stats).toMatchObject({ events: 8, trimmed: 10 });
    // At or under the limit nothing is trimmed.
    for (let i = 17; i <= 21; i++) room.push("chat.posted", chat(i));
    expect(room.flush().trimmed).toBe(0);
    expect(JSON.parse(s.frames[1]!).d).toHaveLength(5);
  });

  it("closes a socket that stays behind for too long, even under the hard limit", () => {
    const room = new Room("s1");
    const behind = new FakeSocket();
    const recovering = new FakeSocket();
    behind.bufferedAmount = recovering.bufferedAmount = SOFT_BUFFERED_BYTES + 1;
    room.sockets.add(behind);
    room.sockets.add(recovering);
    room.push("offer.updated", { offerId: "o1", remaining: 5 });
    room.flush(undefined, undefined, 1000);
    expect(behind.closed).toBeNull();
    recovering.bufferedAmount = 0; // it caught up: its clock starts again
    room.push("offer.updated", { offerId: "o1", remaining: 4 });
    room.flush(undefined, undefined, 1000 + SLOW_LAG_MS - 1);
    recovering.bufferedAmount = SOFT_BUFFERED_BYTES + 1;
    room.push("offer.updated", { offerId: "o1", remaining: 3 });
    room.flush(undefined, undefined, 1000 + SLOW_LAG_MS);
    expect(behind.closed).toEqual([SLOW_CLOSE.code, SLOW_CLOSE.reason]);
    expect(recovering.closed).toBeNull();
    expect(room.sockets.has(behind)).toBe(false);
    expect(recovering.frames).toHaveLength(3);
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
    expect(slow.closed).toEqual([SLOW_CLOSE.code, SLOW_CLOSE.reason]);
    expect(SLOW_CLOSE.code).toBeLessThan(4400); // 44xx tells clients not to come back
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

  it("writes events that arrive during a flush with the next slice, and owes them to the earlier slices", async () => {
    const room = new Room("s1", 1000, { ...DEFAULT_ROOM_LIMITS, slice: 1 });
    const a = new FakeSocket();
    const b = new FakeSocket();
    room.sockets.add(a);
    room.sockets.add(b);
    room.push("chat.posted", { i: 1 }, 1000);
    const done = new Promise<FlushStats>((r) => room.flush(r));
    // `a` is written at once; `b` waits for the next turn of the event loop, and this event comes in meanwhile.
    expect(a.frames).toHaveLength(1);
    room.push("offer.updated", { offerId: "o1", remaining: 3, version: 2 }, 1010);
    // A socket joining now has been given everything flushed so far (seq 1): it starts from there.
    const late = new FakeSocket();
    room.sockets.add(late);
    expect(await done).toMatchObject({ frames: 2, delivered: 3 });
    const seqs = (s: FakeSocket) => s.frames.map((f) => (JSON.parse(f) as { d: { seq: number }[] }).d.map((e) => e.seq));
    expect(seqs(b)).toEqual([[1, 2]]);
    expect(JSON.parse(b.frames[0]!).at).toBe(1000);
    // Nothing pending, but `a` has not had seq 2 yet: the next flush writes it (and `late`), and not `b` again.
    await new Promise<FlushStats>((r) => room.flush(r));
    expect(seqs(a)).toEqual([[1], [2]]);
    expect(JSON.parse(a.frames[1]!).at).toBe(1010);
    expect(seqs(late)).toEqual([[2]]);
    expect(b.frames).toHaveLength(1);
    expect(room.flush().frames).toBe(0);
  });

  it("says it is sliced work while a flush is spread over turns, and not once it is done", async () => {
    const room = new Room("s1", 1000, { ...DEFAULT_ROOM_LIMITS, slice: 2 });
    for (let i = 0; i < 5; i++) room.sockets.add(new FakeSocket());
    room.push("chat.posted", { i: 1 }, 1000);
    expect(slicedWork.active).toBe(false);
    const done = new Promise<FlushStats>((r) => room.flush(r));
    expect(slicedWork.active).toBe(true);
    expect(await done).toMatchObject({ frames: 5 });
    expect(slicedWork.active).toBe(false);
    // A flush of one slice is written in its own turn: nothing to say.
    const small = new Room("s2", 1000, { ...DEFAULT_ROOM_LIMITS, slice: 2 });
    small.sockets.add(new FakeSocket());
    small.push("chat.posted", { i: 1 }, 1000);
    small.flush();
    expect(slicedWork.active).toBe(false);
  });

  it("ends a slice early when writing it takes longer than sliceMs, and still writes every socket once, in turns", async () => {
    // Each write takes 1 ms of the room's clock: a slice of up to 1,000 sockets with an 8 ms budget stops at the first
    // check past 8 ms (every 64 sockets), so 200 sockets go out in 64 + 64 + 64 + 8, one slice per turn.
    let ms = 0;
    class SlowSocket extends FakeSocket {
      override send(data: string | Buffer, opts: { binary: boolean }) {
        ms += 1;
        super.send(data, opts);
      }
    }
    const room = new Room("s1", 1000, { ...DEFAULT_ROOM_LIMITS, slice: 1000, sliceMs: 8 }, () => ms);
    const sockets = Array.from({ length: 200 }, () => new SlowSocket());
    for (const s of sockets) room.sockets.add(s);
    room.push("chat.posted", chat(1), 1000);
    const done = new Promise<FlushStats>((r) => room.flush(r));
    expect(sockets.filter((s) => s.frames.length === 1)).toHaveLength(64);
    expect(room.writing).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(sockets.filter((s) => s.frames.length === 1)).toHaveLength(128);
    expect(await done).toMatchObject({ frames: 200, delivered: 200 });
    expect(sockets.every((s) => s.frames.length === 1)).toBe(true);
    // sliceMs 0: by count only, the whole room in one turn however long it takes.
    const byCount = new Room("s2", 1000, { ...DEFAULT_ROOM_LIMITS, slice: 1000, sliceMs: 0 }, () => ms);
    const more = Array.from({ length: 200 }, () => new SlowSocket());
    for (const s of more) byCount.sockets.add(s);
    byCount.push("chat.posted", chat(1), 1000);
    expect(byCount.flush().frames).toBe(200);
  });

  it("keeps history a socket still has to be written beyond the history size", () => {
    const room = new Room("s1", 3, { ...DEFAULT_ROOM_LIMITS, slice: 1 });
    const a = new FakeSocket();
    const b = new FakeSocket();
    room.sockets.add(a);
    room.sockets.add(b);
    for (let i = 1; i <= 5; i++) room.push("chat.posted", { i });
    room.flush();
    // The flush is still writing `b` (next turn): more events, more than the history holds.
    for (let i = 6; i <= 10; i++) room.push("chat.posted", { i });
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        room.flush((stats) => {
          expect(stats.frames).toBe(1);
          expect(JSON.parse(a.frames[1]!).d.map((e: { seq: number }) => e.seq)).toEqual([6, 7, 8, 9, 10]);
          expect(room.since(room.epoch, 7)!.map((e) => e.seq)).toEqual([8, 9, 10]);
          resolve();
        });
      }),
    );
  });
});
