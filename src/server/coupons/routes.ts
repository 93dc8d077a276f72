import type { FastifyInstance } from "fastify";
import { claimCouponBody, couponPreviewQuery, dropCouponBody } from "../../protocol/api.js";
import { requireAccount } from "../accounts/index.js";
import { registerGameRoutes, registerStudioActions } from "../games/index.js";
import { parseWith } from "../http/validate.js";
import type { OfferService } from "../offers/index.js";
import type { ShowService } from "../shows/index.js";
import type { CouponService } from "./service.js";

export function registerCouponRoutes(app: FastifyInstance, deps: { coupons: CouponService; shows: ShowService; offers: OfferService }) {
  const { coupons, shows, offers } = deps;

  // Studio: the show's host, the merchant's owner/staff, admins. Viewers: the codes are public (they were dropped on
  // stream); claiming needs an account (once per account).
  registerGameRoutes(app, shows, {
    path: "coupons",
    one: "coupon",
    many: "coupons",
    create: (show, account, body) => coupons.drop(show.id, account.id, parseWith(dropCouponBody, body)),
    list: (showId) => coupons.ofShow(showId),
    live: (showId) => coupons.ofShow(showId, { activeOnly: true }),
  });
  registerStudioActions(app, shows, {
    path: "coupons",
    param: "couponId",
    one: "coupon",
    find: (id) => coupons.coupon(id),
    actions: { end: (id) => coupons.end(id) },
  });

  app.post<{ Params: { showId: string } }>("/api/shows/:showId/coupons/claim", async (req, reply) => {
    const account = requireAccount(req);
    const show = await shows.show(req.params.showId);
    const body = parseWith(claimCouponBody, req.body);
    const { replayed, ...claim } = await coupons.claim(show.id, body.code, account.id);
    return reply.status(replayed ? 200 : 201).send({ claim });
  });

  app.get<{ Params: { showId: string } }>("/api/shows/:showId/coupons/mine", async (req) => {
    const account = requireAccount(req);
    const show = await shows.show(req.params.showId);
    return { claims: await coupons.claimsOf(show.id, account.id) };
  });

  // Checkout, before the hold: the discount and the new total of a claimed (or claimable) code. Claims nothing.
  app.get<{ Params: { offerId: string } }>("/api/offers/:offerId/coupon-preview", async (req) => {
    const account = requireAccount(req);
    const query = parseWith(couponPreviewQuery, req.query ?? {}, "invalid_query");
    const offer = await offers.offer(req.params.offerId);
    return { preview: await coupons.preview(offer, query.code, query.quantity, account.id) };
  });

  // Same rule as GET /api/orders/:orderId: the unguessable order id opens it.
  app.get<{ Params: { orderId: string } }>("/api/orders/:orderId/discount", async (req) => ({ discount: await coupons.orderDiscount(req.params.orderId) }));
}
