import type { FastifyPluginAsync } from "fastify";
import { appWide } from "../http/app-wide.js";
import type { Sweepers } from "../http/sweepers.js";
import { registerOrderAdminRoutes } from "./admin-routes.js";
import type { OrderAccess } from "./buyer-access.js";
import { type OrderRouteDeps, registerOrderAccessRule, registerOrderRoutes } from "./routes.js";

export type OrdersModuleOptions = OrderRouteDeps &
  Omit<Parameters<typeof registerOrderAdminRoutes>[1], "orders"> & {
    sweepers: Sweepers;
    /** This node sees every order (PGlite, or no shared bus): it loads the idempotency keys when ready. */
    ownsIdempotencyKeys: boolean;
  };

/** The buyer's and the merchant's order routes; holds expiring every second, old idempotency keys retired hourly. */
export const ordersModule: FastifyPluginAsync<OrdersModuleOptions> = async (app, opts) => {
  const { orders } = opts;
  registerOrderRoutes(app, opts);
  registerOrderAdminRoutes(app, opts);
  app.addHook("onReady", async () => {
    orders.sealSubscribers();
    if (opts.ownsIdempotencyKeys) await orders.loadIdempotencyKeys();
  });
  opts.sweepers.install(app, async (every) => {
    every(1000, () => orders.expireHolds());
    every(3600_000, () => orders.retireOldIdempotencyKeys());
    await orders.expireHolds();
  });
};

/** The order access rule for the whole app: other modules declare /api/orders/:orderId… routes too (coupons, mystery). */
export const orderAccessRule = appWide<{ access: OrderAccess }>(async (app, opts) => registerOrderAccessRule(app, opts.access));
