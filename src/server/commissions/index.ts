export { CommissionService, commissionFor } from "./service.js";
export { PayoutService, statementCsv, statementPdf } from "./payouts.js";
export { PayoutScheduler } from "./payout-scheduler.js";
export { StripeConnectTransfers, type PayoutTransfers } from "./stripe-connect.js";
export { registerCommissionRoutes } from "./routes.js";
export { REF_COOKIE, SHARE_CODE } from "./attribution.js";
export { commissionsModule } from "./plugin.js";
export { createCommissionsModule } from "./factory.js";
