import type { FastifyInstance, FastifyRequest } from "fastify";
import { MAX_BAG_LINES, type OrderItemView, type OrderView, createBagOrderBody, createOrderBody, payOrderBody } from "../../protocol/api.js";
import { idempotencyKeyOf } from "../http/idempotency.js";
import { parseWith } from "../http/validate.js";
import { AppError } from "../platform/errors.js";
import { errorBody } from "../http/app.js";
import type { BuyerService } from "../buyers/index.js";
import { requireAccount } from "../accounts/index.js";
import type { OrderAccess, OrderAccessKind } from "./buyer-access.js";
import { type BuyerContext, type CardInput, type OrderService, cardInput } from "./service.js";

declare module "fastify" {
  interface FastifyRequest {
    /** How the request proved it may act on the order of an /api/orders/:orderId… route (set by the access rule). */
    orderAccess?: OrderAccessKind;
  }
}

/** Every route below /api/orders/:<param>, whichever module registers it (coupons' discount, mystery draws…). */
const ORDER_ROUTE = /^\/api\/orders\/:(\w+)/;

/** The checkout's sold_out answer, serialised once (the error handler would build the same body for AppError("sold_out")). */
const SOLD_OUT_BODY = JSON.stringify(errorBody("sold_out"));
const JSON_TYPE = "application/json; charset=utf-8";

/** The browser's device id (the web client sends the one its chat uses); anything else is ignored. */
const deviceId = (req: FastifyRequest): string | null => {
  const raw = req.headers["x-device-id"];
  return typeof raw === "string" && /^[\x21-\x7e]{8,100}$/.test(raw) ? raw : null;
};

/** The buyer's context of a placing request; the client key (an HMAC) is computed the first time it is read. */
function buyerContext(req: FastifyRequest, clientKey: () => string | null): BuyerContext {
  let key: string | null | undefined;
  return {
    accountId: req.account?.id ?? null,
    referral: req.cookies?.sc_ref ?? null,
    get clientKey() {
      if (key === undefined) key = clientKey();
      return key;
    },
  };
}

export interface OrderRouteDeps {
  orders: OrderService;
  buyers?: BuyerService;
  access: OrderAccess;
  item?: (order: OrderView) => Promise<OrderItemView>;
  /** Keyed hash of a client identity ("device:…" or "address:…"), so stored orders name no device or address. */
  clientKey?: (identity: string) => string;
  /** Counts a placement against the per-address and per-device rate limits; throws rate_limited. */
  placementLimit?: (address: string, device: string | null) => Promise<void>;
}

/**
 * One rule for who may act on an order (OrderAccess.require), checked on the matched route before any handler runs:
 * a refused request changes nothing. It covers every /api/orders/:orderId… route, whichever module declares it
 * (coupons' discount, mystery's draws). Runs after the session hook (registered earlier), so req.account is known.
 */
export function registerOrderAccessRule(app: FastifyInstance, access: OrderAccess) {
  app.addHook("preHandler", async (req) => {
    const param = ORDER_ROUTE.exec(req.routeOptions.url ?? "")?.[1];
    if (!param) return;
    const orderId = (req.params as Record<string, string | undefined>)[param];
    if (orderId === undefined) return;
    req.orderAccess = await access.require(req, orderId);
  });
}

