import { type ModuleContext, type ModulePlugin, modulePlugin } from "../modules.js";
import { MerchantService } from "./merchants.js";
import { catalogModule } from "./plugin.js";
import type { CatalogRouteDeps } from "./routes.js";
import { CatalogService } from "./service.js";

/**
 * Products and shops. Built before the modules that sell them; its admin routes (a product's shows, sales and
 * earnings) need doors of modules built later, so its plugin takes them when it is registered.
 */
export function createCatalogModule(ctx: ModuleContext): {
  catalog: CatalogService;
  merchants: MerchantService;
  plugin(later: Pick<CatalogRouteDeps, "shows" | "offers" | "orders" | "commissions">): ModulePlugin;
} {
  const catalog = new CatalogService(ctx.db, ctx.clock);
  const merchants = new MerchantService(ctx.db, ctx.clock);
  return {
    catalog,
    merchants,
    plugin: (later) => modulePlugin("catalog", catalogModule, { catalog, merchants, ...later, mediaDir: ctx.config.mediaDir }),
  };
}
