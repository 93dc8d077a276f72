import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { createAuctionBody, placeBidBody } from "../../protocol/api.js";
import { requireAccount } from "../accounts/index.js";
import type { CatalogService } from "../catalog/index.js";
import { parseWith } from "../http/validate.js";
import { AppError } from "../platform/errors.js";
import type { ShowService } from "../shows/index.js";
import { type AuctionService, bidderKey } from "./service.js";

const idempotencyKey = z.string().min(8).max(200).regex(/^[\x21-\x7e]+$/);

function keyOf(req: FastifyRequest): string {
  const raw = req.headers["idempotency-key"];
  if (raw === undefined) throw new AppError("idempotency_key_required");
  const key = idempotencyKey.safeParse(raw);
  if (!key.success) throw new AppError("idempotency_key_required", "Idempotency-Key: 8–200 visible ASCII characters.");
  return key.data;
}

export function registerAuctionRoutes(app: FastifyInstance, deps: { auctions: AuctionService; shows: ShowService; catalog: CatalogService }) {
  const { auctions, shows, catalog } = deps;

  // Studio: the show's host, the merchant's owner/staff, admins.
  app.post<{ Params: { showId: string } }>("/api/studio/shows/:showId/auctions", async (req, reply) => {
    const account = requireAccount(req);
    const show = await shows.requireManager(account, req.params.showId);
    const body = parseWith(createAuctionBody, req.body);
    const product = await catalog.product(body.productId).catch(() => null);
    if (!product || product.merchantId !== show.merchantId) throw new AppError("invalid_body", "productId: not a product of this show's merchant");
    const variant = body.variantId ? await catalog.variant(body.variantId).catch(() => null) : undefined;
    if (variant === null || (variant && variant.productId !== product.id)) throw new AppError("invalid_body", "variantId: not a variant of this product");
    return reply.status(201).send({ auction: await auctions.create(show.id, account.id, product, body, variant) });
  });

  app.get<{ Params: { showId: string } }>("/api/studio/shows/:showId/auctions", async (req) => {
    const show = await shows.requireManager(requireAccount(req), req.params.showId);
    return { auctions: await auctions.ofShow(show.id) };
  });

  const managed = async (req: FastifyRequest<{ Params: { auctionId: string } }>) => {
    const account = requireAccount(req);
    const a = await auctions.auction(req.params.auctionId);
    await shows.requireManager(account, a.showId);
    return { account, auction: a };
  };

  app.post<{ Params: { auctionId: string } }>("/api/studio/auctions/:auctionId/start", async (req) => {
    const { account, auction } = await managed(req);
    return { auction: await auctions.start(auction.id, account.id) };
  });

  app.post<{ Params: { auctionId: string } }>("/api/studio/auctions/:auctionId/cancel", async (req) => {
    const { account, auction } = await managed(req);
    return { auction: await auctions.cancel(auction.id, account.id) };
  });

  /** The audit log: every accepted and refused bid (with the bidder's maximum) and every step. Staff only. */
  app.get<{ Params: { auctionId: string } }>("/api/studio/auctions/:auctionId/events", async (req) => {
    const { auction } = await managed(req);
    return { auction, events: await auctions.events(auction.id) };
  });

  // Public: anyone may look; a signed-in caller also gets `you`.
  app.get<{ Params: { showId: string } }>("/api/shows/:showId/auctions", async (req) => {
    const show = await shows.show(req.params.showId);
    // Open ones only (scheduled, live, awarded): what a viewer can still bid on or pay for.
    return { auctions: await auctions.ofShow(show.id, true) };
  });

  app.get<{ Params: { auctionId: string } }>("/api/auctions/:auctionId", async (req) => ({ auction: await auctions.auction(req.params.auctionId, req.account) }));

  const bid = (preBidOnly: boolean) => async (req: FastifyRequest<{ Params: { auctionId: string } }>, reply: FastifyReply) => {
    const account = requireAccount(req);
    const key = keyOf(req);
    const body = parseWith(placeBidBody, req.body);
    const res = await auctions.placeBid(req.params.auctionId, account, body.maxAmount, key, { preBidOnly });
    if (res.replayed) reply.header("Idempotent-Replayed", "true");
    if (res.replayed) return reply.status(200).send({ auction: await auctions.auction(req.params.auctionId, account), bid: res.bid });
    // An accepted bid is the bidder's new maximum (it must beat the price, which is at least every other maximum but
    // the leader's), so `you` needs no second read on the hot path.
    const you = { key: bidderKey(res.auction.id, account.id), maxAmount: res.bid.maxAmount, leading: res.bid.leading, awardOrderId: null, canBid: true };
    return reply.status(201).send({ auction: { ...res.auction, you }, bid: res.bid });
  };
  app.post<{ Params: { auctionId: string } }>("/api/auctions/:auctionId/bids", bid(false));
  app.post<{ Params: { auctionId: string } }>("/api/auctions/:auctionId/pre-bids", bid(true));
}
