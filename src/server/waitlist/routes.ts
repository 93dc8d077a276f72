import type { FastifyInstance } from "fastify";
import { joinWaitlistBody } from "../../protocol/api.js";
import { parseWith } from "../http/validate.js";
import { AppError } from "../platform/errors.js";
import type { WaitlistService } from "./service.js";

// Anyone may join a sold-out offer's waitlist (a signed-in account's email is used when none is given); the entry id
// in the answer is the only handle on the entry, like an order id.
export function registerWaitlistRoutes(app: FastifyInstance, deps: { waitlist: WaitlistService; orderToken?: (orderId: string) => string }) {
  const { waitlist } = deps;
  app.post<{ Params: { offerId: string } }>("/api/offers/:offerId/waitlist", async (req, reply) => {
    const body = parseWith(joinWaitlistBody, req.body ?? {});
    const email = body.email ?? req.account?.email;
    if (!email) throw new AppError("invalid_body", "email: required when not signed in", [{ path: "email", message: "required" }]);
    const entry = await waitlist.join(req.params.offerId, { email, accountId: req.account?.id ?? null });
    return reply.status(201).send({ entry });
  });
  // The entry id is the waitlister's handle: with a claim it also gets the claim order's access token.
  app.get<{ Params: { entryId: string } }>("/api/waitlist/:entryId", async (req) => {
    const entry = await waitlist.entry(req.params.entryId);
    if (entry.claim && deps.orderToken) return { entry: { ...entry, claim: { ...entry.claim, accessToken: deps.orderToken(entry.claim.orderId) } } };
    return { entry };
  });
  app.post<{ Params: { entryId: string } }>("/api/waitlist/:entryId/leave", async (req) => ({ entry: await waitlist.leave(req.params.entryId) }));
}
