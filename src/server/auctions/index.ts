export { AuctionService, applyBid, auctionView, bidderKey, maskName, DEFAULT_SOFT_CLOSE_SECONDS } from "./service.js";
export { registerAuctionRoutes } from "./routes.js";
export { auctionsModule } from "./plugin.js";
export { createAuctionsModule } from "./factory.js";
