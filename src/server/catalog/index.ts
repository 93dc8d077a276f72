export { CatalogService, productView, productImageUrl, variantLabel, type Product, type Variant } from "./service.js";
// Until orders reserve through the inventory (the auction award): variant stock is the inventory's.
export { takeVariantStock as reserveVariantStock } from "../inventory/index.js";
export { vatIncluded } from "./vat.js";
export { storeProductImage, MAX_IMAGE_BYTES } from "./images.js";
