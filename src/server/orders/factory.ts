import { createHmac } from "node:crypto";
import type { BuyerService } from "../buyers/index.js";
import { type ModuleContext, type ModulePlugin, modulePlugin } from "../modules.js";
import type { OfferService } from "../offers/index.js";
import type { Outbox } from "../outbox/index.js";
import type { PaymentProvider, StripePaymentEvents } from "../payments/index.js";
import type { ShowService } from "../shows/index.js";
import { OrderAccess } from "./buyer-access.js";
import { orderAccessRule, ordersModule } from "./plugin.js";
import { OrderService } from "./service.js";

/**
 * Orders: checkout, payment, lifecycle. Other modules subscribe to its events in their own factories, called after
 * this one (`orders.on`, in the order of the factory calls); once the app is ready no subscriber can be added.
 */
export function createOrdersModule(
  ctx: ModuleContext,
  doors: {
    outbox: Outbox;
    offers: OfferService;
    shows: ShowService;
    buyers: BuyerService;
    payments: PaymentProvider;
    cardFingerprint(cardNumber: string): string;
  },
): {
  orders: OrderService;
  access: OrderAccess;
  /** What Stripe's webhook reports, for the payments module's plugin. */
  paymentEvents: StripePaymentEvents;
  plugin: ModulePlugin;
  /** The order access rule for the whole app (coupons and mystery declare /api/orders/:orderId… routes too). */
  accessRule: ModulePlugin;
} {
  const { db, clock, config, secretsKey, publicUrl } = ctx;
  const { offers, shows } = doors;
  const access = new OrderAccess(db, secretsKey);
  const orders = new OrderService({
    db,
    clock,
    offers,
    payments: doors.payments,
    holdMs: config.CART_HOLD_SECONDS * 1000,
    outbox: doors.outbox,
    cardFingerprint: doors.cardFingerprint,
    orderUrl: (orderId) => access.pageUrl(publicUrl, orderId),
  });
  const holdsPerAddress = ctx.rateLimits.limit({ name: "holds-address", points: Math.max(1, config.HOLDS_PER_ADDRESS_PER_MINUTE), windowSeconds: 60 });
  const holdsPerDevice = ctx.rateLimits.limit({ name: "holds-device", points: Math.max(1, config.HOLDS_PER_DEVICE_PER_MINUTE), windowSeconds: 60 });
  const plugin = modulePlugin("orders", ordersModule, {
    orders,
    buyers: doors.buyers,
    shows,
    access,
    clientKey: (identity) => createHmac("sha256", secretsKey).update(`order-client:${identity}`).digest("base64url").slice(0, 32),
    placementLimit: async (address, device) => {
      if (config.HOLDS_PER_ADDRESS_PER_MINUTE > 0) await holdsPerAddress.take(address);
      if (device && config.HOLDS_PER_DEVICE_PER_MINUTE > 0) await holdsPerDevice.take(device);
    },
    item: async (o) => {
      const [offer, show] = await Promise.all([offers.offer(o.offerId), shows.show(o.showId)]);
      // A bag's page names every line.
      const lines =
        o.lines.length > 1 ? await Promise.all(o.lines.map(async (l) => ({ offerId: l.offerId, title: (await offers.offer(l.offerId)).title }))) : null;
      return { title: offer.title, imageUrl: offer.imageUrl, showSlug: show.slug, showTitle: show.title, ...(lines ? { lines } : {}) };
    },
    offerTitle: async (offerId) => (await offers.offer(offerId)).title,
    offerTitles: (offerIds) => offers.titles(offerIds),
    sweepers: ctx.sweepers,
    // One node owns the orders when the database is PGlite, or when no shared bus is configured (several nodes need
    // REDIS_URL; without it they would not see each other's stock events either): its key set is then complete.
    ownsIdempotencyKeys: ctx.dbKind === "pglite" || ctx.busKind === "memory",
  });
  const paymentEvents: StripePaymentEvents = {
    succeeded: orders.settleProviderPayment.bind(orders),
    failed: orders.providerPaymentFailed.bind(orders),
  };
  return { orders, access, paymentEvents, plugin, accessRule: modulePlugin("order access", orderAccessRule, { access }) };
}
