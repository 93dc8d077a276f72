import type { FastifyInstance, FastifyRequest } from "fastify";
import { adminMerchantQuery, shopBody, updateShopBody } from "../../protocol/api.js";
import { SESSION_COOKIE, requireAccount } from "../accounts/index.js";
import { parseWith } from "../http/validate.js";
import { imageUploadRoute, publicImageFiles } from "../http/image-routes.js";
import { AppError } from "../platform/errors.js";
import { requireMerchantStaff } from "../shows/index.js";
import { IMAGE_CONTENT_TYPES, MAX_IMAGE_BYTES, storeImage } from "./images.js";
import type { MerchantService } from "./merchants.js";

/**
 * Shops: platform admins create further shops; a shop's owner (and admins) edit its details and logo; its staff read
 * them. Logos are stored like product pictures and public.
 */
export function registerShopRoutes(app: FastifyInstance, deps: { merchants: MerchantService; mediaDir: string }) {
  const { merchants } = deps;
  /** The shop the request acts for: the account's own, or the one an admin names with ?merchantId=. */
  const shopOf = (req: FastifyRequest, owner: boolean): string => {
    const account = requireAccount(req);
    const query = parseWith(adminMerchantQuery, req.query ?? {}, "invalid_query");
    const merchantId = account.role === "admin" ? query.merchantId : account.merchantId;
    if (account.role === "admin" && !merchantId) throw new AppError("invalid_query", "merchantId: required for platform admins");
    if (!merchantId) throw new AppError("forbidden", "Only the shop's owner or staff can do that.");
    requireMerchantStaff(account, merchantId);
    if (owner && account.role === "staff") throw new AppError("forbidden", "Only the shop's owner can change its details.");
    return merchantId;
  };

  app.post("/api/admin/merchants", async (req, reply) => {
    const account = requireAccount(req);
    if (account.role !== "admin") throw new AppError("forbidden", "Only platform admins create shops.");
    return reply.status(201).send({ shop: await merchants.create(parseWith(shopBody, req.body)) });
  });

  app.get("/api/admin/shop", async (req) => ({ shop: await merchants.shop(shopOf(req, false)) }));

  app.patch("/api/admin/shop", async (req) => {
    const merchantId = shopOf(req, true);
    return { shop: await merchants.update(merchantId, parseWith(updateShopBody, req.body)) };
  });

  imageUploadRoute(app, {
    url: "/api/admin/shop/logo",
    contentTypes: IMAGE_CONTENT_TYPES,
    maxBytes: MAX_IMAGE_BYTES,
    sessionCookie: SESSION_COOKIE,
    authorize: async (req) => {
      const merchantId = shopOf(req, true);
      await merchants.shop(merchantId);
      return merchantId;
    },
    store: async (merchantId, image) => {
      const { imageId } = await storeImage(deps.mediaDir, "merchants", merchantId, image);
      return { shop: await merchants.setLogo(merchantId, imageId) };
    },
  });

  publicImageFiles(app, "merchants", "merchantId", deps.mediaDir);
}
