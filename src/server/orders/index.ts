export { OrderService, orderView, requestHash, type OrderHooks, type OrderRow } from "./service.js";
