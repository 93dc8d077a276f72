import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type AuctionView, createAuctionBody, placeBidBody } from "../../protocol/api.js";
import { requireAccount } from "../accounts/index.js";
import type { CatalogService } from "../catalog/index.js";
import { merchantProduct, registerGameRoutes, registerStudioActions } from "../games/index.js";
import { idempotencyKeyOf } from "../http/idempotency.js";
import { parseWith } from "../http/validate.js";
import type { ShowService } from "../shows/index.js";
import { type AuctionService, bidderKey } from "./service.js";

// Every accepted bid of one tick answers with the same auction object (the state after the tick): it is serialised
// once per tick, and each answer adds its own `you` and `bid`. The bytes are JSON.stringify({ auction: { ...auction,
// you }, bid }) (route.test / the auction API tests read these answers).
const auctionHead = new WeakMap<AuctionView, string>();
function acceptedBody(auction: AuctionView, you: NonNullable<AuctionView["you"]>, bid: unknown): string {
  let head = auctionHead.get(auction);
  if (head === undefined) {
    const { you: _ignored, ...rest } = auction;
    head = JSON.stringify(rest).slice(0, -1);
    auctionHead.set(auction, head);
  }
  return `{"auction":${head},"you":${JSON.stringify(you)}},"bid":${JSON.stringify(bid)}}`;
}

export function registerAuctionRoutes(app: FastifyInstance, deps: { auctions: AuctionService; shows: ShowService; catalog: CatalogService }) {
  const { auctions, shows, catalog } = deps;

  // Studio: the show's host, the merchant's owner/staff, admins. Public: open ones only (scheduled, live, awarded):
  // what a viewer can still bid on or pay for.
  registerGameRoutes(app, shows, {
    path: "auctions",
    one: "auction",
    many: "auctions",
    create: async (show, account, raw) => {
      const body = parseWith(createAuctionBody, raw);
      const { product, variant } = await merchantProduct(catalog, show, body);
      return auctions.create(show.id, account.id, product, body, variant);
    },
    list: (showId) => auctions.ofShow(showId),
    live: (showId) => auctions.ofShow(showId, true),
  });
  const managed = registerStudioActions(app, shows, {
    path: "auctions",
    param: "auctionId",
    one: "auction",
    find: (id) => auctions.auction(id),
    actions: {
      start: (id, account) => auctions.start(id, account.id),
      cancel: (id, account) => auctions.cancel(id, account.id),
    },
  });

  /** The audit log: every accepted and refused bid (with the bidder's maximum) and every step. Staff only. */
  app.get<{ Params: { auctionId: string } }>("/api/studio/auctions/:auctionId/events", async (req) => {
    const { game: auction } = await managed(req, req.params.auctionId);
    return { auction, events: await auctions.events(auction.id) };
  });

  // Public: anyone may look; a signed-in caller also gets `you`.
  app.get<{ Params: { auctionId: string } }>("/api/auctions/:auctionId", async (req) => ({
    auction: await auctions.auction(req.params.auctionId, req.account),
  }));

  const bid = (preBidOnly: boolean) => async (req: FastifyRequest<{ Params: { auctionId: string } }>, reply: FastifyReply) => {
    const account = requireAccount(req);
    const key = idempotencyKeyOf(req);
    const body = parseWith(placeBidBody, req.body);
    const res = await auctions.placeBid(req.params.auctionId, account, body.maxAmount, key, { preBidOnly });
    if (res.replayed) reply.header("Idempotent-Replayed", "true");
    if (res.replayed) return reply.status(200).send({ auction: await auctions.auction(req.params.auctionId, account), bid: res.bid });
    // An accepted bid is the bidder's new maximum (it must beat the price, which is at least every other maximum but
    // the leader's), so `you` needs no second read on the hot path.
    const you = { key: bidderKey(res.auction.id, account.id), maxAmount: res.bid.maxAmount, leading: res.bid.leading, awardOrderId: null, canBid: true };
    return reply
      .status(201)
      .type("application/json; charset=utf-8")
      .send(acceptedBody(res.auction, you, res.bid));
  };
  app.post<{ Params: { auctionId: string } }>("/api/auctions/:auctionId/bids", bid(false));
  app.post<{ Params: { auctionId: string } }>("/api/auctions/:auctionId/pre-bids", bid(true));
}
