import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { createOrderBody, payOrderBody } from "../../protocol/api.js";
import { parseWith } from "../http/validate.js";
import { AppError } from "../platform/errors.js";
import type { OrderService } from "./service.js";

const idempotencyKey = z.string().min(8).max(200).regex(/^[\x21-\x7e]+$/);

export function registerOrderRoutes(app: FastifyInstance, deps: { orders: OrderService }) {
  app.post("/api/orders", async (req, reply) => {
    const rawKey = req.headers["idempotency-key"];
    if (rawKey === undefined) throw new AppError("idempotency_key_required");
    const key = idempotencyKey.safeParse(rawKey);
    if (!key.success) throw new AppError("idempotency_key_required", "Idempotency-Key: 8–200 visible ASCII characters.");
    const body = parseWith(createOrderBody, req.body);
    const { order, replayed } = await deps.orders.placeOrder(body, key.data);
    if (replayed) reply.header("Idempotent-Replayed", "true");
    return reply.status(201).send({ order });
  });

  app.post<{ Params: { orderId: string } }>("/api/orders/:orderId/pay", async (req) => {
    const body = parseWith(payOrderBody, req.body);
    return { order: await deps.orders.pay(req.params.orderId, body.payment) };
  });

  app.post<{ Params: { orderId: string } }>("/api/orders/:orderId/cancel", async (req) => ({ order: await deps.orders.cancel(req.params.orderId) }));

  // Order ids are unguessable (96 random bits); the id is the buyer's receipt link.
  app.get<{ Params: { orderId: string } }>("/api/orders/:orderId", async (req) => ({
    order: await deps.orders.order(req.params.orderId),
    history: await deps.orders.history(req.params.orderId),
  }));
}
