/**
 * Coalesced live counts (giveaway entries, poll votes): a game marks itself changed on every entry, and its count is
 * read and published at most once per `coalesceMs` for all games marked since, straight on the bus (a lost count is
 * superseded by the next). `coalesceMs` 0: only on flush().
 */
export class LiveCounts {
  readonly #dirty = new Map<string, string>(); // gameId → showId
  readonly #publish: (gameId: string, showId: string) => Promise<void>;
  readonly #coalesceMs: number;
  readonly #onError: (err: unknown) => void;
  #timer: NodeJS.Timeout | null = null;

  constructor(publish: (gameId: string, showId: string) => Promise<void>, opts: { coalesceMs: number; onError: (err: unknown) => void }) {
    this.#publish = publish;
    this.#coalesceMs = opts.coalesceMs;
    this.#onError = opts.onError;
  }

  mark(gameId: string, showId: string): void {
    this.#dirty.set(gameId, showId);
    if (this.#timer || this.#coalesceMs <= 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.flush().catch(this.#onError);
    }, this.#coalesceMs);
    this.#timer.unref();
  }

  /** A closed game's final count travels with its close event. */
  forget(gameId: string): void {
    this.#dirty.delete(gameId);
  }

  /** Publishes the pending counts now. */
  async flush(): Promise<void> {
    this.stop();
    const dirty = [...this.#dirty];
    this.#dirty.clear();
    for (const [gameId, showId] of dirty) await this.#publish(gameId, showId);
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
