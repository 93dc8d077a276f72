export { OfferService, offerView, type PinEvent } from "./service.js";
export { registerOfferRoutes } from "./routes.js";
export type { Reservation } from "../inventory/index.js";
export type { OffersTables } from "./schema.js";
export { LineupService, DEFAULT_LINEUP_DURATION_SECONDS } from "./lineup.js";
export { registerLineupRoutes } from "./lineup-routes.js";
export { offersModule } from "./plugin.js";
export { createOffersModule } from "./factory.js";
