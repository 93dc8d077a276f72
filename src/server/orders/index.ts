export { OrderService, orderView, requestHash } from "./service.js";
