import type { CatalogService } from "../catalog/index.js";
import { type ModuleContext, type ModulePlugin, modulePlugin } from "../modules.js";
import type { OfferService } from "../offers/index.js";
import type { Outbox } from "../outbox/index.js";
import type { ShowService } from "../shows/index.js";
import { pollsModule } from "./plugin.js";
import { PollService } from "./service.js";

/** Polls (a winning product can be pinned as an offer). */
export function createPollsModule(
  ctx: ModuleContext,
  doors: { outbox: Outbox; catalog: CatalogService; offers: OfferService; shows: ShowService },
): { polls: PollService; isOn(showId: string): Promise<boolean>; plugin: ModulePlugin } {
  const { outbox, catalog, offers } = doors;
  const polls = new PollService({
    db: ctx.db,
    clock: ctx.clock,
    bus: ctx.bus,
    outbox,
    catalog,
    offers,
    coalesceMs: ctx.config.REALTIME_TICK_MS,
    log: ctx.log.child({ module: "polls" }),
  });
  return {
    polls,
    isOn: async (showId) => (await polls.current(showId)) != null,
    plugin: modulePlugin("polls", pollsModule, { polls, shows: doors.shows, sweepers: ctx.sweepers }),
  };
}
