/**
 * Work that spreads itself over several turns of the event loop, one slice per turn (a room flush to thousands of
 * sockets, src/server/realtime/room.ts), says so here while it runs. Turns are then long with its slices, and work
 * that takes one step per turn (the PGlite connection's hand-over, src/server/db/pglite-driver.ts) takes several
 * steps in a turn instead, for about as long as a slice takes, so its queue does not grow for as long as the slices
 * go on.
 */
let running = 0;
let lastSliceMs = 0;

export const slicedWork = {
  begin(): void {
    running++;
  },
  end(): void {
    running = Math.max(0, running - 1);
  },
  /** How long a slice took (ms): the latest one written. */
  noteSlice(ms: number): void {
    lastSliceMs = ms;
  },
  get lastSliceMs(): number {
    return lastSliceMs;
  },
  /** Whether any sliced work is between two of its slices right now. */
  get active(): boolean {
    return running > 0;
  },
};
