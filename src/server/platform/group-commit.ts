/**
 * Group commit: work items queued per key (an auction) and handed to `commit` together, one call per tick, so one
 * transaction decides everything that arrived while the previous one ran. A key's ticks never overlap; an idle key
 * starts a tick on the next turn of the event loop, so items that arrive together share it and a lone item waits for
 * nothing. `commit` answers one result per item, in order (an Error for an item refused on its own); if it throws,
 * every item of that tick gets the error.
 */
export class GroupCommit<T, R> {
  readonly #queues = new Map<string, { items: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[]; running: boolean }>();

  constructor(
    private readonly commit: (key: string, items: T[]) => Promise<(R | Error)[]>,
    /** At most this many items per tick: bounds one transaction's size (and its lock time). */
    private readonly maxPerTick = 1000,
  ) {}

  submit(key: string, item: T): Promise<R> {
    let q = this.#queues.get(key);
    if (!q) {
      q = { items: [], running: false };
      this.#queues.set(key, q);
    }
    const queue = q;
    const done = new Promise<R>((resolve, reject) => queue.items.push({ item, resolve, reject }));
    if (!queue.running) {
      queue.running = true;
      setImmediate(() => void this.#drain(key, queue));
    }
    return done;
  }

  /** Items waiting or in the tick being committed, over all keys (for tests and metrics). */
  get pending(): number {
    let n = 0;
    for (const q of this.#queues.values()) n += q.items.length;
    return n;
  }

  async #drain(key: string, q: { items: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[]; running: boolean }) {
    while (q.items.length > 0) {
      const tick = q.items.splice(0, this.maxPerTick);
      try {
        const results = await this.commit(
          key,
          tick.map((t) => t.item),
        );
        tick.forEach((t, i) => {
          const r = results[i];
          if (r instanceof Error) t.reject(r);
          else t.resolve(r as R);
        });
      } catch (err) {
        for (const t of tick) t.reject(err);
      }
    }
    q.running = false;
    this.#queues.delete(key);
  }
}
