export { GiveawayService, nodeFairnessCrypto, type GiveawayInput } from "./service.js";
export { registerGiveawayRoutes } from "./routes.js";
export { giveawaysModule } from "./plugin.js";
export { createGiveawaysModule } from "./factory.js";
