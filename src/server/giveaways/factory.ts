import type { ShowService } from "../shows/index.js";
import { type ModuleContext, type ModulePlugin, modulePlugin } from "../modules.js";
import type { Outbox } from "../outbox/index.js";
import { giveawaysModule } from "./plugin.js";
import { type GiveawayDeps, GiveawayService } from "./service.js";

/** Giveaways; a chat keyword enters one, read from the bus (on the node that took the message), so chat needs no hook. */
export function createGiveawaysModule(
  ctx: ModuleContext,
  doors: Pick<GiveawayDeps, "buyers" | "chat" | "accounts"> & { outbox: Outbox; shows: ShowService },
): { giveaways: GiveawayService; isOn(showId: string): Promise<boolean>; plugin: ModulePlugin } {
  const { log } = ctx;
  const giveaways = new GiveawayService({
    db: ctx.db,
    clock: ctx.clock,
    bus: ctx.bus,
    outbox: doors.outbox,
    coalesceMs: ctx.config.REALTIME_TICK_MS,
    log: log.child({ module: "giveaways" }),
    buyers: doors.buyers,
    chat: doors.chat,
    accounts: doors.accounts,
  });
  ctx.bus.subscribeLocal("chat.posted", (ev) => void giveaways.onChatPosted(ev).catch((err) => log.error({ err }, "giveaway chat entry failed")));
  return {
    giveaways,
    isOn: async (showId) => (await giveaways.current(showId)) != null,
    plugin: modulePlugin("giveaways", giveawaysModule, { giveaways, shows: doors.shows, sweepers: ctx.sweepers }),
  };
}
