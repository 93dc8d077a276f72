export { CatalogService, productView, type Product } from "./service.js";
