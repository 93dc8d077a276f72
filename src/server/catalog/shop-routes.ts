import fs from "node:fs";
import path from "node:path";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { adminMerchantQuery, shopBody, updateShopBody } from "../../protocol/api.js";
import { SESSION_COOKIE, requireAccount } from "../accounts/index.js";
import { parseWith } from "../http/validate.js";
import { AppError } from "../platform/errors.js";
import { requireMerchantStaff } from "../shows/index.js";
import { IMAGE_CONTENT_TYPES, MAX_IMAGE_BYTES, storeImage } from "./images.js";
import type { MerchantService } from "./merchants.js";

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const IMAGE_FILE = /^img_[A-Za-z0-9_-]{1,64}-(400|800)\.webp$/;

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

  app.register(async (scope) => {
    scope.addHook("onRequest", async (req) => {
      if (!req.cookies[SESSION_COOKIE]) throw new AppError("unauthenticated");
    });
    scope.addContentTypeParser([...IMAGE_CONTENT_TYPES], { parseAs: "buffer", bodyLimit: MAX_IMAGE_BYTES }, (_req, body, done) => done(null, body));
    scope.addContentTypeParser("*", (_req, _payload, done) =>
      done(new AppError("unsupported_media_type", "Send a JPEG, PNG or WebP image (Content-Type image/jpeg, image/png or image/webp)."), undefined),
    );
    scope.post("/api/admin/shop/logo", { bodyLimit: MAX_IMAGE_BYTES }, async (req) => {
      const merchantId = shopOf(req, true);
      if (!Buffer.isBuffer(req.body) || req.body.length === 0)
        throw new AppError("unsupported_media_type", "Send a JPEG, PNG or WebP image (Content-Type image/jpeg, image/png or image/webp).");
      await merchants.shop(merchantId);
      const { imageId } = await storeImage(deps.mediaDir, "merchants", merchantId, req.body);
      return { shop: await merchants.setLogo(merchantId, imageId) };
    });
  });

  app.get<{ Params: { merchantId: string; file: string } }>("/media/merchants/:merchantId/:file", async (req, reply) => {
    const { merchantId, file } = req.params;
    if (!ID.test(merchantId) || !IMAGE_FILE.test(file)) throw new AppError("not_found");
    const abs = path.join(deps.mediaDir, "merchants", merchantId, file);
    const stat = await fs.promises.stat(abs).catch(() => null);
    if (!stat?.isFile()) throw new AppError("not_found");
    return reply
      .type("image/webp")
      .header("Content-Length", stat.size)
      .header("Cache-Control", "public, max-age=31536000, immutable")
      .header("X-Content-Type-Options", "nosniff")
      .send(fs.createReadStream(abs));
  });
}
