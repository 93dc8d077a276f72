export { PushService, topicFor, MAX_SUBSCRIPTIONS_PER_OWNER, type PushDeps, type PushableNotice, type PushableRecipient } from "./service.js";
export { PushSubscriptionAccess, PUSH_TOKEN_HEADER } from "./access.js";
export { loadVapidKeys, VAPID_FILE, type VapidKeys, type Sealer } from "./vapid.js";
export { pushModule } from "./plugin.js";
export type { PushTables } from "./schema.js";
export { createPushModule } from "./factory.js";
