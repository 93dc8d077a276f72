import type { FastifyInstance } from "fastify";
import { createGiveawayBody, enterGiveawayBody } from "../../protocol/api.js";
import { requireAccount } from "../accounts/index.js";
import { parseWith } from "../http/validate.js";
import type { ShowService } from "../shows/index.js";
import type { GiveawayService } from "./service.js";

// Studio controls need the show's host or merchant (shows.requireManager); entering needs a signed-in account;
// reading a giveaway and its verification data is public.
export function registerGiveawayRoutes(app: FastifyInstance, deps: { giveaways: GiveawayService; shows: ShowService }) {
  const { giveaways, shows } = deps;
  const managed = async (req: { params: { giveawayId: string } } & Parameters<typeof requireAccount>[0]) => {
    const account = requireAccount(req);
    await shows.requireManager(account, await giveaways.showIdOf(req.params.giveawayId));
    return account;
  };

  app.post<{ Params: { showId: string } }>("/api/studio/shows/:showId/giveaways", async (req, reply) => {
    const account = requireAccount(req);
    const show = await shows.requireManager(account, req.params.showId);
    const body = parseWith(createGiveawayBody, req.body);
    return reply.status(201).send({ giveaway: await giveaways.create(show, account, body) });
  });
  app.get<{ Params: { showId: string } }>("/api/studio/shows/:showId/giveaways", async (req) => {
    const show = await shows.requireManager(requireAccount(req), req.params.showId);
    return { giveaways: await giveaways.list(show.id) };
  });
  app.post<{ Params: { giveawayId: string } }>("/api/studio/giveaways/:giveawayId/open", async (req) => ({ giveaway: await giveaways.open(req.params.giveawayId, await managed(req)) }));
  app.post<{ Params: { giveawayId: string } }>("/api/studio/giveaways/:giveawayId/close", async (req) => ({ giveaway: await giveaways.close(req.params.giveawayId, (await managed(req)).id) }));
  app.post<{ Params: { giveawayId: string } }>("/api/studio/giveaways/:giveawayId/draw", async (req) => ({ giveaway: await giveaways.draw(req.params.giveawayId, await managed(req)) }));
  app.get<{ Params: { giveawayId: string } }>("/api/studio/giveaways/:giveawayId/audit", async (req) => {
    await managed(req);
    return { audit: await giveaways.auditLog(req.params.giveawayId) };
  });

  app.get<{ Params: { showId: string } }>("/api/shows/:showId/giveaways/current", async (req) => {
    const show = await shows.show(req.params.showId);
    return { giveaway: await giveaways.current(show.id) };
  });
  app.get<{ Params: { giveawayId: string } }>("/api/giveaways/:giveawayId/verification", async (req) => ({ verification: await giveaways.verification(req.params.giveawayId) }));
  app.post<{ Params: { giveawayId: string } }>("/api/giveaways/:giveawayId/entries", async (req, reply) => {
    const account = requireAccount(req);
    const body = parseWith(enterGiveawayBody, req.body ?? {});
    const show = await shows.show(await giveaways.showIdOf(req.params.giveawayId));
    return reply.status(201).send({ entry: await giveaways.enter(req.params.giveawayId, account, body, "button", show) });
  });
  app.get<{ Params: { giveawayId: string } }>("/api/giveaways/:giveawayId/entries/me", async (req) => {
    const account = requireAccount(req);
    return { entry: await giveaways.myEntry(req.params.giveawayId, account.id) };
  });
}
