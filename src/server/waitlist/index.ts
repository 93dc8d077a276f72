export { WaitlistService, entryKey } from "./service.js";
export { registerWaitlistRoutes } from "./routes.js";
