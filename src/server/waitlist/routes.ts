import type { FastifyInstance, FastifyRequest } from "fastify";
import { joinWaitlistBody } from "../../protocol/api.js";
import { parseWith } from "../http/validate.js";
import { AppError } from "../platform/errors.js";
import { WAITLIST_TOKEN_HEADER, type WaitlistEntryAccess } from "./entry-access.js";
import type { WaitlistService } from "./service.js";

// Anyone may join a sold-out offer's waitlist (a signed-in account's email is used when none is given). The entry is
// then reached with its token (X-Waitlist-Token), given only to the browser that made the entry and, by email link,
// to its address — or with the session of the account that joined. An email is never enough.
export function registerWaitlistRoutes(
  app: FastifyInstance,
  deps: { waitlist: WaitlistService; access: WaitlistEntryAccess; orderToken: (orderId: string) => string; rateLimit?: (req: FastifyRequest) => Promise<void> },
) {
  const { waitlist, access } = deps;

  /** The one rule for an entry: its token, or the session of the account that joined; a wrong token is refused. */
  async function requireEntryAccess(req: FastifyRequest, entryId: string): Promise<void> {
    const owner = await waitlist.ownerAccountId(entryId);
    const token = req.headers[WAITLIST_TOKEN_HEADER];
    if (token !== undefined) {
      if (!access.verify(entryId, typeof token === "string" ? token : undefined))
        throw new AppError("waitlist_access_denied", "This waitlist link is not valid.");
      return;
    }
    if (owner && req.account?.id === owner) return;
    throw new AppError("waitlist_access_denied");
  }

  app.post<{ Params: { offerId: string } }>("/api/offers/:offerId/waitlist", async (req, reply) => {
    const body = parseWith(joinWaitlistBody, req.body ?? {});
    const email = body.email ?? req.account?.email;
    if (!email) throw new AppError("invalid_body", "email: required when not signed in", [{ path: "email", message: "required" }]);
    await deps.rateLimit?.(req);
    const joined = await waitlist.join(req.params.offerId, { email, accountId: req.account?.id ?? null, lang: body.lang });
    // One shape either way; an email already waiting gets a link to its entry instead of this answer naming it.
    if (joined.mine) return reply.status(201).send({ entry: joined.entry, entryToken: access.token(joined.entry.id), linkEmailed: false });
    return reply.status(201).send({ entry: null, entryToken: null, linkEmailed: joined.emailed });
  });

  // With a claim, the entry also carries the claim order's access token.
  app.get<{ Params: { entryId: string } }>("/api/waitlist/:entryId", async (req) => {
    await requireEntryAccess(req, req.params.entryId);
    const entry = await waitlist.entry(req.params.entryId);
    if (entry.claim) return { entry: { ...entry, claim: { ...entry.claim, accessToken: deps.orderToken(entry.claim.orderId) } } };
    return { entry };
  });

  app.post<{ Params: { entryId: string } }>("/api/waitlist/:entryId/leave", async (req) => {
    await requireEntryAccess(req, req.params.entryId);
    return { entry: await waitlist.leave(req.params.entryId) };
  });
}
