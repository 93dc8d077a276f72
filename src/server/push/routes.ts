import type { FastifyInstance } from "fastify";
import { pushSubscribeBody } from "../../protocol/api.js";
import { parseWith } from "../http/validate.js";
import { PUSH_TOKEN_HEADER } from "./access.js";
import type { PushService } from "./service.js";

// The VAPID public key is public (the browser's applicationServerKey). A subscription belongs to the signed-in
// account that made it, or to a guest's reminder whose token the browser holds; it is removed by that account's
// session or by the token the subscribe answer gave (X-Push-Token): the owner, nobody else.
export function registerPushRoutes(app: FastifyInstance, deps: { push: PushService }) {
  const { push } = deps;

  app.get("/api/push/vapid-key", async () => ({ publicKey: push.publicKey }));

  app.post("/api/push/subscriptions", async (req, reply) => {
    const body = parseWith(pushSubscribeBody, req.body ?? {});
    return reply.status(201).send(await push.subscribe(body, { accountId: req.account?.id ?? null }));
  });

  app.delete<{ Params: { subscriptionId: string } }>("/api/push/subscriptions/:subscriptionId", async (req) => {
    const token = req.headers[PUSH_TOKEN_HEADER];
    await push.unsubscribe(req.params.subscriptionId, { accountId: req.account?.id ?? null, token: typeof token === "string" ? token : undefined });
    return { removed: true };
  });
}
