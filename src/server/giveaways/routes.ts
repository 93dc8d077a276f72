import type { FastifyInstance } from "fastify";
import { createGiveawayBody, enterGiveawayBody } from "../../protocol/api.js";
import { requireAccount } from "../accounts/index.js";
import { registerStagedGameRoutes } from "../games/index.js";
import { parseWith } from "../http/validate.js";
import type { ShowService } from "../shows/index.js";
import type { GiveawayService } from "./service.js";

// Studio controls need the show's host or merchant (shows.requireManager); entering needs a signed-in account;
// reading a giveaway and its verification data is public.
export function registerGiveawayRoutes(app: FastifyInstance, deps: { giveaways: GiveawayService; shows: ShowService }) {
  const { giveaways, shows } = deps;
  registerStagedGameRoutes(app, shows, giveaways, {
    path: "giveaways",
    one: "giveaway",
    param: "giveawayId",
    createBody: createGiveawayBody,
    more: { draw: (id, account) => giveaways.draw(id, account) },
  });

  app.get<{ Params: { giveawayId: string } }>("/api/giveaways/:giveawayId/verification", async (req) => ({
    verification: await giveaways.verification(req.params.giveawayId),
  }));
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
