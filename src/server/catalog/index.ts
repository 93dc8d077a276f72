export { CatalogService, productView, productImageUrl, variantLabel, type Product, type Variant } from "./service.js";
export { vatIncluded } from "./vat.js";
export { storeProductImage, MAX_IMAGE_BYTES } from "./images.js";
export { registerCatalogRoutes } from "./routes.js";
export { registerMerchantListRoute } from "./merchants-routes.js";
export { catalogModule } from "./plugin.js";
