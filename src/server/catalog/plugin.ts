import type { FastifyPluginAsync } from "fastify";
import { registerMerchantListRoute } from "./merchants-routes.js";
import type { MerchantService } from "./merchants.js";
import { type CatalogRouteDeps, registerCatalogRoutes } from "./routes.js";
import { registerShopRoutes } from "./shop-routes.js";

export type CatalogModuleOptions = CatalogRouteDeps & Parameters<typeof registerMerchantListRoute>[1] & { merchants: MerchantService };

/** The merchant admin's catalog (products, variants, pictures, its shows' overview) and the list of merchants. */
export const catalogModule: FastifyPluginAsync<CatalogModuleOptions> = async (app, opts) => {
  registerMerchantListRoute(app, opts);
  registerCatalogRoutes(app, opts);
  registerShopRoutes(app, opts);
};
