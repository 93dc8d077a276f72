/**
 * A retention sweep's deletes: statements of up to `batch` rows until one deletes fewer, with a turn of the event loop
 * between two, so work waiting for the connection (orders) goes in between. `stop()`: leave off early (shutdown).
 * Answers the rows deleted.
 */
export async function deleteInBatches(deleteUpTo: (limit: number) => Promise<number>, opts: { batch?: number; stop?: () => boolean } = {}): Promise<number> {
  const batch = opts.batch ?? 1000;
  let deleted = 0;
  for (;;) {
    const n = await deleteUpTo(batch);
    deleted += n;
    if (n < batch || opts.stop?.()) return deleted;
    await new Promise((r) => setImmediate(r));
  }
}
