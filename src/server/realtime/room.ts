import { randomBytes } from "node:crypto";
import type { Envelope } from "../../protocol/realtime.js";
import { deflatedFrame } from "../platform/deflate.js";

// Frames are text: a Buffer is sent with `{ binary: false }` (ws's own option), so it is encoded once for all sockets.
// ws never compresses one itself (`compress: false`): compression, when negotiated, is shared (see deflate.ts).
export const TEXT = { binary: false, compress: false };

/** Writes an already framed, compressed message to one socket; false when it could not (plain frame instead). */
export type DeflatedWriter = (frame: Buffer) => boolean;

// A flush writes to this many sockets, then lets the event loop breathe (orders, joins) before the next slice: a
// 10,000-viewer room would otherwise hold the loop for the whole write. The room's next flush waits for the last slice,
// so every socket still gets the batches in order.
export const FLUSH_SLICE = 1000;

export interface RoomSocket {
  send(data: string | Buffer, opts: { binary: boolean }): void;
  readonly bufferedAmount: number;
  close(code?: number, reason?: string): void;
}

// Event types of which only the latest per key matters: within one tick's frame the earlier ones are left out (their
// seq is simply skipped; clients only require seq to grow). History keeps them all.
const COALESCED = new Set(["offer.updated", "viewers.counted", "stats.updated"]);
const coalesceKey = (e: Envelope) => (e.t === "offer.updated" ? `${e.t}:${(e.d as { offerId: string }).offerId}` : e.t);

// A socket further behind than this is closed: it would otherwise hold an ever-growing buffer.
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
// A socket further behind than this gets only the events that must never be lost (stock, offers, status): chat and
// the like are dropped for it (counted) until it catches up.
export const SOFT_BUFFERED_BYTES = 256 * 1024;
// Events a slow socket may lose. Everything else (offer.*, show.status, counters) always goes out.
const DROPPABLE = new Set(["chat.posted", "reactions.counted"]);

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
  /** Bytes of the full frame. */
  bytes: number;
  /** Frames that went out compressed (shared compression). */
  deflated: number;
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
  readonly sockets = new Set<RoomSocket>();
  /** Sockets that take shared compressed frames, with their writer. */
  readonly deflaters = new Map<RoomSocket, DeflatedWriter>();
  #epoch: string;
  #seq = 0;
  #flushedSeq = 0;
  #pending: Envelope[] = [];
  #pendingSince = 0;
  #history: Envelope[] = [];
  #positioned = false;
  #writing = false;

  constructor(
    readonly id: string,
    private readonly historySize = 1000,
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
    this.#seq = this.#flushedSeq = seq;
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
      this.#pending = [];
      this.#seq = this.#flushedSeq = env.seq - 1;
      result = "reset";
    } else if (env.seq <= this.#seq) return "duplicate";
    this.#seq = env.seq;
    this.#enqueue(env, now);
    return result;
  }

  #enqueue(env: Envelope, now: number): void {
    if (this.#pending.length === 0) this.#pendingSince = now;
    this.#pending.push(env);
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

  /**
   * Serialise pending events once and write them to every socket. Sockets that fell behind (SOFT_BUFFERED_BYTES)
   * get a second variant without droppable events — also serialised once — and those far behind are closed. Sockets
   * that negotiated compression get the same frame compressed once. `at` (server time of the oldest event's arrival
   * in this room) lets clients measure delivery latency.
   *
   * Up to `slice` sockets are written at once; the rest follow in later turns of the event loop, and a flush called
   * meanwhile waits (its events stay pending). The stats are complete when `done` is called (at once for a room of at
   * most `slice` sockets, and then also in the returned object).
   */
  flush(done?: (stats: FlushStats) => void, slice = FLUSH_SLICE): FlushStats {
    const stats: FlushStats = { events: 0, frames: 0, delivered: 0, dropped: 0, closed: 0, bytes: 0, deflated: 0 };
    if (this.#pending.length === 0 || this.#writing) return stats;
    const pending = this.#pending;
    this.#pending = [];
    this.#flushedSeq = this.#seq;
    for (const e of pending) this.#history.push(e);
    if (this.#history.length > this.historySize) this.#history.splice(0, this.#history.length - this.historySize);
    const batch = coalesce(pending);
    stats.events = batch.length;
    if (this.sockets.size === 0) {
      done?.(stats);
      return stats;
    }
    const full = new FrameVariant(batch, this.#pendingSince);
    stats.bytes = full.plain.length;
    let essential: FrameVariant | null = null;
    const targets = [...this.sockets];
    const write = (from: number) => {
      const to = Math.min(targets.length, from + slice);
      for (let i = from; i < to; i++) {
        const s = targets[i]!;
        if (!this.sockets.has(s)) continue;
        const buffered = s.bufferedAmount;
        if (buffered > MAX_BUFFERED_BYTES) {
          this.sockets.delete(s);
          this.deflaters.delete(s);
          s.close(4008, "too slow");
          stats.closed++;
          continue;
        }
        let variant = full;
        if (buffered > SOFT_BUFFERED_BYTES) {
          essential ??= new FrameVariant(
            batch.filter((e) => !DROPPABLE.has(e.t)),
            full.at,
          );
          stats.dropped += batch.length - essential.events;
          variant = essential;
          if (variant.events === 0) continue;
        }
        const deflater = this.deflaters.get(s);
        if (deflater?.(variant.deflated())) stats.deflated++;
        else s.send(variant.plain, TEXT);
        stats.frames++;
        stats.delivered += variant.events;
      }
      if (to < targets.length) {
        this.#writing = true;
        setImmediate(() => write(to));
        return;
      }
      this.#writing = false;
      done?.(stats);
    };
    write(0);
    return stats;
  }
}

/** One frame's bytes, plain and (on first use) compressed. */
class FrameVariant {
  readonly plain: Buffer;
  readonly events: number;
  #deflated: Buffer | null = null;

  constructor(
    events: Envelope[],
    readonly at: number,
  ) {
    this.events = events.length;
    this.plain = Buffer.from(JSON.stringify({ t: "batch", at, d: events }));
  }

  deflated(): Buffer {
    this.#deflated ??= deflatedFrame(this.plain);
    return this.#deflated;
  }
}

/** Leaves out counter events superseded later in the same batch (same key); order is kept. */
export function coalesce(batch: Envelope[]): Envelope[] {
  if (!batch.some((e) => COALESCED.has(e.t))) return batch;
  const last = new Map<string, number>();
  batch.forEach((e, i) => {
    if (COALESCED.has(e.t)) last.set(coalesceKey(e), i);
  });
  return batch.filter((e, i) => !COALESCED.has(e.t) || last.get(coalesceKey(e)) === i);
}
