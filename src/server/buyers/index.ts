export { BuyerService, type SavedCheckout } from "./service.js";
export { registerBuyerRoutes } from "./routes.js";
export { buyersModule } from "./plugin.js";
export { createBuyersModule } from "./factory.js";
