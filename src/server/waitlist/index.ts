export { WaitlistService, entryKey, type JoinOutcome } from "./service.js";
export { registerWaitlistRoutes } from "./routes.js";
export { WaitlistEntryAccess, WAITLIST_TOKEN_HEADER } from "./entry-access.js";
export { waitlistModule } from "./plugin.js";
export { createWaitlistModule } from "./factory.js";
