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

  /** Serialise pending events once and write them to every socket. Returns the frame size sent (0 when idle). */
  flush(): number {
    if (this.#pending.length === 0) return 0;
    const batch = this.#pending;
    this.#pending = [];
    this.#coalesced.clear();
    this.#history.push(...batch);
    if (this.#history.length > this.historySize) this.#history.splice(0, this.#history.length - this.historySize);
    const frame = JSON.stringify({ t: "batch", d: batch });
    for (const s of this.sockets) {
      if (s.bufferedAmount > MAX_BUFFERED_BYTES) {
        this.sockets.delete(s);
        s.close(4008, "too slow");
        continue;
      }
      s.send(frame);
    }
    return frame.length;
  }
}
