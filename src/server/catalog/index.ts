export type { CatalogTables } from "./schema.js";
export { CatalogService, productView, productImageUrl, variantLabel, type Product, type Variant } from "./service.js";
export { vatIncluded } from "./vat.js";
export { storeProductImage, storeImage, ownedImageUrl, MAX_IMAGE_BYTES, IMAGE_CONTENT_TYPES } from "./images.js";
export { registerCatalogRoutes } from "./routes.js";
export { registerMerchantListRoute } from "./merchants-routes.js";
export { catalogModule } from "./plugin.js";
export { MerchantService, DEFAULT_TIME_ZONE } from "./merchants.js";
export { registerShopRoutes } from "./shop-routes.js";
