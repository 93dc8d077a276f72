export { OfferService, offerView, type Reservation } from "./service.js";
