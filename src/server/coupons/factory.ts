import { type ModuleContext, type ModulePlugin, modulePlugin } from "../modules.js";
import type { OfferService } from "../offers/index.js";
import type { OrderSubscriptions } from "../orders/index.js";
import type { Outbox } from "../outbox/index.js";
import type { ShowService } from "../shows/index.js";
import { couponsModule } from "./plugin.js";
import { CouponService } from "./service.js";

/** Show coupons; an order's discount is taken when it is placed (an orders subscriber). */
export function createCouponsModule(
  ctx: ModuleContext,
  doors: { outbox: Outbox; orders: OrderSubscriptions; shows: ShowService; offers: OfferService },
): { coupons: CouponService; isOn(showId: string): Promise<boolean>; plugin: ModulePlugin } {
  const coupons = new CouponService(ctx.db, ctx.clock, doors.outbox);
  coupons.subscribeToOrders(doors.orders);
  return {
    coupons,
    isOn: async (showId) => (await coupons.ofShow(showId, { activeOnly: true })).length > 0,
    plugin: modulePlugin("coupons", couponsModule, { coupons, shows: doors.shows, offers: doors.offers }),
  };
}
