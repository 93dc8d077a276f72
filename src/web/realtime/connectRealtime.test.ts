import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Envelope, ServerFrame, Snapshot } from "../../protocol/realtime.js";
import { connectRealtime } from "./connectRealtime.js";

class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: string }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  frame(f: ServerFrame) {
    this.onmessage?.({ data: JSON.stringify(f) });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

const snapshot = (epoch: string, seq: number): Snapshot => ({ epoch, seq, status: "live", viewers: 3, offers: [], chat: [] });
const ev = (seq: number): Envelope => ({ t: "viewers.counted", seq, d: { viewers: seq } });

function connect(random = () => 0.5) {
  const events: number[] = [];
  const snapshots: Snapshot[] = [];
  const conn = connectRealtime({
    path: "/ws/shows/s1",
    origin: "ws://test",
    params: () => ({ name: "Ann" }),
    createSocket: (url) => new FakeSocket(url) as unknown as WebSocket,
    random,
    handlers: { onSnapshot: (s) => snapshots.push(s), onEvent: (e) => events.push(e.seq) },
  });
  return { conn, events, snapshots, last: () => FakeSocket.all[FakeSocket.all.length - 1] };
}

describe("connectRealtime", () => {
  beforeEach(() => {
    FakeSocket.all = [];
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it("applies each event once, in order, skipping ones the snapshot already covers", () => {
    const { events, snapshots, last } = connect();
    last().open();
    last().frame({ t: "hello", d: { v: 1, epoch: "e1", seq: 10, resumed: false } });
    last().frame({ t: "snapshot", d: snapshot("e1", 10) });
    last().frame({ t: "batch", d: [ev(9), ev(10), ev(11), ev(12)] });
    last().frame({ t: "batch", d: [ev(12), ev(13)] });
    expect(snapshots).toHaveLength(1);
    expect(events).toEqual([11, 12, 13]);
  });

  it("resumes from the last seen seq and epoch after a drop", () => {
    const { events, last } = connect();
    expect(last().url).toBe("ws://test/ws/shows/s1?name=Ann");
    last().open();
    last().frame({ t: "snapshot", d: snapshot("e1", 4) });
    last().frame({ t: "batch", d: [ev(5)] });
    last().drop();
    vi.advanceTimersByTime(15_000);
    expect(FakeSocket.all).toHaveLength(2);
    expect(last().url).toBe("ws://test/ws/shows/s1?since=5&epoch=e1&name=Ann");
    last().open();
    last().frame({ t: "hello", d: { v: 1, epoch: "e1", seq: 7, resumed: true } });
    last().frame({ t: "batch", d: [ev(6), ev(7)] });
    expect(events).toEqual([5, 6, 7]);
  });

  it("never goes back to an older stock count after resuming on a node that is behind, or in a new epoch", () => {
    const stock: number[] = [];
    const conn = connectRealtime({
      path: "/ws/shows/s1",
      origin: "ws://test",
      createSocket: (url) => new FakeSocket(url) as unknown as WebSocket,
      random: () => 0.5,
      handlers: {
        onSnapshot: (s) => stock.push(s.offers[0]?.remaining ?? -1),
        onEvent: (e) => e.t === "offer.updated" && stock.push((e.d as { remaining: number }).remaining),
      },
    });
    const sold = (seq: number, remaining: number): Envelope => ({ t: "offer.updated", seq, d: { offerId: "o1", remaining } });
    const last = () => FakeSocket.all[FakeSocket.all.length - 1]!;
    last().open();
    last().frame({ t: "hello", d: { v: 1, epoch: "e1", seq: 4, resumed: false } });
    last().frame({ t: "snapshot", d: { ...snapshot("e1", 4), offers: [{ id: "o1", remaining: 10 } as never] } });
    last().frame({ t: "batch", d: [sold(5, 9), sold(6, 8)] });
    last().drop();
    vi.advanceTimersByTime(15_000);
    // Another node, one event behind: its hello says seq 5; it then relays 6 (already applied) and 7.
    last().open();
    last().frame({ t: "hello", d: { v: 1, epoch: "e1", seq: 5, resumed: true } });
    last().frame({ t: "batch", d: [sold(6, 8), sold(7, 7)] });
    expect(stock).toEqual([10, 9, 8, 7]);
    last().drop();
    vi.advanceTimersByTime(15_000);
    expect(last().url).toContain("since=7");
    // The room's history was lost (new epoch): a snapshot replaces the count, and numbering starts again.
    last().open();
    last().frame({ t: "hello", d: { v: 1, epoch: "e2", seq: 2, resumed: false } });
    last().frame({ t: "snapshot", d: { ...snapshot("e2", 2), offers: [{ id: "o1", remaining: 5 } as never] } });
    last().frame({ t: "batch", d: [sold(3, 4)] });
    expect(stock).toEqual([10, 9, 8, 7, 5, 4]);
    conn.close();
  });

  it("backs off exponentially with jitter and stops on 44xx closes", () => {
    const { last } = connect(() => 1);
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const before = FakeSocket.all.length;
      last().drop();
      let waited = 0;
      while (FakeSocket.all.length === before) {
        vi.advanceTimersByTime(50);
        waited += 50;
      }
      delays.push(waited);
    }
    expect(delays).toEqual([500, 1000, 2000, 4000]);
    last().drop(4404);
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(5);
  });

  it("on a server's drain notice comes back after the suggested delay and resumes", () => {
    const { last } = connect(() => 1);
    last().open();
    last().frame({ t: "hello", d: { v: 1, epoch: "e1", seq: 7, resumed: false } });
    last().frame({ t: "reconnect", d: { afterMs: 1234 } });
    last().drop(1012);
    vi.advanceTimersByTime(1200);
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(100);
    expect(FakeSocket.all).toHaveLength(2);
    expect(last().url).toContain("since=7");
    expect(last().url).toContain("epoch=e1");
  });

  it("comes back after a slow-socket close (4008) and resumes from the last seq, trimmed frames and all", () => {
    const { events, last } = connect();
    last().open();
    last().frame({ t: "snapshot", d: snapshot("e1", 4) });
    // A trimmed frame: the marker takes the place (and seq) of the last message left out, so seq only grows.
    last().frame({ t: "batch", d: [{ t: "chat.trimmed", seq: 9, d: { skipped: 5, before: "m10" } }, ev(10)] });
    last().drop(4008);
    vi.advanceTimersByTime(1000);
    expect(FakeSocket.all).toHaveLength(2);
    expect(last().url).toBe("ws://test/ws/shows/s1?since=10&epoch=e1&name=Ann");
    last().open();
    last().frame({ t: "hello", d: { v: 1, epoch: "e1", seq: 12, resumed: true } });
    last().frame({ t: "batch", d: [ev(11), ev(12)] });
    expect(events).toEqual([9, 10, 11, 12]);
  });

  it("sends commands only while open and never reconnects after close()", () => {
    const { conn, last } = connect();
    expect(conn.send({ t: "chat.send", d: { text: "hi" } })).toBe(false);
    last().open();
    expect(conn.send({ t: "chat.send", d: { text: "hi" } })).toBe(true);
    expect(last().sent).toEqual(['{"t":"chat.send","d":{"text":"hi"}}']);
    conn.close();
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(1);
  });
});
