export { BuyerService, type SavedCheckout } from "./service.js";
export { registerBuyerRoutes } from "./routes.js";
