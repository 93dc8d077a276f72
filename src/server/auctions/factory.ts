import type { CatalogService } from "../catalog/index.js";
import { type ModuleContext, type ModulePlugin, modulePlugin } from "../modules.js";
import type { OfferService } from "../offers/index.js";
import type { OrderService } from "../orders/index.js";
import type { Outbox } from "../outbox/index.js";
import type { ShowService } from "../shows/index.js";
import { auctionsModule } from "./plugin.js";
import { AuctionService } from "./service.js";

/** Auctions; the winner's order is placed through orders. */
export function createAuctionsModule(
  ctx: ModuleContext,
  doors: { outbox: Outbox; shows: ShowService; offers: OfferService; orders: OrderService; catalog: CatalogService },
): { auctions: AuctionService; isOn(showId: string): Promise<boolean>; plugin: ModulePlugin } {
  const { outbox, shows, offers, orders, catalog } = doors;
  const auctions = new AuctionService({ db: ctx.db, clock: ctx.clock, outbox, shows, offers, orders, bus: ctx.bus });
  return {
    auctions,
    isOn: async (showId) => (await auctions.ofShow(showId, true)).length > 0,
    plugin: modulePlugin("auctions", auctionsModule, { auctions, shows, catalog, sweepers: ctx.sweepers }),
  };
}
