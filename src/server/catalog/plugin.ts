import type { FastifyPluginAsync } from "fastify";
import { registerMerchantListRoute } from "./merchants-routes.js";
import { type CatalogRouteDeps, registerCatalogRoutes } from "./routes.js";

export type CatalogModuleOptions = CatalogRouteDeps & Parameters<typeof registerMerchantListRoute>[1];

/** The merchant admin's catalog (products, variants, pictures, its shows' overview) and the list of merchants. */
export const catalogModule: FastifyPluginAsync<CatalogModuleOptions> = async (app, opts) => {
  registerMerchantListRoute(app, opts);
  registerCatalogRoutes(app, opts);
};
