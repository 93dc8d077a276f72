import { type ModuleContext, type ModulePlugin, modulePlugin } from "../modules.js";
import type { ShowService } from "../shows/index.js";
import { hostPageMeta, shopPageMeta } from "./page-meta.js";
import { followsModule } from "./plugin.js";
import type { FollowRouteDeps } from "./routes.js";
import { FollowService } from "./service.js";

/** Follows of hosts and shops. */
export function createFollowsModule(
  ctx: ModuleContext,
  doors: {
    shows: ShowService;
    catalog: { merchantName(merchantId: string): Promise<string> };
    /** Catalog's shops: a shop's page by its slug. */
    merchants: { bySlug: FollowRouteDeps["shopBySlug"] };
  },
): { follows: FollowService; plugin: ModulePlugin } {
  const { shows, catalog } = doors;
  const follows = new FollowService(ctx.db, ctx.clock, {
    nameOf: async (target, id) => (target === "host" ? shows.hostName(id) : (await catalog.merchantName(id)) || null),
  });
  const profileMeta = {
    shopBySlug: (slug: string) => doors.merchants.bySlug(slug),
    hostName: (id: string) => shows.hostName(id),
    followers: (target: "shop" | "host", id: string) => follows.count(target, id),
  };
  ctx.pageMeta.registerPageMeta("/shops/:slug", shopPageMeta(profileMeta));
  ctx.pageMeta.registerPageMeta("/hosts/:id", hostPageMeta(profileMeta));
  return { follows, plugin: modulePlugin("follows", followsModule, { follows, shows, shopBySlug: (slug) => doors.merchants.bySlug(slug) }) };
}
