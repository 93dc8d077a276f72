import type { FastifyInstance } from "fastify";
import { type LineupPreviewItem, addLineupItemBody, openLineupBody, reorderLineupBody } from "../../protocol/api.js";
import { requireAccount } from "../accounts/index.js";
import { parseWith } from "../http/validate.js";
import type { ShowService } from "../shows/index.js";
import type { LineupService } from "./lineup.js";

/**
 * The studio's line-up: the show's host, the merchant's owner and staff, and admins (ShowService.requireManager, the
 * rule of every /api/studio route). Who asks is checked before what they sent.
 */
export function registerLineupRoutes(app: FastifyInstance, deps: { lineup: LineupService; shows: ShowService }) {
  const { lineup, shows } = deps;
  type P = { Params: { showId: string } };
  type PI = { Params: { showId: string; itemId: string } };

  // Anyone: a scheduled show's page previews what it will sell (titles, pictures, prices; no stock, no settings).
  app.get<{ Params: { idOrSlug: string } }>("/api/shows/:idOrSlug/lineup", async (req): Promise<{ items: LineupPreviewItem[] }> => {
    const show = await shows.show(req.params.idOrSlug);
    const items = await lineup.items(show);
    return { items: items.map((i) => ({ title: i.title, imageUrl: i.imageUrl, price: i.price, showPrice: i.showPrice, currency: i.currency })) };
  });

  app.get<P>("/api/studio/shows/:showId/lineup", async (req) => {
    const show = await shows.requireManager(requireAccount(req), req.params.showId);
    return { lineup: { showId: show.id, items: await lineup.items(show) } };
  });

  app.post<P>("/api/studio/shows/:showId/lineup", async (req, reply) => {
    const show = await shows.requireManager(requireAccount(req), req.params.showId);
    const body = parseWith(addLineupItemBody, req.body);
    return reply.status(201).send({ item: await lineup.add(show, body) });
  });

  app.put<P>("/api/studio/shows/:showId/lineup/order", async (req) => {
    const show = await shows.requireManager(requireAccount(req), req.params.showId);
    const body = parseWith(reorderLineupBody, req.body);
    return { lineup: { showId: show.id, items: await lineup.reorder(show, body.itemIds) } };
  });

  app.post<P>("/api/studio/shows/:showId/lineup/pin-next", async (req) => {
    const show = await shows.requireManager(requireAccount(req), req.params.showId);
    return lineup.pinNext(show);
  });

  app.post<P>("/api/studio/shows/:showId/lineup/open", async (req) => {
    const show = await shows.requireManager(requireAccount(req), req.params.showId);
    const body = parseWith(openLineupBody, req.body ?? {});
    return { lineup: { showId: show.id, items: await lineup.open(show, body.itemIds) } };
  });

  app.post<PI>("/api/studio/shows/:showId/lineup/:itemId/pin", async (req) => {
    const show = await shows.requireManager(requireAccount(req), req.params.showId);
    return lineup.pin(show, req.params.itemId);
  });

  app.delete<PI>("/api/studio/shows/:showId/lineup/:itemId", async (req) => {
    const show = await shows.requireManager(requireAccount(req), req.params.showId);
    await lineup.remove(show, req.params.itemId);
    return { ok: true };
  });
}
