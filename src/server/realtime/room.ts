import { randomBytes } from "node:crypto";
import type { Envelope } from "../../protocol/realtime.js";
import { deflatedFrame } from "../platform/deflate.js";
import { slicedWork } from "../platform/sliced-work.js";

// Frames are text: a Buffer is sent with `{ binary: false }` (ws's own option), so it is encoded once for all sockets.
// ws never compresses one itself (`compress: false`): compression, when negotiated, is shared (see deflate.ts).
export const TEXT = { binary: false, compress: false };

/** Writes an already framed, compressed message to one socket; false when it could not (plain frame instead). */
export type DeflatedWriter = (frame: Buffer) => boolean;

// A flush writes to this many sockets, then lets the event loop breathe (orders, joins) before the next slice: a
// 10,000-viewer room would otherwise hold the loop for the whole write. The room's next flush waits for the last slice,
// so every socket still gets the batches in order.
export const FLUSH_SLICE = 1000;
// …and for at most about this long (checked every SLICE_CHECK sockets): on a loaded machine a slice of 1,000 writes
// takes 40 ms and more, and an order's database round trips each wait for a turn (docs/operations.md, "Slices by
// time"). 0: by count only.
export const FLUSH_SLICE_MS = 8;
const SLICE_CHECK = 64;

export interface RoomSocket {
  send(data: string | Buffer, opts: { binary: boolean }): void;
  readonly bufferedAmount: number;
  close(code?: number, reason?: string): void;
  /** Drop the connection without the closing handshake (ws has it; a slow socket's close frame waits behind its backlog). */
  terminate?(): void;
}

/**
 * Counters of which only the latest value per key matters: within one frame the earlier ones are left out (their seq
 * is simply skipped; clients only require seq to grow). History keeps them all.
 */
const LATEST_BY: Record<string, (d: Record<string, unknown>) => unknown> = {
  "offer.updated": (d) => d.offerId,
  "viewers.counted": () => "",
  "stats.updated": () => "",
  "poll.counted": (d) => d.pollId,
  "giveaway.entries": (d) => d.giveawayId,
  "coupon.claimed": (d) => d.couponId,
};
// Deltas (each node's reactions of one tick): summed into the last one of the frame.
const SUMMED = "reactions.counted";

/** Where the web client, Centrifugo-style, reads "reconnect and resume" from the close code (40xx; 44xx: do not). */
export const SLOW_CLOSE = { code: 4008, reason: "slow: reconnect with since/epoch" } as const;
// A socket whose send buffer (what the kernel would not take: its socket buffer, ~4 MB on loopback, is already full)
// holds more than this is closed at once; memory per socket stays bounded and the client resumes from history.
export const MAX_BUFFERED_BYTES = 1024 * 1024;
// A socket further behind than this gets only the events that must never be lost (stock, offers, status): chat and
// the like are dropped for it (counted) until it catches up; if it stays behind for SLOW_LAG_MS it is closed.
export const SOFT_BUFFERED_BYTES = 64 * 1024;
export const SLOW_LAG_MS = 5000;
// A closed slow socket's close frame sits behind its backlog: the connection is dropped this long after close().
const SLOW_TERMINATE_MS = 1000;
// Events a slow socket may lose. Everything else (offer.*, show.status, counters) always goes out.
const DROPPABLE = new Set(["chat.posted", "chat.trimmed", "reactions.counted"]);

export interface RoomLimits {
  /** Viewer chat messages per frame; the oldest beyond it are left out for one `chat.trimmed` marker. */
  chatPerFrame: number;
  /** Sockets written per turn of the event loop, at most. */
  slice: number;
  /** Milliseconds a slice may write for before it leaves the rest to the next turn (0: no limit). */
  sliceMs: number;
}

export const DEFAULT_ROOM_LIMITS: RoomLimits = { chatPerFrame: 50, slice: FLUSH_SLICE, sliceMs: FLUSH_SLICE_MS };

export interface FlushStats {
  /** Events in the batch (after coalescing). */
  events: number;
  /** Frames written (one per socket). */
  frames: number;
  /** Events delivered, summed over sockets. */
  delivered: number;
  /** Events withheld from slow sockets. */
  dropped: number;
  /** Sockets closed for being too far behind. */
  closed: number;
  /** Viewer chat messages left out of the frame for a `chat.trimmed` marker. */
  trimmed: number;
  /** Bytes of the full frame. */
  bytes: number;
  /** Frames that went out compressed (shared compression). */
  deflated: number;
}

