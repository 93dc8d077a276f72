import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { type OrderItemView, type OrderView, createOrderBody, payOrderBody } from "../../protocol/api.js";
import { parseWith } from "../http/validate.js";
import { AppError } from "../platform/errors.js";
import type { BuyerService } from "../buyers/index.js";
import { requireAccount } from "../accounts/index.js";
import { ORDER_TOKEN_HEADER, type OrderAccess } from "./buyer-access.js";
import { type BuyerContext, type CardInput, type OrderService, cardInput } from "./service.js";

const idempotencyKey = z.string().min(8).max(200).regex(/^[\x21-\x7e]+$/);

export function registerOrderRoutes(app: FastifyInstance, deps: { orders: OrderService; buyers?: BuyerService; access?: OrderAccess; item?: (order: OrderView) => Promise<OrderItemView> }) {
  // The buyer's key to the order page (#t=… in its link); deterministic, so a replayed request gets the same one.
  const withToken = <T extends { order: { id: string } }>(res: T) => (deps.access ? { ...res, accessToken: deps.access.token(res.order.id) } : res);

  app.post("/api/orders", async (req, reply) => {
    const rawKey = req.headers["idempotency-key"];
    if (rawKey === undefined) throw new AppError("idempotency_key_required");
    const key = idempotencyKey.safeParse(rawKey);
    if (!key.success) throw new AppError("idempotency_key_required", "Idempotency-Key: 8–200 visible ASCII characters.");
    let body = parseWith(createOrderBody, req.body);
    // A signed-in buyer's orders count towards per-buyer limits by account; their name and email fill in the buyer.
    const ctx: BuyerContext = { accountId: req.account?.id ?? null, referral: req.cookies?.sc_ref ?? null };
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
    return nextAction ? reply.status(202).send(withToken({ order, nextAction })) : reply.status(201).send(withToken({ order }));
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
    return nextAction ? reply.status(202).send(withToken({ order, nextAction })) : withToken({ order });
  });

  app.post<{ Params: { orderId: string } }>("/api/orders/:orderId/cancel", async (req) => ({ order: await deps.orders.cancel(req.params.orderId) }));

  // Order ids are unguessable (96 random bits) and still open the order on their own (checkout polling, waitlist
  // claims). The buyer's page proves more: the owner's session or the access token in X-Order-Token; a wrong token is
  // refused rather than ignored, so a page with a broken link says so.
  app.get<{ Params: { orderId: string } }>("/api/orders/:orderId", async (req) => {
    const order = await deps.orders.order(req.params.orderId);
    const token = req.headers[ORDER_TOKEN_HEADER];
    let access: "owner" | "token" | "id" = "id";
    if (deps.access) {
      if (token !== undefined) {
        if (!deps.access.verify(order.id, typeof token === "string" ? token : undefined)) throw new AppError("forbidden", "This order link is not valid.");
        access = "token";
      }
      if (req.account && (await deps.access.ownerAccountId(order.id)) === req.account.id) access = "owner";
    }
    const [history, item] = await Promise.all([deps.orders.history(order.id), deps.item ? deps.item(order) : null]);
    // The id alone (checkout polling, waitlist claims) proves nothing about who asks: status, amounts and the
    // history's steps, but no name, email, address, gift message, tracking number or refund reason. The link token or
    // the buyer's session shows everything.
    if (deps.access && access === "id") {
      const steps = history.map((e) => {
        const { trackingNumber: _t, reason: _r, ...data } = e.data as Record<string, unknown>;
        return { ...e, data };
      });
      return { order: withoutPersonalData(order), history: steps, item, access };
    }
    return { order, history, item, access };
  });

  // The signed-in buyer's own orders (account page), newest first.
  app.get("/api/me/orders", async (req) => {
    const account = requireAccount(req);
    if (!deps.access) return { orders: [] };
    return { orders: await deps.access.ordersOfAccount(account.id) };
  });
}

const initial = (s: string) => (s ? `${[...s][0]}…` : "");

/** An order as the id alone may see it: personal fields reduced to initials (the shape stays an OrderView). */
export function withoutPersonalData(order: OrderView): OrderView {
  const at = order.buyer.email.indexOf("@");
  return {
    ...order,
    buyer: { name: initial(order.buyer.name), email: at > 0 ? `${initial(order.buyer.email)}@${order.buyer.email.slice(at + 1)}` : "" },
    shipping: { name: initial(order.shipping.name), line1: "", postalCode: "", city: "", country: order.shipping.country },
    gift: order.gift ? { message: "" } : null,
    shipment: order.shipment ? { carrier: order.shipment.carrier, trackingNumber: "" } : null,
  };
}
