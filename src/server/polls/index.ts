export { PollService, type PollInput } from "./service.js";
export { registerPollRoutes } from "./routes.js";
export { pollsModule } from "./plugin.js";
export { createPollsModule } from "./factory.js";
