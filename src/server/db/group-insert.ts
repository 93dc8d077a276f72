/**
 * Group commit for independent single-row inserts (chat messages): at most one insert is in flight; rows that arrive
 * meanwhile wait and go in the next one, as one multi-row statement. Under light load a row is written at once; under
 * a busy chat (hundreds of messages a second) the statements grow instead of queueing — on PGlite's single connection
 * one statement per message would otherwise take most of the server's time. Each `add` resolves when its row is
 * stored, so callers keep "stored before published". A failed group is retried row by row: one bad row (e.g. its
 * show was deleted) fails only its own caller.
 */
export class GroupInsert<T> {
  #queue: { row: T; resolve: () => void; reject: (err: unknown) => void }[] = [];
  #running = false;

  constructor(
    private readonly write: (rows: T[]) => Promise<unknown>,
    private readonly maxRows = 500,
  ) {}

  add(row: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ row, resolve, reject });
      if (!this.#running) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        const group = this.#queue.splice(0, this.maxRows);
        try {
          await this.write(group.map((g) => g.row));
          for (const g of group) g.resolve();
        } catch (err) {
          if (group.length === 1) group[0]!.reject(err);
          else {
            for (const g of group) {
              await this.write([g.row]).then(g.resolve, g.reject);
            }
          }
        }
      }
    } finally {
      this.#running = false;
    }
  }
}
