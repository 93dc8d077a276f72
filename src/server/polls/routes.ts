import type { FastifyInstance } from "fastify";
import { createPollBody, votePollBody } from "../../protocol/api.js";
import { requireAccount } from "../accounts/index.js";
import { registerStagedGameRoutes } from "../games/index.js";
import { parseWith } from "../http/validate.js";
import type { ShowService } from "../shows/index.js";
import type { PollService } from "./service.js";

// Studio controls need the show's host or merchant; voting needs a signed-in account (no guests: one vote per
// account is the rule); reading a poll is public (counts hidden while a Eurovision-style poll is open).
export function registerPollRoutes(app: FastifyInstance, deps: { polls: PollService; shows: ShowService }) {
  const { polls, shows } = deps;
  registerStagedGameRoutes(app, shows, polls, { path: "polls", one: "poll", param: "pollId", createBody: createPollBody });

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
