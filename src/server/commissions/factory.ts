import type { AccountService, Memberships } from "../accounts/index.js";
import { type ModuleContext, type ModulePlugin, modulePlugin } from "../modules.js";
import type { OrderSubscriptions } from "../orders/index.js";
import type { ShowService } from "../shows/index.js";
import { PayoutScheduler } from "./payout-scheduler.js";
import { PayoutService } from "./payouts.js";
import { commissionsModule } from "./plugin.js";
import { CommissionService } from "./service.js";
import { StripeConnectTransfers } from "./stripe-connect.js";

/**
 * Commissions, the ledger and payouts. The last orders subscriber (attributed when placed, written when paid,
 * reversed when refunding): its factory is called after the other subscribers'.
 */
export function createCommissionsModule(
  ctx: ModuleContext,
  doors: { accounts: AccountService; memberships: Memberships; orders: OrderSubscriptions; shows: ShowService },
): { commissions: CommissionService; payouts: PayoutService; plugin: ModulePlugin } {
  const { db, clock, config } = ctx;
  const { memberships, shows } = doors;
  const commissions = new CommissionService(db, clock, { bus: ctx.bus, displayNames: (ids) => memberships.displayNames(ids) });
  // Host payouts: SEPA files always; Stripe Connect transfers when a Stripe key is configured.
  const payouts = new PayoutService(
    db,
    clock,
    doors.accounts,
    config.STRIPE_SECRET_KEY
      ? new StripeConnectTransfers({ secretKey: config.STRIPE_SECRET_KEY, apiBase: config.STRIPE_API_BASE, timeoutMs: config.STRIPE_TIMEOUT_MS })
      : null,
  );
  // Monthly runs: SEPA for every merchant with a bank account, then Stripe Connect when configured (see payout-scheduler.ts).
  const scheduler = new PayoutScheduler(db, clock, payouts, {
    methods: config.STRIPE_SECRET_KEY ? ["sepa", "stripe"] : ["sepa"],
    log: ctx.log.child({ module: "payouts" }),
  });
  commissions.subscribeToOrders(doors.orders, shows);
  const plugin = modulePlugin("commissions", commissionsModule, {
    commissions,
    payouts,
    monthlyPayouts: config.PAYOUTS_MONTHLY ? scheduler : null,
    shows,
    clock,
    secureCookie: config.cookieSecure,
    publicUrl: ctx.publicUrl,
    publicOrigin: config.PUBLIC_URL ? new URL(config.PUBLIC_URL).origin : null,
    sweepers: ctx.sweepers,
    displayNames: (ids: string[]) => memberships.displayNames(ids),
  });
  return { commissions, payouts, plugin };
}
