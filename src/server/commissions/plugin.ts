import { appWide } from "../http/app-wide.js";
import type { Sweepers } from "../http/sweepers.js";
import type { PayoutScheduler } from "./payout-scheduler.js";
import { type CommissionRouteDeps, registerCommissionRoutes } from "./routes.js";

export type CommissionsModuleOptions = CommissionRouteDeps & {
  sweepers: Sweepers;
  /** The monthly payout run (PAYOUTS_MONTHLY), checked every minute; null: payouts are started by hand. */
  monthlyPayouts: PayoutScheduler | null;
};

/**
 * Commission rules, earnings, payouts and statements; commissions maturing checked every minute. For the whole app:
 * a host's share link (`/shows/:slug?ref=…`) sets its cookie on the page route, which is the web's.
 */
export const commissionsModule = appWide<CommissionsModuleOptions>(async (app, opts) => {
  registerCommissionRoutes(app, opts);
  opts.sweepers.install(app, (every) => {
    every(60_000, () => opts.commissions.matureDue());
    const payouts = opts.monthlyPayouts;
    if (payouts) every(60_000, () => payouts.runDue());
  });
});
