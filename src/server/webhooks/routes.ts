import type { FastifyInstance, FastifyRequest } from "fastify";
import { createWebhookBody, listWebhooksQuery, webhookDeliveriesQuery } from "../../protocol/webhooks.js";
import { type Account, requireAccount } from "../accounts/index.js";
import { parseWith } from "../http/validate.js";
import { AppError } from "../platform/errors.js";
import { requireMerchantStaff } from "../shows/index.js";
import type { WebhookService } from "./service.js";

type Params = { endpointId: string };

// The merchant's owner and staff manage its endpoints; a platform admin names the merchant. Hosts and buyers: 403.
function merchantFor(account: Account, requested: string | undefined, code: "invalid_body" | "invalid_query"): string {
  if (account.role === "admin") {
    const merchantId = requested ?? account.merchantId;
    if (!merchantId) throw new AppError(code, "merchantId: required for accounts without a merchant");
    return merchantId;
  }
  if ((account.role !== "merchant" && account.role !== "staff") || !account.merchantId)
    throw new AppError("forbidden", "Only the merchant's owner or staff can manage webhooks.");
  requireMerchantStaff(account, requested ?? account.merchantId);
  return account.merchantId;
}

/** /api/admin/webhooks — outgoing webhook endpoints and their delivery log. */
export function registerWebhookRoutes(app: FastifyInstance, deps: { webhooks: WebhookService }) {
  const { webhooks } = deps;

  async function endpointFor(req: FastifyRequest<{ Params: Params }>): Promise<string> {
    const account = requireAccount(req);
    if (account.role !== "admin" && account.role !== "merchant" && account.role !== "staff")
      throw new AppError("forbidden", "Only the merchant's owner or staff can manage webhooks.");
    requireMerchantStaff(account, await webhooks.merchantOf(req.params.endpointId));
    return req.params.endpointId;
  }

  app.get("/api/admin/webhooks", async (req, reply) => {
    const account = requireAccount(req);
    const q = parseWith(listWebhooksQuery, req.query, "invalid_query");
    reply.header("Cache-Control", "no-store");
    return { endpoints: await webhooks.list(merchantFor(account, q.merchantId, "invalid_query")) };
  });

  app.post("/api/admin/webhooks", async (req, reply) => {
    const account = requireAccount(req);
    const body = parseWith(createWebhookBody, req.body);
    const created = await webhooks.create(merchantFor(account, body.merchantId, "invalid_body"), body);
    return reply.status(201).header("Cache-Control", "no-store").send(created);
  });

  app.delete<{ Params: Params }>("/api/admin/webhooks/:endpointId", async (req) => {
    await webhooks.remove(await endpointFor(req));
    return { ok: true };
  });

  app.post<{ Params: Params }>("/api/admin/webhooks/:endpointId/secret/reveal", async (req, reply) => {
    const secret = await webhooks.revealSecret(await endpointFor(req));
    reply.header("Cache-Control", "no-store");
    return { secret };
  });

  app.post<{ Params: Params }>("/api/admin/webhooks/:endpointId/secret/rotate", async (req, reply) => {
    const rotated = await webhooks.rotateSecret(await endpointFor(req));
    reply.header("Cache-Control", "no-store");
    return rotated;
  });

  app.post<{ Params: Params & { deliveryId: string } }>("/api/admin/webhooks/:endpointId/deliveries/:deliveryId/retry", async (req, reply) => {
    await webhooks.retryDelivery(await endpointFor(req), req.params.deliveryId);
    return reply.status(202).send({ ok: true });
  });

  app.get<{ Params: Params }>("/api/admin/webhooks/:endpointId/deliveries", async (req, reply) => {
    const id = await endpointFor(req);
    const q = parseWith(webhookDeliveriesQuery, req.query, "invalid_query");
    reply.header("Cache-Control", "no-store");
    return { deliveries: await webhooks.deliveries(id, q.limit) };
  });
}
