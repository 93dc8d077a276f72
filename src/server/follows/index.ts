export type { FollowsTables } from "./schema.js";
export { FollowService, type Follower, type FollowTargets } from "./service.js";
export { followsModule } from "./plugin.js";
export { shopPageMeta, hostPageMeta, type ProfilePageMetaDeps } from "./page-meta.js";
export { createFollowsModule } from "./factory.js";
