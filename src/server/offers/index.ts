export { OfferService, offerView, type PinEvent } from "./service.js";
export type { Reservation } from "../inventory/index.js";
