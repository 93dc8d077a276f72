import type { CatalogService } from "../catalog/index.js";
import { type ModuleContext, type ModulePlugin, modulePlugin } from "../modules.js";
import type { Outbox } from "../outbox/index.js";
import type { ShowService } from "../shows/index.js";
import { LineupService } from "./lineup.js";
import { offersModule } from "./plugin.js";
import { OfferService } from "./service.js";

/** Offers (with the inventory, the one writer of stock) and a show's line-up. */
export function createOffersModule(
  ctx: ModuleContext,
  doors: { outbox: Outbox; catalog: CatalogService; shows: ShowService },
): { offers: OfferService; lineup: LineupService; plugin: ModulePlugin } {
  const { db, clock } = ctx;
  const { outbox, catalog, shows } = doors;
  const offers = new OfferService(db, clock, ctx.bus, outbox);
  const lineup = new LineupService(db, clock, offers, catalog, outbox);
  return { offers, lineup, plugin: modulePlugin("offers", offersModule, { offers, lineup, shows, catalog, sweepers: ctx.sweepers }) };
}
