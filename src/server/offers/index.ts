export { OfferService, offerView, type PinEvent } from "./service.js";
export { registerOfferRoutes } from "./routes.js";
export type { Reservation } from "../inventory/index.js";
