import type { FastifyInstance } from "fastify";
import { createDestinationBody } from "../../protocol/api.js";
import { requireAccount } from "../accounts/index.js";
import { parseWith } from "../http/validate.js";
import type { ShowService } from "../shows/index.js";
import type { SimulcastService } from "./service.js";

type Params = { showId: string; destinationId: string };

/** /api/studio/shows/:showId/destinations — the show's host, merchant or an admin. */
export function registerSimulcastRoutes(app: FastifyInstance, deps: { simulcast: SimulcastService; shows: ShowService }) {
  const { simulcast, shows } = deps;
  const base = "/api/studio/shows/:showId/destinations";

  app.get<{ Params: Params }>(base, async (req, reply) => {
    const show = await shows.requireManager(requireAccount(req), req.params.showId);
    reply.header("Cache-Control", "no-store");
    return { destinations: await simulcast.list(show.id) };
  });

  app.post<{ Params: Params }>(base, async (req, reply) => {
    const show = await shows.requireManager(requireAccount(req), req.params.showId);
    const body = parseWith(createDestinationBody, req.body);
    return reply
      .status(201)
      .header("Cache-Control", "no-store")
      .send({ destination: await simulcast.create(show.id, body) });
  });

  app.delete<{ Params: Params }>(`${base}/:destinationId`, async (req) => {
    const show = await shows.requireManager(requireAccount(req), req.params.showId);
    await simulcast.remove(show.id, req.params.destinationId);
    return { ok: true };
  });

  for (const [action, enabled] of [
    ["enable", true],
    ["disable", false],
  ] as const) {
    app.post<{ Params: Params }>(`${base}/:destinationId/${action}`, async (req) => {
      const show = await shows.requireManager(requireAccount(req), req.params.showId);
      return { destination: await simulcast.setEnabled(show.id, req.params.destinationId, enabled) };
    });
  }
}
