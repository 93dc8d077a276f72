export type { ShowsTables } from "./schema.js";
export { ShowService, canManage, requireMerchantStaff, newStreamKey, type Show } from "./service.js";
export { registerShowRoutes, showCoverUrl } from "./routes.js";
export { registerShowAdminRoutes } from "./admin-routes.js";
export { showsModule } from "./plugin.js";
export { ShowPlanner, slugFrom } from "./planner.js";
export { showPageMeta } from "./page-meta.js";
export { ShowDiscovery, UPCOMING_GRACE_MS, type DiscoverFilter } from "./discover.js";
export type { DiscoverReads } from "./schema.js";
