// The orders module's door: what other modules may call or subscribe to.
export {
  OrderService,
  DEFAULT_HOLD_MS,
  DEFAULT_CLAIM_MS,
  cardInput,
  defaultCardFingerprint,
  type OrderDeps,
  type BuyerContext,
  type CardInput,
  type PlaceOrderResult,
} from "./service.js";
export type {
  OrderSubscribers,
  OrderSubscriptions,
  OrderEventName,
  PlacedOrder,
  OrderRefund,
  ReturnedUnits,
  PaidFacts,
  PaidSetWise,
  PlacedSetWise,
  RefundFacts,
} from "./events.js";
export { orderView, type OrderRow } from "./store.js";
export type { OrdersTables } from "./schema.js";
export { requestHash } from "./idempotency.js";
export { registerOrderRoutes } from "./routes.js";
export { registerOrderAdminRoutes } from "./admin-routes.js";
export { OrderAccess } from "./buyer-access.js";
export { ordersModule, orderAccessRule } from "./plugin.js";
export { createOrdersModule } from "./factory.js";
