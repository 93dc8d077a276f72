import type { CatalogService } from "../catalog/index.js";
import { type ModuleContext, type ModulePlugin, modulePlugin } from "../modules.js";
import type { OfferService } from "../offers/index.js";
import type { OrderSubscriptions } from "../orders/index.js";
import type { Outbox } from "../outbox/index.js";
import type { ShowService } from "../shows/index.js";
import { mysteryModule } from "./plugin.js";
import { MysteryService } from "./service.js";

/** Mystery pools; an orders subscriber (18+ and the pool's room when placed, the draw when paid, items back when refunded). */
export function createMysteryModule(
  ctx: ModuleContext,
  doors: { outbox: Outbox; orders: OrderSubscriptions; offers: OfferService; shows: ShowService; catalog: CatalogService },
): { mystery: MysteryService; isOn(showId: string): Promise<boolean>; plugin: ModulePlugin } {
  const mystery = new MysteryService(ctx.db, ctx.clock, doors.outbox, doors.offers);
  mystery.subscribeToOrders(doors.orders);
  return {
    mystery,
    isOn: async (showId) => (await mystery.ofShow(showId)).some((x) => x.status === "open"),
    plugin: modulePlugin("mystery", mysteryModule, { mystery, shows: doors.shows, catalog: doors.catalog }),
  };
}
