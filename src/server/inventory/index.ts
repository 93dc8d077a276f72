export { Inventory, takeVariantStock, type Reservation, type SoldOutListener, type StockSource } from "./service.js";
