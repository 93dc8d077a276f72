export { PollService, type PollInput } from "./service.js";
export { registerPollRoutes } from "./routes.js";
