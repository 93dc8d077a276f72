import type { FastifyInstance } from "fastify";
import { acceptInviteBody, adminMerchantQuery, inviteBody, inviteInfoBody } from "../../protocol/api.js";
import { parseWith } from "../http/validate.js";
import { AppError } from "../platform/errors.js";
import { InviteService } from "./invites.js";
import { publicAccount, requireAccount, setSessionCookie } from "./routes.js";

export function registerInviteRoutes(app: FastifyInstance, deps: { invites: InviteService; secureCookie: boolean }) {
  const { invites } = deps;
  app.post("/api/admin/invites", async (req, reply) => {
    // Who asks before what they sent: an anonymous caller learns nothing about the body's rules.
    const account = requireAccount(req);
    if (account.role !== "admin") InviteService.requireOwner(account);
    const body = parseWith(inviteBody, req.body);
    return reply.status(201).send({ invite: await invites.invite(account, body) });
  });
  app.get("/api/admin/invites", async (req) => {
    const account = requireAccount(req);
    const query = parseWith(adminMerchantQuery, req.query ?? {}, "invalid_query");
    return { invites: await invites.list(account, query.merchantId) };
  });
  app.delete<{ Params: { inviteId: string } }>("/api/admin/invites/:inviteId", async (req) => {
    await invites.revoke(requireAccount(req), req.params.inviteId);
    return { ok: true };
  });
  // The accept page asks what the invite is before showing a form (the token holder is the mailbox's owner).
  app.post("/api/auth/invite-info", async (req) => ({ invite: await invites.info(parseWith(inviteInfoBody, req.body).token) }));
  app.post("/api/auth/accept-invite", async (req, reply) => {
    const body = parseWith(acceptInviteBody, req.body);
    if (body.password === undefined || body.displayName === undefined) {
      // No new account: a signed-in host joins another shop.
      if (body.password !== undefined || body.displayName !== undefined)
        throw new AppError("invalid_body", "password and displayName: both for a new account, neither when signed in");
      const account = await invites.acceptAsMember(body.token, req.account);
      return { account: publicAccount(account) };
    }
    const { account, token, expiresAt } = await invites.accept(body.token, { password: body.password, displayName: body.displayName });
    setSessionCookie(reply, token, expiresAt, deps.secureCookie);
    return reply.status(201).send({ account: publicAccount(account) });
  });
}
