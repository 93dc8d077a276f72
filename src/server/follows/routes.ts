import type { FastifyInstance } from "fastify";
import {
  type FollowView,
  type FollowerCounts,
  type HostProfile,
  type ShopProfile,
  adminMerchantQuery,
  followParams,
  idSchema,
  shopSlugSchema,
} from "../../protocol/api.js";
import { requireAccount } from "../accounts/index.js";
import { parseWith } from "../http/validate.js";
import { AppError } from "../platform/errors.js";
import { type ShowService, requireMerchantStaff } from "../shows/index.js";
import type { FollowService } from "./service.js";

export interface FollowRouteDeps {
  follows: FollowService;
  shows: ShowService;
  /** The shop of a public shop page (catalog's merchants), or null. */
  shopBySlug(slug: string): Promise<{ id: string; slug: string; name: string; logoUrl: string | null } | null>;
}

/**
 * Following a host or a shop (signed in), and the follower counts: a show's in the studio (its managers), the shop's
 * in the admin (its owner and staff; a platform admin names the merchant).
 */
export function registerFollowRoutes(app: FastifyInstance, { follows, shows, shopBySlug }: FollowRouteDeps) {
  type P = { Params: { target: string; targetId: string } };
  const view = (target: FollowView["target"], targetId: string, following: boolean): { follow: FollowView } => ({ follow: { target, targetId, following } });

  app.get<P>("/api/follows/:target/:targetId", async (req) => {
    const account = requireAccount(req);
    const { target, targetId } = parseWith(followParams, req.params, "invalid_query");
    return view(target, targetId, await follows.isFollowing(account.id, target, targetId));
  });

  app.put<P>("/api/follows/:target/:targetId", async (req) => {
    const account = requireAccount(req);
    const { target, targetId } = parseWith(followParams, req.params, "invalid_query");
    await follows.follow(account.id, target, targetId);
    return view(target, targetId, true);
  });

  app.delete<P>("/api/follows/:target/:targetId", async (req) => {
    const account = requireAccount(req);
    const { target, targetId } = parseWith(followParams, req.params, "invalid_query");
    await follows.unfollow(account.id, target, targetId);
    return view(target, targetId, false);
  });

  // The public shop and host pages' heads: name and follower count (their shows come from GET /api/discover).
  app.get<{ Params: { slug: string } }>("/api/shops/:slug", async (req): Promise<{ shop: ShopProfile }> => {
    const slug = parseWith(shopSlugSchema, req.params.slug, "invalid_query");
    const shop = await shopBySlug(slug);
    if (!shop) throw new AppError("not_found", "No such shop.");
    return { shop: { id: shop.id, slug: shop.slug, name: shop.name, logoUrl: shop.logoUrl, followers: await follows.count("shop", shop.id) } };
  });

  app.get<{ Params: { id: string } }>("/api/hosts/:id", async (req): Promise<{ host: HostProfile }> => {
    const id = parseWith(idSchema, req.params.id, "invalid_query");
    // Only an account that hosts (or hosted) a show has a public page: other accounts stay unknown.
    const name = await shows.hostName(id);
    if (name === null) throw new AppError("not_found", "No such host.");
    return { host: { id, name, followers: await follows.count("host", id) } };
  });

  app.get<{ Params: { showId: string } }>("/api/studio/shows/:showId/followers", async (req): Promise<{ followers: FollowerCounts }> => {
    const show = await shows.requireManager(requireAccount(req), req.params.showId);
    const [host, shop] = await Promise.all([follows.count("host", show.hostAccountId), follows.count("shop", show.merchantId)]);
    return { followers: { host, shop } };
  });

  app.get("/api/admin/followers", async (req): Promise<{ followers: { shop: number } }> => {
    const account = requireAccount(req);
    const query = parseWith(adminMerchantQuery, req.query ?? {}, "invalid_query");
    const merchantId = account.role === "admin" ? query.merchantId : account.merchantId;
    if (account.role === "admin" && !merchantId) throw new AppError("invalid_query", "merchantId: required for platform admins");
    if (!merchantId) throw new AppError("forbidden", "Only the merchant's owner or staff can do that.");
    requireMerchantStaff(account, merchantId);
    return { followers: { shop: await follows.count("shop", merchantId) } };
  });
}
