export { MysteryService, nodeFairnessCrypto, type PoolItemInput } from "./service.js";
export { registerMysteryRoutes } from "./routes.js";
export { mysteryModule } from "./plugin.js";
export type { MysteryTables } from "./schema.js";
export { createMysteryModule } from "./factory.js";
