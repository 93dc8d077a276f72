export { OfferService, offerView, type PinEvent, type Reservation } from "./service.js";