/**
 * A room's sockets, each with the last seq it was written (its cursor): a socket added now has been given everything up
 * to the room's flushed seq (a resume's missed events or a snapshot, then the events flushed meanwhile), so that is
 * where its cursor starts.
 */
export class RoomSockets extends Set<RoomSocket> {
  readonly cursor = new Map<RoomSocket, number>();

  constructor(private readonly head: () => number) {
    super();
  }

  override add(s: RoomSocket): this {
    if (!this.has(s)) this.cursor.set(s, this.head());
    return super.add(s);
  }

  override delete(s: RoomSocket): boolean {
    this.cursor.delete(s);
    return super.delete(s);
  }

  override clear(): void {
    this.cursor.clear();
    super.clear();
  }
}

/** What `accept` did with an event numbered elsewhere. */
export type AcceptResult = "ok" | "duplicate" | "reset";

/**
 * One show's event stream on this node. Events carry a monotonically increasing `seq` within the room's `epoch`:
 * assigned here (`push`, a node-local room such as the studio) or by the RoomStream for every node (`accept`). Each
 * tick the pending events are serialised once and the same bytes go to every socket. A bounded history lets a
 * reconnecting client resume from its last seq.
 */
export class Room {
  readonly sockets: RoomSockets = new RoomSockets(() => this.#flushedSeq);
  /** Sockets that take shared compressed frames, with their writer. */
  readonly deflaters = new Map<RoomSocket, DeflatedWriter>();
  #epoch: string;
  #seq = 0;
  #flushedSeq = 0;
  #pending: Envelope[] = [];
  #pendingTimes: number[] = [];
  #history: Envelope[] = [];
  // When each event of the history arrived in this room (server time), index for index.
  #arrived: number[] = [];
  // Some sockets were last written at an older seq than the flushed one (events came in while a flush was writing).
  #behind = false;
  #positioned = false;
  #writing = false;
  // Sockets over SOFT_BUFFERED_BYTES, since when (flush time).
  #lagging = new Map<RoomSocket, number>();

  constructor(
    readonly id: string,
    private readonly historySize = 1000,
    readonly limits: RoomLimits = DEFAULT_ROOM_LIMITS,
    /** Milliseconds, for the length of a slice (tests step it). */
    private readonly elapsed: () => number = () => performance.now(),
  ) {
    this.#epoch = randomBytes(6).toString("base64url");
  }

  get epoch(): string {
    return this.#epoch;
  }

  /** Last seq pushed or accepted (pending included). */
  get seq(): number {
    return this.#seq;
  }

  /** Whether the room knows its place in a shared stream (set by the first `accept` or by `position`). */
  get positioned(): boolean {
    return this.#positioned;
  }

  /** A local event: numbered here. */
  push(t: string, d: unknown, now = 0): void {
    this.#positioned = true;
    this.#enqueue({ t, seq: ++this.#seq, d }, now);
  }

  /** Start a shared room at the stream's head (nothing before it is in this node's history). */
  position(epoch: string, seq: number): void {
    if (this.#positioned) return;
    this.#positioned = true;
    this.#epoch = epoch;
    this.#seq = this.#flushedSeq = this.#startSeq = seq;
  }

  /**
   * An event numbered by the stream. Events arrive in seq order; one at or below the room's seq is a duplicate. A
   * new epoch, or a gap (the node missed messages, e.g. while its Redis connection was down), starts the history
   * afresh: `reset` tells the caller that connected sockets must be brought back (they get a snapshot).
   */
  accept(epoch: string, env: Envelope, now = 0): AcceptResult {
    if (!this.#positioned) this.position(epoch, env.seq - 1);
    let result: AcceptResult = "ok";
    if (epoch !== this.#epoch || env.seq > this.#seq + 1) {
      this.#epoch = epoch;
      this.#history = [];
      this.#arrived = [];
      this.#pending = [];
      this.#pendingTimes = [];
      this.#seq = this.#flushedSeq = this.#startSeq = env.seq - 1;
      for (const sock of this.sockets.cursor.keys()) this.sockets.cursor.set(sock, this.#flushedSeq);
      this.#behind = false;
      result = "reset";
    } else if (env.seq <= this.#seq) return "duplicate";
    this.#seq = env.seq;
    this.#enqueue(env, now);
    return result;
  }

  #enqueue(env: Envelope, now: number): void {
    this.#pending.push(env);
    this.#pendingTimes.push(now);
  }

  /**
   * Flushed events after `since`, or null when they are no longer in history (the client needs a snapshot).
   * Pending events are not included: a socket added in the same tick receives them with the next flush. In a shared
   * stream a client may come from a node that is a few events ahead of this one (`since` past our last flush): it
   * has nothing to catch up here, and the events it already saw are skipped by seq when they arrive.
   */
  since(epoch: string | undefined, since: number | undefined, allowAhead = false): Envelope[] | null {
    if (epoch !== this.#epoch || since === undefined || !Number.isInteger(since) || since < 0) return null;
    if (since >= this.#flushedSeq) return since === this.#flushedSeq || allowAhead ? [] : null;
    const oldest = this.#history[0]?.seq;
    if (oldest === undefined || since + 1 < oldest) return null;
    // History holds consecutive seqs (a gap resets it), so the index follows from the seq.
    return this.#history.slice(since + 1 - oldest);
  }

  /** Whether a flush is still writing its batch to the room's sockets (in slices). */
  get writing(): boolean {
    return this.#writing;
  }

  /** What a frame of these events carries: counters at their latest value, chat trimmed to `chatPerFrame`. */
  frame(events: Envelope[]): Envelope[] {
    return trimChat(coalesce(events), this.limits.chatPerFrame);
  }

  /**
   * Write the room's new events to every socket. Each socket has a cursor (the last seq it was written) and gets the
   * events after it, up to the room's flushed seq at the moment its slice is written: events that arrive while a flush
   * is still writing join the next slice's frame instead of waiting for the whole room to be written first, so a
   * socket's delay is about one flush, not one and a half flushes plus a tick (measured in docs/operations.md,
   * "Rolling flush"). Sockets of a slice with the same cursor share one frame, serialised once (and compressed once
   * for those that negotiated compression); a room of one slice writes one frame per flush. Sockets that fell behind
   * (SOFT_BUFFERED_BYTES) get a variant without droppable events — also serialised once — and those far behind
   * (MAX_BUFFERED_BYTES, or behind for SLOW_LAG_MS) are closed with SLOW_CLOSE. `at` (server time of the arrival in
   * this room of the frame's oldest event) lets clients measure delivery latency.
   *
   * A frame's size is bounded (counters coalesced, chat trimmed), so a flush costs at most sockets × one bounded write
   * however far the room fell behind: the delay cannot feed on itself (a bigger backlog, a bigger frame, a slower flush).
   *
   * Up to `slice` sockets are written at once, fewer when writing them takes longer than `sliceMs` (it is checked every
   * SLICE_CHECK sockets); the rest follow in later turns of the event loop, and a flush called
   * meanwhile does nothing (its events stay pending). Events that reached only the later slices are owed to the earlier
   * ones: the next flush writes them even with nothing pending. The stats (`events`, `trimmed`, `bytes`:
   * of the first frame) are complete when `done` is called (at once for a room of at most `slice` sockets, and then
   * also in the returned object). `now` times how long a socket stays behind.
   */
  flush(done?: (stats: FlushStats) => void, slice = this.limits.slice, now = Date.now()): FlushStats {
    const stats: FlushStats = { events: 0, frames: 0, delivered: 0, dropped: 0, closed: 0, trimmed: 0, bytes: 0, deflated: 0 };
    if (this.#writing || (this.#pending.length === 0 && !this.#behind)) return stats;
    this.#advance();
    this.#trimHistory();
    this.#behind = false;
    let first = true;
    const note = (v: FrameVariant) => {
      if (!first) return;
      first = false;
      stats.events = v.events;
      stats.trimmed = v.trimmed;
      stats.bytes = v.plain.length;
    };
    if (this.sockets.size === 0) {
      const oldest = this.#history[0]?.seq ?? this.#flushedSeq + 1;
      // Nobody to write to; the stats still describe the frame (what a socket joining later would not get: it resumes).
      const since = Math.max(this.#startSeq, oldest - 1);
      if (since < this.#flushedSeq) note(this.#variant(since));
      this.#startSeq = this.#flushedSeq;
      done?.(stats);
      return stats;
    }
    this.#startSeq = this.#flushedSeq;
    const targets = [...this.sockets];
    const cursors = this.sockets.cursor;
    const startHead = this.#flushedSeq;
    const write = (from: number) => {
      const sliceStartedAt = this.elapsed();
      const budget = this.limits.sliceMs;
      if (from > 0) this.#advance();
      const head = this.#flushedSeq;
      const frames = new Map<number, { full: FrameVariant; essential?: FrameVariant }>();
      let to = Math.min(targets.length, from + slice);
      for (let i = from; i < to; i++) {
        if (budget > 0 && i > from && (i - from) % SLICE_CHECK === 0 && this.elapsed() - sliceStartedAt >= budget) {
          to = i;
          break;
        }
        const s = targets[i]!;
        if (!this.sockets.has(s)) continue;
        const cursor = cursors.get(s) ?? head;
        if (cursor >= head) continue;
        let pair = frames.get(cursor);
        if (!pair) {
          pair = { full: this.#variant(cursor) };
          frames.set(cursor, pair);
          note(pair.full);
        }
        const buffered = s.bufferedAmount;
        let variant = pair.full;
        if (buffered > SOFT_BUFFERED_BYTES) {
          const since = this.#lagging.get(s);
          if (since === undefined) this.#lagging.set(s, now);
          if (buffered > MAX_BUFFERED_BYTES || (since !== undefined && now - since >= SLOW_LAG_MS)) {
            this.#closeSlow(s);
            stats.closed++;
            continue;
          }
          pair.essential ??= new FrameVariant(
            pair.full.batch.filter((e) => !DROPPABLE.has(e.t)),
            pair.full.at,
          );
          variant = pair.essential;
          stats.dropped += pair.full.events - variant.events;
          cursors.set(s, head);
          if (variant.events === 0) continue;
        } else {
          if (this.#lagging.size) this.#lagging.delete(s);
          cursors.set(s, head);
        }
        const deflater = this.deflaters.get(s);
        if (deflater?.(variant.deflated())) stats.deflated++;
        else s.send(variant.plain, TEXT);
        stats.frames++;
        stats.delivered += variant.events;
      }
      if (to < targets.length || this.#writing) slicedWork.noteSlice(this.elapsed() - sliceStartedAt);
      if (to < targets.length) {
        if (!this.#writing) slicedWork.begin();
        this.#writing = true;
        setImmediate(() => write(to));
        return;
      }
      if (this.#writing) slicedWork.end();
      this.#writing = false;
      // Events that came in after the first slice reached only the later slices: the next flush owes them to the rest.
      if (this.#flushedSeq > startHead) this.#behind = true;
      done?.(stats);
    };
    write(0);
    return stats;
  }

  /** Pending events join the history: what a flush writes from here on includes them. */
  #advance(): void {
    if (this.#pending.length === 0) return;
    for (const e of this.#pending) this.#history.push(e);
    for (const t of this.#pendingTimes) this.#arrived.push(t);
    this.#pending = [];
    this.#pendingTimes = [];
    this.#flushedSeq = this.#seq;
  }

  // The flushed seq when the last flush started (what a room without sockets has already described in its stats).
  #startSeq = 0;

  /** A frame of the history's events after `cursor` (up to the flushed seq), stamped with the oldest one's arrival. */
  #variant(cursor: number): FrameVariant {
    const oldest = this.#history[0]!.seq;
    const from = Math.max(0, cursor + 1 - oldest);
    return new FrameVariant(this.frame(this.#history.slice(from)), this.#arrived[from]!);
  }

  /**
   * History beyond `historySize` is dropped, but never an event a socket still has to be written: every socket's
   * cursor is at least the flushed seq of the flush before, so that much stays.
   */
  #trimHistory(): void {
    const excess = this.#history.length - this.historySize;
    if (excess <= 0) return;
    let min = this.#flushedSeq;
    for (const c of this.sockets.cursor.values()) if (c < min) min = c;
    const oldest = this.#history[0]!.seq;
    const drop = Math.min(excess, Math.max(0, min + 1 - oldest));
    if (drop > 0) {
      this.#history.splice(0, drop);
      this.#arrived.splice(0, drop);
    }
  }

  /** Leaves the room: close with the reconnect hint, then drop the connection if the close frame cannot get out. */
  #closeSlow(s: RoomSocket): void {
    this.sockets.delete(s);
    this.deflaters.delete(s);
    this.#lagging.delete(s);
    s.close(SLOW_CLOSE.code, SLOW_CLOSE.reason);
    if (s.terminate) setTimeout(() => s.terminate?.(), SLOW_TERMINATE_MS).unref();
  }

  /** A socket left the room (closed by its client). */
  forget(s: RoomSocket): void {
    this.sockets.delete(s);
    this.deflaters.delete(s);
    this.#lagging.delete(s);
  }
}

/** One frame's bytes, plain and (on first use) compressed. */
class FrameVariant {
  readonly plain: Buffer;
  readonly events: number;
  /** Viewer chat left out of this frame for a `chat.trimmed` marker. */
  readonly trimmed: number;
  #deflated: Buffer | null = null;

  constructor(
    readonly batch: Envelope[],
    readonly at: number,
  ) {
    const events = batch;
    this.events = events.length;
    this.trimmed = events.reduce((n, e) => n + (e.t === "chat.trimmed" ? (e.d as { skipped: number }).skipped : 0), 0);
    this.plain = Buffer.from(JSON.stringify({ t: "batch", at, d: events }));
  }

  deflated(): Buffer {
    this.#deflated ??= deflatedFrame(this.plain);
    return this.#deflated;
  }
}

/**
 * Leaves out counters superseded later in the same batch (same key) and sums the reactions of several ticks into the
 * last one; order is kept. The events kept are the history's own objects (a summed reaction is a new one).
 */
export function coalesce(batch: Envelope[]): Envelope[] {
  const keyOf = (e: Envelope): string | null => {
    if (e.t === SUMMED) return SUMMED;
    const by = LATEST_BY[e.t];
    return by ? `${e.t}:${String(by(e.d as Record<string, unknown>))}` : null;
  };
  const last = new Map<string, number>();
  let reactions = 0;
  batch.forEach((e, i) => {
    const k = keyOf(e);
    if (k !== null) last.set(k, i);
    if (e.t === SUMMED) reactions++;
  });
  if (last.size === 0) return batch;
  const sum: Record<string, number> = {};
  if (reactions > 1)
    for (const e of batch) {
      if (e.t !== SUMMED) continue;
      for (const [emoji, n] of Object.entries((e.d as { counts: Record<string, number> }).counts)) sum[emoji] = (sum[emoji] ?? 0) + n;
    }
  const out: Envelope[] = [];
  batch.forEach((e, i) => {
    const k = keyOf(e);
    if (k !== null && last.get(k) !== i) return;
    out.push(e.t === SUMMED && reactions > 1 ? { t: e.t, seq: e.seq, d: { counts: sum } } : e);
  });
  return out;
}

const isViewerChat = (e: Envelope) => e.t === "chat.posted" && (e.d as { role?: string }).role !== "host" && (e.d as { role?: string }).role !== "moderator";

/**
 * More viewer chat than `max` in one frame is more than anyone can read in a frame's time: the oldest are left out and
 * one `chat.trimmed` marker `{ skipped, before }` takes the place (and seq) of the last one left out; `before` is the
 * id of the next message shown. The host's and moderators' messages always go out. History keeps every message.
 */
export function trimChat(batch: Envelope[], max: number): Envelope[] {
  let viewerChat = 0;
  for (const e of batch) if (isViewerChat(e)) viewerChat++;
  const skip = viewerChat - Math.max(1, max);
  if (skip <= 0) return batch;
  const out: Envelope[] = [];
  let skipped = 0;
  for (let i = 0; i < batch.length; i++) {
    const e = batch[i]!;
    if (skipped < skip && isViewerChat(e)) {
      skipped++;
      if (skipped < skip) continue;
      // At least one viewer message follows (max ≥ 1 are kept).
      const next = batch.slice(i + 1).find((n) => n.t === "chat.posted")!;
      out.push({ t: "chat.trimmed", seq: e.seq, d: { skipped, before: (next.d as { id: string }).id } });
      continue;
    }
    out.push(e);
  }
  return out;
}
