import { randomBytes } from "node:crypto";
import type { Envelope } from "../../protocol/realtime.js";

export interface RoomSocket {
  send(data: string): void;
  readonly bufferedAmount: number;
  close(code?: number, reason?: string): void;
}

// Event types whose latest value replaces earlier ones within one tick (keyed by `coalesceKey`).
const COALESCED = new Set(["offer.updated", "viewers.counted", "stats.updated"]);
const coalesceKey = (t: string, d: unknown) => (t === "offer.updated" ? `${t}:${(d as { offerId: string }).offerId}` : t);

// A socket further behind than this is closed: it would otherwise hold an ever-growing buffer.
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
// A socket further behind than this gets only the events that must never be lost (stock, offers, status): chat and
// the like are dropped for it (counted) until it catches up.
export const SOFT_BUFFERED_BYTES = 256 * 1024;
// Events a slow socket may lose. Everything else (offer.*, show.status, counters) always goes out.
const DROPPABLE = new Set(["chat.posted", "reactions.counted"]);

export interface FlushStats {
  /** Events in the batch. */
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
}

/**
 * One show's event stream. Events get a monotonically increasing `seq` within the room's `epoch`; each tick the
 * pending events are serialised once and the same string is written to every socket. A bounded history lets a
 * reconnecting client resume from its last seq.
 */
export class Room {
  readonly epoch = randomBytes(6).toString("base64url");
  readonly sockets = new Set<RoomSocket>();
  #seq = 0;
  #pending: Envelope[] = [];
  #coalesced = new Map<string, number>(); // key → index in #pending
  #history: Envelope[] = [];

  constructor(
    readonly id: string,
    private readonly historySize = 1000,
  ) {}

  get seq(): number {
    return this.#seq;
  }

  push(t: string, d: unknown): void {
    const key = COALESCED.has(t) ? coalesceKey(t, d) : null;
    if (key !== null) {
      const at = this.#coalesced.get(key);
      if (at !== undefined) {
        // Replace in place: same seq slot, newest value.
        this.#pending[at] = { ...this.#pending[at], d };
        return;
      }
    }
    const env: Envelope = { t, seq: ++this.#seq, d };
    if (key !== null) this.#coalesced.set(key, this.#pending.length);
    this.#pending.push(env);
  }

  /**
   * Flushed events after `since`, or null when they are no longer in history (the client needs a snapshot).
   * Pending events are not included: a socket added in the same tick receives them with the next flush.
   */
  since(epoch: string | undefined, since: number | undefined): Envelope[] | null {
    const flushedSeq = this.#seq - this.#pending.length;
    if (epoch !== this.epoch || since === undefined || !Number.isInteger(since) || since < 0 || since > flushedSeq) return null;
    if (since === flushedSeq) return [];
    const oldest = this.#history[0]?.seq;
    if (oldest === undefined || since + 1 < oldest) return null;
    return this.#history.slice(since + 1 - oldest);
  }

  /**
   * Serialise pending events once and write them to every socket. Sockets that fell behind (SOFT_BUFFERED_BYTES)
   * get a second variant without droppable events — also serialised once — and those far behind are closed.
   */
  flush(): FlushStats {
    const stats: FlushStats = { events: this.#pending.length, frames: 0, delivered: 0, dropped: 0, closed: 0, bytes: 0 };
    if (this.#pending.length === 0) return stats;
    const batch = this.#pending;
    this.#pending = [];
    this.#coalesced.clear();
    this.#history.push(...batch);
    if (this.#history.length > this.historySize) this.#history.splice(0, this.#history.length - this.historySize);
    const frame = JSON.stringify({ t: "batch", d: batch });
    stats.bytes = frame.length;
    let essential: { frame: string | null; events: number } | null = null;
    for (const s of this.sockets) {
      if (s.bufferedAmount > MAX_BUFFERED_BYTES) {
        this.sockets.delete(s);
        s.close(4008, "too slow");
        stats.closed++;
        continue;
      }
      if (s.bufferedAmount > SOFT_BUFFERED_BYTES) {
        if (!essential) {
          const kept = batch.filter((e) => !DROPPABLE.has(e.t));
          essential = { frame: kept.length ? JSON.stringify({ t: "batch", d: kept }) : null, events: kept.length };
        }
        stats.dropped += batch.length - essential.events;
        if (essential.frame) {
          s.send(essential.frame);
          stats.frames++;
          stats.delivered += essential.events;
        }
        continue;
      }
      s.send(frame);
      stats.frames++;
      stats.delivered += batch.length;
    }
    return stats;
  }
}
