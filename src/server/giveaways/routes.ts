import type { FastifyInstance } from "fastify";
import { createGiveawayBody, enterGiveawayBody } from "../../protocol/api.js";
import { requireAccount } from "../accounts/index.js";
import { registerGameRoutes, registerStudioActions } from "../games/index.js";
import { parseWith } from "../http/validate.js";
import type { ShowService } from "../shows/index.js";
import type { GiveawayService } from "./service.js";

// Studio controls need the show's host or merchant (shows.requireManager); entering needs a signed-in account;
// reading a giveaway and its verification data is public.
export function registerGiveawayRoutes(app: FastifyInstance, deps: { giveaways: GiveawayService; shows: ShowService }) {
  const { giveaways, shows } = deps;
  registerGameRoutes(app, shows, {
    path: "giveaways",
    one: "giveaway",
    many: "giveaways",
    create: (show, account, body) => giveaways.create(show, account, parseWith(createGiveawayBody, body)),
    list: (showId) => giveaways.list(showId),
    current: (showId) => giveaways.current(showId),
  });
  const managed = registerStudioActions(app, shows, {
    path: "giveaways",
    param: "giveawayId",
    one: "giveaway",
    find: async (id) => ({ showId: await giveaways.showIdOf(id) }),
    actions: {
      open: (id, account) => giveaways.open(id, account),
      close: (id, account) => giveaways.close(id, account.id),
      draw: (id, account) => giveaways.draw(id, account),
    },
  });
  app.get<{ Params: { giveawayId: string } }>("/api/studio/giveaways/:giveawayId/audit", async (req) => {
    await managed(req, req.params.giveawayId);
    return { audit: await giveaways.auditLog(req.params.giveawayId) };
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
