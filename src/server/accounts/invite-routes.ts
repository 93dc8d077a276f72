import type { FastifyInstance } from "fastify";
import { acceptInviteBody, inviteBody } from "../../protocol/api.js";
import { parseWith } from "../http/validate.js";
import type { InviteService } from "./invites.js";
import { publicAccount, requireAccount, setSessionCookie } from "./routes.js";

export function registerInviteRoutes(app: FastifyInstance, deps: { invites: InviteService; secureCookie: boolean }) {
  const { invites } = deps;
  app.post("/api/admin/invites", async (req, reply) => {
    // Who asks before what they sent: an anonymous caller learns nothing about the body's rules.
    const account = requireAccount(req);
    const body = parseWith(inviteBody, req.body);
    return reply.status(201).send({ invite: await invites.invite(account, body) });
  });
  app.get("/api/admin/invites", async (req) => ({ invites: await invites.list(requireAccount(req)) }));
  app.delete<{ Params: { inviteId: string } }>("/api/admin/invites/:inviteId", async (req) => {
    await invites.revoke(requireAccount(req), req.params.inviteId);
    return { ok: true };
  });
  app.post("/api/auth/accept-invite", async (req, reply) => {
    const body = parseWith(acceptInviteBody, req.body);
    const { account, token, expiresAt } = await invites.accept(body.token, body);
    setSessionCookie(reply, token, expiresAt, deps.secureCookie);
    return reply.status(201).send({ account: publicAccount(account) });
  });
}
