/**
 * Work that spreads itself over several turns of the event loop, one slice per turn (a room flush to thousands of
 * sockets, src/server/realtime/room.ts), says so here while it runs. Turns are then long with its slices, and work
 * that takes one step per turn (the PGlite connection's hand-over, src/server/db/pglite-driver.ts) takes several
 * steps in a turn instead, within a budget, so its queue does not grow for as long as the slices go on.
 */
let running = 0;

export const slicedWork = {
  begin(): void {
    running++;
  },
  end(): void {
    running = Math.max(0, running - 1);
  },
  /** Whether any sliced work is between two of its slices right now. */
  get active(): boolean {
    return running > 0;
  },
};
