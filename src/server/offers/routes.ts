import type { FastifyInstance } from "fastify";
import { createOfferBody, pinOfferBody } from "../../protocol/api.js";
import { requireAccount } from "../accounts/index.js";
import type { CatalogService } from "../catalog/index.js";
import { parseWith } from "../http/validate.js";
import { AppError } from "../platform/errors.js";
import type { ShowService } from "../shows/index.js";
import type { OfferService } from "./service.js";

export function registerOfferRoutes(app: FastifyInstance, deps: { offers: OfferService; shows: ShowService; catalog: CatalogService }) {
  const { offers, shows, catalog } = deps;

  app.post<{ Params: { showId: string } }>("/api/studio/shows/:showId/offers", async (req, reply) => {
    const show = await shows.requireManager(requireAccount(req), req.params.showId);
    const body = parseWith(createOfferBody, req.body);
    const product = await catalog.product(body.productId).catch(() => null);
    if (!product || product.merchantId !== show.merchantId) throw new AppError("invalid_body", "productId: not a product of this show's merchant");
    const variant = body.variantId ? await catalog.variant(body.variantId).catch(() => null) : undefined;
    if (variant === null || (variant && variant.productId !== product.id)) throw new AppError("invalid_body", "variantId: not a variant of this product");
    const offer = await offers.create(show.id, product, body, variant);
    return reply.status(201).send({ offer });
  });

  app.post<{ Params: { offerId: string } }>("/api/studio/offers/:offerId/pin", async (req) => {
    const account = requireAccount(req);
    const offer = await offers.offer(req.params.offerId);
    await shows.requireManager(account, offer.showId);
    const body = parseWith(pinOfferBody, req.body);
    return { offer: await offers.setPinned(offer.id, body.pinned) };
  });

  app.post<{ Params: { offerId: string } }>("/api/studio/offers/:offerId/end", async (req) => {
    const account = requireAccount(req);
    const offer = await offers.offer(req.params.offerId);
    await shows.requireManager(account, offer.showId);
    return { offer: await offers.end(offer.id) };
  });
}
