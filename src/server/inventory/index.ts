export { Inventory, type Reservation, type SoldOutListener, type StockSource } from "./service.js";
