import { describe, expect, it } from "vitest";
import { MemoryBus } from "../platform/bus.js";
import { MediaCluster } from "./cluster.js";
import type { LiveDirectory, OnAirRecord } from "./live-directory.js";

const silent = { warn() {}, info() {}, error() {}, debug() {}, child: () => silent } as never;

/** A directory in which one show's ingest registration has lapsed (never withdrawn): an orphan for every node. */
function orphanDirectory(showId: string) {
  const graced: string[] = [];
  const directory = {
    async orphans() {
      return new Map<string, OnAirRecord>([[showId, { node: "gone" }]]);
    },
    async markGrace(id: string) {
      graced.push(id);
      return true;
    },
    async forgetOrphan() {
      return true;
    },
  } as unknown as LiveDirectory;
  return { directory, graced };
}

describe("media cluster: a dead ingest node's shows", () => {
  it("puts an orphaned show of its own database into reconnecting, and leaves one its database does not have alone", async () => {
    for (const known of [true, false]) {
      const { directory, graced } = orphanDirectory("shw_1");
      const statuses: string[] = [];
      const cluster = new MediaCluster({
        directory,
        bus: new MemoryBus(),
        log: silent,
        onAir: () => [],
        reconnectGraceMs: 10_000,
        setStatus: async (showId, status) => void statuses.push(`${showId}:${status}`),
        hasShow: async () => known,
        now: () => 0,
      });
      await cluster.sweepOrphans();
      // A show of another deployment on the same Redis: its grace is not marked here, or its own nodes would never
      // say "reconnecting" (they find the grace already marked).
      expect(graced).toEqual(known ? ["shw_1"] : []);
      expect(statuses).toEqual(known ? ["shw_1:reconnecting"] : []);
    }
  });
});
