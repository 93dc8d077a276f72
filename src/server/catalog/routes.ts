import type { FastifyInstance, FastifyRequest } from "fastify";
import {
  adminMerchantQuery,
  adminOffersQuery,
  createProductBody,
  createVariantBody,
  updateProductBody,
  updateVariantBody,
  type ShowSalesView,
} from "../../protocol/api.js";
import { SESSION_COOKIE, requireAccount } from "../accounts/index.js";
import { parseWith } from "../http/validate.js";
import { imageUploadRoute, publicImageFiles } from "../http/image-routes.js";
import { AppError } from "../platform/errors.js";
import { requireMerchantStaff, type ShowService } from "../shows/index.js";
import type { OfferService } from "../offers/index.js";
import type { OrderService } from "../orders/index.js";
import type { CommissionService } from "../commissions/index.js";
import { IMAGE_CONTENT_TYPES, MAX_IMAGE_BYTES, storeProductImage } from "./images.js";
import type { CatalogService } from "./service.js";

export interface CatalogRouteDeps {
  catalog: CatalogService;
  shows: ShowService;
  offers: OfferService;
  orders: OrderService;
  commissions: CommissionService;
  mediaDir: string;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The merchant the request acts for: the account's own (owner/staff), or `?merchantId=` for a platform admin. */
function merchantOf(req: FastifyRequest, query: { merchantId?: string } = parseWith(adminMerchantQuery, req.query ?? {}, "invalid_query")): string {
  const account = requireAccount(req);
  const merchantId = account.role === "admin" ? query.merchantId : account.merchantId;
  if (account.role === "admin" && !merchantId) throw new AppError("invalid_query", "merchantId: required for platform admins");
  if (!merchantId) throw new AppError("forbidden", "Only the merchant's owner or staff can do that.");
  requireMerchantStaff(account, merchantId);
  return merchantId;
}

/**
 * The merchant admin's catalog (products, variants, pictures) and its overview of shows (offers, sales). Every route:
 * the merchant's `merchant`/`staff` accounts and platform admins; hosts and buyers get 403.
 */
export function registerCatalogRoutes(app: FastifyInstance, deps: CatalogRouteDeps) {
  const { catalog, shows, offers, orders, commissions } = deps;

  async function productForStaff(req: FastifyRequest, productId: string) {
    const account = requireAccount(req);
    if (!ID.test(productId)) throw new AppError("not_found", "No such product.");
    const product = await catalog.product(productId);
    requireMerchantStaff(account, product.merchantId);
    return product;
  }

  async function variantForStaff(req: FastifyRequest, productId: string, variantId: string) {
    await productForStaff(req, productId);
    if (!ID.test(variantId)) throw new AppError("not_found", "No such variant.");
    const variant = await catalog.variant(variantId);
    if (variant.productId !== productId) throw new AppError("not_found", "No such variant.");
    return variant;
  }

  app.get("/api/admin/products", async (req) => ({ products: await catalog.adminProducts(merchantOf(req)) }));

  app.post("/api/admin/products", async (req, reply) => {
    const merchantId = merchantOf(req);
    const product = await catalog.createProductWithVariants(merchantId, parseWith(createProductBody, req.body));
    return reply.status(201).send({ product });
  });

  app.get<{ Params: { id: string } }>("/api/admin/products/:id", async (req) => {
    await productForStaff(req, req.params.id);
    return { product: await catalog.adminProduct(req.params.id) };
  });

  app.patch<{ Params: { id: string } }>("/api/admin/products/:id", async (req) => {
    await productForStaff(req, req.params.id);
    return { product: await catalog.updateProduct(req.params.id, parseWith(updateProductBody, req.body)) };
  });

  app.delete<{ Params: { id: string } }>("/api/admin/products/:id", async (req) => {
    await productForStaff(req, req.params.id);
    await catalog.archiveProduct(req.params.id);
    return { ok: true };
  });

  app.post<{ Params: { id: string } }>("/api/admin/products/:id/variants", async (req, reply) => {
    await productForStaff(req, req.params.id);
    return reply.status(201).send({ variant: await catalog.addVariant(req.params.id, parseWith(createVariantBody, req.body)) });
  });

  app.patch<{ Params: { id: string; variantId: string } }>("/api/admin/products/:id/variants/:variantId", async (req) => {
    const v = await variantForStaff(req, req.params.id, req.params.variantId);
    return { variant: await catalog.updateVariant(v.id, parseWith(updateVariantBody, req.body)) };
  });

  app.delete<{ Params: { id: string; variantId: string } }>("/api/admin/products/:id/variants/:variantId", async (req) => {
    const v = await variantForStaff(req, req.params.id, req.params.variantId);
    await catalog.archiveVariant(v.id);
    return { ok: true };
  });

  // The picture is the raw request body (image/jpeg, image/png or image/webp), at most 10 MB.
  imageUploadRoute(app, {
    url: "/api/admin/products/:id/image",
    contentTypes: IMAGE_CONTENT_TYPES,
    maxBytes: MAX_IMAGE_BYTES,
    sessionCookie: SESSION_COOKIE,
    authorize: async (req: FastifyRequest<{ Params: { id: string } }>) => (await productForStaff(req, req.params.id)).id,
    store: async (productId, image) => {
      const { imageId } = await storeProductImage(deps.mediaDir, productId, image);
      return { product: await catalog.setImage(productId, imageId) };
    },
  });

  publicImageFiles(app, "products", "productId", deps.mediaDir);

  /** The merchant's shows with their sales: units and revenue net of refunds, the refunds, and the host's commission. */
  app.get("/api/admin/sales", async (req) => {
    const merchantId = merchantOf(req);
    const ids = await shows.showIdsOfMerchant(merchantId);
    const [list, sales, commission] = await Promise.all([
      Promise.all(ids.map((id) => shows.show(id))),
      orders.salesByShow(ids),
      Promise.all(ids.map((id) => commissions.showCommission(id))),
    ]);
    const views: ShowSalesView[] = list.map((s, i) => ({
      id: s.id,
      slug: s.slug,
      title: s.title,
      status: s.status,
      commissionRateBp: s.commissionRateBp,
      orders: 0,
      unitsSold: 0,
      revenue: 0,
      refundedUnits: 0,
      refunds: 0,
      ...sales.get(s.id),
      commission: commission[i] ?? 0,
      currency: "EUR",
    }));
    return { shows: views };
  });

  /** Every offer (open and ended) of the merchant's shows, or of one show with `?showId=`. */
  app.get("/api/admin/offers", async (req) => {
    const query = parseWith(adminOffersQuery, req.query ?? {}, "invalid_query");
    const merchantId = merchantOf(req, query);
    const showId = query.showId;
    let ids = await shows.showIdsOfMerchant(merchantId);
    if (showId !== undefined) {
      if (!ids.includes(showId)) throw new AppError("not_found", "No such show of this merchant.");
      ids = [showId];
    }
    return { offers: await offers.offersOfShows(ids) };
  });
}
