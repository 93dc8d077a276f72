import type { FastifyInstance } from "fastify";
import { createMysteryPoolBody, mysterySettingsBody } from "../../protocol/api.js";
import { requireAccount } from "../accounts/index.js";
import type { CatalogService } from "../catalog/index.js";
import { merchantProduct, registerGameRoutes, registerStudioActions } from "../games/index.js";
import { parseWith } from "../http/validate.js";
import { type ShowService, requireMerchantStaff } from "../shows/index.js";
import type { MysteryService, PoolItemInput } from "./service.js";

export function registerMysteryRoutes(app: FastifyInstance, deps: { mystery: MysteryService; shows: ShowService; catalog: CatalogService }) {
  const { mystery, shows, catalog } = deps;

  // Studio: the show's host, the merchant's owner/staff, admins. Viewers: pools with their items and odds (shown
  // before buying), the seed once revealed.
  registerGameRoutes(app, shows, {
    path: "mystery",
    one: "pool",
    many: "pools",
    create: async (show, account, raw) => {
      const body = parseWith(createMysteryPoolBody, raw);
      const items: PoolItemInput[] = [];
      for (const [n, i] of body.items.entries()) {
        const { product, variant } = await merchantProduct(catalog, show, i, `items.${n}.`);
        items.push({ product, variant, oddsBp: i.oddsBp, quantity: i.quantity });
      }
      const { items: _, ...pool } = body;
      return mystery.create(show.id, account.id, pool, items);
    },
    list: (showId) => mystery.ofShow(showId),
    live: async (showId) => (await mystery.ofShow(showId)).filter((p) => p.status === "open"),
  });
  const managed = registerStudioActions(app, shows, {
    path: "mystery",
    param: "poolId",
    one: "pool",
    find: (id) => mystery.pool(id),
    actions: { close: (id) => mystery.close(id) },
  });

  // The full audit (every draw with its order id) is for the show's managers: order ids open orders.
  app.get<{ Params: { poolId: string } }>("/api/studio/mystery/:poolId/audit", async (req) => {
    const { game: pool } = await managed(req, req.params.poolId);
    return { pool, ...(await mystery.audit(pool.id)) };
  });

  // The merchant's 18+ switch, from a show's studio: its managers read it; the merchant's owner/staff (or an admin) set it.
  app.get<{ Params: { showId: string } }>("/api/studio/shows/:showId/mystery-settings", async (req) => {
    const show = await shows.requireManager(requireAccount(req), req.params.showId);
    return { settings: await mystery.settings(show.merchantId) };
  });

  app.patch<{ Params: { showId: string } }>("/api/studio/shows/:showId/mystery-settings", async (req) => {
    const account = requireAccount(req);
    const show = await shows.requireManager(account, req.params.showId);
    requireMerchantStaff(account, show.merchantId);
    const body = parseWith(mysterySettingsBody, req.body);
    return { settings: await mystery.setSettings(show.merchantId, body.adultOnly) };
  });

  app.get<{ Params: { poolId: string } }>("/api/mystery/:poolId", async (req) => ({ pool: await mystery.pool(req.params.poolId) }));

  // Same rule as GET /api/orders/:orderId: the unguessable order id opens it. The buyer's draws, to reveal and verify.
  app.get<{ Params: { orderId: string } }>("/api/orders/:orderId/mystery", async (req) => {
    const draws = await mystery.drawsOfOrder(req.params.orderId);
    const poolId = draws.length ? await mystery.poolIdOfOrder(req.params.orderId) : null;
    return { draws, pool: poolId ? await mystery.pool(poolId) : null };
  });
}