export function registerOrderRoutes(app: FastifyInstance, deps: OrderRouteDeps) {
  // The buyer's key to the order page (#t=… in its link); deterministic, so a replayed request gets the same one.
  const withToken = <T extends { order: { id: string } }>(res: T) => ({ ...res, accessToken: deps.access.token(res.order.id) });
  // A declined or still pending payment answers with the order's id in the error (the hold may be kept): the buyer who
  // sent the request gets its token too, so the checkout can go on polling or paying.
  const tokenInError = (err: unknown): never => {
    const details = err instanceof AppError ? (err.details as { orderId?: unknown } | undefined) : undefined;
    if (err instanceof AppError && typeof details?.orderId === "string" && details.orderId) {
      throw new AppError(err.code, err.message, { ...details, accessToken: deps.access.token(details.orderId) });
    }
    throw err;
  };

  /**
   * Most attempts of a flash sale: a line whose offer the stock hint knows has too few units left, under a key never
   * used here. Answered with the 409 the checkout would give, before the rest of the body is validated or counted
   * against the hold limits (neither would change the answer). The first such line's offer, else null.
   */
  const soldOutEarly = (lines: unknown[], key: string): string | null => {
    for (const raw of lines) {
      const l = raw as { offerId?: unknown; quantity?: unknown } | null;
      if (typeof l?.offerId !== "string" || !Number.isSafeInteger(l.quantity) || (l.quantity as number) < 1) continue;
      if (deps.orders.knownSoldOut(l.offerId, l.quantity as number, key)) return l.offerId;
    }
    return null;
  };

  app.post("/api/orders", async (req, reply) => {
    const key = idempotencyKeyOf(req);
    if (soldOutEarly([req.body], key) !== null) return reply.status(409).type(JSON_TYPE).send(SOLD_OUT_BODY);
    let body = parseWith(createOrderBody, req.body);
    const device = deviceId(req);
    await deps.placementLimit?.(req.ip, device);
    // A signed-in buyer's orders count towards per-buyer limits by account; their name and email fill in the buyer.
    // A guest's hold belongs to its device (else its address) for per-buyer limits, even before any details are typed.
    // Keyed lazily: a sold-out attempt (most of a flash sale's) never needs it.
    const ctx = buyerContext(req, () => (deps.clientKey ? deps.clientKey(device ? `device:${device}` : `address:${req.ip}`) : null));
    if (req.account && !body.buyer) body = { ...body, buyer: { name: req.account.displayName, email: req.account.email } };
    if (body.useSaved) {
      const account = requireAccount(req);
      if (!deps.buyers) throw new AppError("invalid_body", "useSaved: saved details are not available");
      const saved = await deps.buyers.forCheckout(account.id);
      body = { ...body, shipping: body.shipping ?? saved.address };
      ctx.savedCard = saved.card;
    }
    const { order, replayed, nextAction } = await deps.orders.placeOrder(body, key, ctx).catch(tokenInError);
    if (replayed) reply.header("Idempotent-Replayed", "true");
    // 202: the order exists and holds its units, but the payment waits for the buyer (3-D Secure).
    return nextAction ? reply.status(202).send(withToken({ order, nextAction })) : reply.status(201).send(withToken({ order }));
  });

  // A bag: several offers of one show, one order, one payment (or one hold, paid with /pay like any other).
  app.post("/api/orders/bag", async (req, reply) => {
    const key = idempotencyKeyOf(req);
    const lines = (req.body as { lines?: unknown } | undefined)?.lines;
    const short = Array.isArray(lines) && lines.length <= MAX_BAG_LINES ? soldOutEarly(lines, key) : null;
    // The checkout's own answer for a bag names the line's offer that is short.
    if (short !== null)
      return reply
        .status(409)
        .type(JSON_TYPE)
        .send(errorBody("sold_out", undefined, { offerId: short }));
    let body = parseWith(createBagOrderBody, req.body);
    const device = deviceId(req);
    await deps.placementLimit?.(req.ip, device);
    const ctx = buyerContext(req, () => (deps.clientKey ? deps.clientKey(device ? `device:${device}` : `address:${req.ip}`) : null));
    if (req.account && !body.buyer) body = { ...body, buyer: { name: req.account.displayName, email: req.account.email } };
    if (body.useSaved) {
      const account = requireAccount(req);
      if (!deps.buyers) throw new AppError("invalid_body", "useSaved: saved details are not available");
      const saved = await deps.buyers.forCheckout(account.id);
      body = { ...body, shipping: body.shipping ?? saved.address };
      ctx.savedCard = saved.card;
    }
    const { order, replayed, nextAction } = await deps.orders.placeBagOrder(body, key, ctx).catch(tokenInError);
    if (replayed) reply.header("Idempotent-Replayed", "true");
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
    const { order, nextAction } = await deps.orders.payWithOutcome(req.params.orderId, card, { buyer, shipping, gift: body.gift }).catch(tokenInError);
    return nextAction ? reply.status(202).send(withToken({ order, nextAction })) : withToken({ order });
  });

  app.post<{ Params: { orderId: string } }>("/api/orders/:orderId/cancel", async (req) => ({ order: await deps.orders.cancel(req.params.orderId) }));

  // The buyer's page and the checkout's polling: the whole order, for whoever passed the access rule above.
  app.get<{ Params: { orderId: string } }>("/api/orders/:orderId", async (req) => {
    const order = await deps.orders.order(req.params.orderId);
    const [history, item] = await Promise.all([deps.orders.history(order.id), deps.item ? deps.item(order) : null]);
    return { order, history, item, access: req.orderAccess };
  });

  // The signed-in buyer's own orders (account page), newest first.
  app.get("/api/me/orders", async (req) => {
    const account = requireAccount(req);
    if (!deps.access) return { orders: [] };
    return { orders: await deps.access.ordersOfAccount(account.id) };
  });
}
