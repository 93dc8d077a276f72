import type { FastifyInstance } from "fastify";
import { createPollBody, votePollBody } from "../../protocol/api.js";
import { requireAccount } from "../accounts/index.js";
import { parseWith } from "../http/validate.js";
import type { ShowService } from "../shows/index.js";
import type { PollService } from "./service.js";

// Studio controls need the show's host or merchant; voting needs a signed-in account (no guests: one vote per
// account is the rule); reading a poll is public (counts hidden while a Eurovision-style poll is open).
export function registerPollRoutes(app: FastifyInstance, deps: { polls: PollService; shows: ShowService }) {
  const { polls, shows } = deps;
  const managed = async (req: { params: { pollId: string } } & Parameters<typeof requireAccount>[0]) => {
    const account = requireAccount(req);
    await shows.requireManager(account, await polls.showIdOf(req.params.pollId));
    return account;
  };

  app.post<{ Params: { showId: string } }>("/api/studio/shows/:showId/polls", async (req, reply) => {
    const account = requireAccount(req);
    const show = await shows.requireManager(account, req.params.showId);
    const body = parseWith(createPollBody, req.body);
    return reply.status(201).send({ poll: await polls.create(show, account, body) });
  });
  app.get<{ Params: { showId: string } }>("/api/studio/shows/:showId/polls", async (req) => {
    const show = await shows.requireManager(requireAccount(req), req.params.showId);
    return { polls: await polls.list(show.id) };
  });
  app.post<{ Params: { pollId: string } }>("/api/studio/polls/:pollId/open", async (req) => ({ poll: await polls.open(req.params.pollId, await managed(req)) }));
  app.post<{ Params: { pollId: string } }>("/api/studio/polls/:pollId/close", async (req) => ({ poll: await polls.close(req.params.pollId, (await managed(req)).id) }));
  app.get<{ Params: { pollId: string } }>("/api/studio/polls/:pollId/audit", async (req) => {
    await managed(req);
    return { audit: await polls.auditLog(req.params.pollId) };
  });

  app.get<{ Params: { showId: string } }>("/api/shows/:showId/polls/current", async (req) => {
    const show = await shows.show(req.params.showId);
    return { poll: await polls.current(show.id) };
  });
  app.post<{ Params: { pollId: string } }>("/api/polls/:pollId/votes", async (req, reply) => {
    const account = requireAccount(req);
    const body = parseWith(votePollBody, req.body);
    return reply.status(201).send({ vote: await polls.vote(req.params.pollId, account, body.optionId) });
  });
  app.get<{ Params: { pollId: string } }>("/api/polls/:pollId/votes/me", async (req) => {
    const account = requireAccount(req);
    return { vote: await polls.myVote(req.params.pollId, account.id) };
  });
}
