import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { createOrderBody, payOrderBody } from "../../protocol/api.js";
import { parseWith } from "../http/validate.js";
import { AppError } from "../platform/errors.js";
import type { BuyerService } from "../buyers/index.js";
import { requireAccount } from "../accounts/index.js";
import { type BuyerContext, type CardInput, type OrderService, cardInput } from "./service.js";

const idempotencyKey = z.string().min(8).max(200).regex(/^[\x21-\x7e]+$/);

export function registerOrderRoutes(app: FastifyInstance, deps: { orders: OrderService; buyers?: BuyerService }) {
  app.post("/api/orders", async (req, reply) => {
    const rawKey = req.headers["idempotency-key"];
    if (rawKey === undefined) throw new AppError("idempotency_key_required");
    const key = idempotencyKey.safeParse(rawKey);
    if (!key.success) throw new AppError("idempotency_key_required", "Idempotency-Key: 8–200 visible ASCII characters.");
    let body = parseWith(createOrderBody, req.body);
    // A signed-in buyer's orders count towards per-buyer limits by account; their name and email fill in the buyer.
    const ctx: BuyerContext = { accountId: req.account?.id ?? null };
    if (req.account && !body.buyer) body = { ...body, buyer: { name: req.account.displayName, email: req.account.email } };
    if (body.useSaved) {
      const account = requireAccount(req);
      if (!deps.buyers) throw new AppError("invalid_body", "useSaved: saved details are not available");
      const saved = await deps.buyers.forCheckout(account.id);
      body = { ...body, shipping: body.shipping ?? saved.address };
      ctx.savedCard = saved.card;
    }
    const { order, replayed, nextAction } = await deps.orders.placeOrder(body, key.data, ctx);
    if (replayed) reply.header("Idempotent-Replayed", "true");
    // 202: the order exists and holds its units, but the payment waits for the buyer (3-D Secure).
    return nextAction ? reply.status(202).send({ order, nextAction }) : reply.status(201).send({ order });
  });

  app.post<{ Params: { orderId: string } }>("/api/orders/:orderId/pay", async (req, reply) => {
    const body = parseWith(payOrderBody, req.body);
    let card: CardInput;
    let { buyer, shipping } = body;
    if (body.payment) {
      deps.orders.assertPaymentMethod(body.payment.method);
      card = cardInput(body.payment);
    } else {
      const account = requireAccount(req);
      if (!deps.buyers) throw new AppError("invalid_body", "useSaved: saved details are not available");
      const saved = await deps.buyers.forCheckout(account.id);
      card = saved.card;
      buyer ??= { name: account.displayName, email: account.email };
      shipping ??= saved.address;
    }
    const { order, nextAction } = await deps.orders.payWithOutcome(req.params.orderId, card, { buyer, shipping, gift: body.gift });
    return nextAction ? reply.status(202).send({ order, nextAction }) : { order };
  });

  app.post<{ Params: { orderId: string } }>("/api/orders/:orderId/cancel", async (req) => ({ order: await deps.orders.cancel(req.params.orderId) }));

  // Order ids are unguessable (96 random bits); the id is the buyer's receipt link.
  app.get<{ Params: { orderId: string } }>("/api/orders/:orderId", async (req) => ({
    order: await deps.orders.order(req.params.orderId),
    history: await deps.orders.history(req.params.orderId),
  }));
}
