import type { FastifyInstance, FastifyRequest } from "fastify";
import { adminMerchantQuery, adminShowsQuery, createShowBody, duplicateShowBody, updateShowBody } from "../../protocol/api.js";
import { SESSION_COOKIE, requireAccount } from "../accounts/index.js";
import { parseWith } from "../http/validate.js";
import { imageUploadRoute, publicImageFiles } from "../http/image-routes.js";
import { AppError } from "../platform/errors.js";
import type { ShowPlanner } from "./planner.js";
import { requireMerchantStaff, type ShowService } from "./service.js";

export interface ShowAdminRouteDeps {
  shows: ShowService;
  planner: ShowPlanner;
  /** The shop's hosts (accounts' memberships). */
  hostsOf(merchantId: string): Promise<{ accountId: string; displayName: string; email: string }[]>;
  /** Catalog's picture pipeline (decode, upright, strip, 400/800 px WebP), for show covers. */
  images: {
    contentTypes: readonly string[];
    maxBytes: number;
    store(folder: "shows", ownerId: string, data: Buffer): Promise<{ imageId: string }>;
  };
  mediaDir: string;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The merchant's shows: list, the show form (create, edit, schedule, cancel, duplicate, cover), its hosts. The
 * merchant rule: the shop's owner and staff, and platform admins (who name the shop with `merchantId`); hosts and
 * buyers get 403. Who asks is checked before what they sent.
 */
export function registerShowAdminRoutes(app: FastifyInstance, deps: ShowAdminRouteDeps) {
  const { shows, planner } = deps;

  /** The shop the request acts for: the account's own (owner/staff), or the one an admin names. */
  const merchantOf = (req: FastifyRequest, named?: string): string => {
    const account = requireAccount(req);
    if (account.role === "admin") {
      const merchantId = named ?? parseWith(adminMerchantQuery, req.query ?? {}, "invalid_query").merchantId;
      if (!merchantId) throw new AppError("invalid_query", "merchantId: required for platform admins");
      return merchantId;
    }
    if (!account.merchantId) throw new AppError("forbidden", "Only a merchant's owner or staff can do that.");
    requireMerchantStaff(account, account.merchantId);
    return account.merchantId;
  };
  const showForStaff = async (req: FastifyRequest, showId: string) => {
    const account = requireAccount(req);
    if (!ID.test(showId)) throw new AppError("not_found", "No such show.");
    const show = await shows.show(showId);
    requireMerchantStaff(account, show.merchantId);
    return show;
  };

  app.get("/api/admin/hosts", async (req) => {
    const merchantId = merchantOf(req);
    const hosts = await deps.hostsOf(merchantId);
    return { hosts: hosts.map((h) => ({ id: h.accountId, displayName: h.displayName, email: h.email })) };
  });

  app.get("/api/admin/shows", async (req) => {
    requireAccount(req);
    const query = parseWith(adminShowsQuery, req.query ?? {}, "invalid_query");
    const merchantId = merchantOf(req, requireAccount(req).role === "admin" ? query.merchantId : undefined);
    return { shows: await planner.list(merchantId, query) };
  });

  app.post("/api/admin/shows", async (req, reply) => {
    const account = requireAccount(req);
    if (account.role !== "admin") merchantOf(req);
    const body = parseWith(createShowBody, req.body);
    if (account.role === "admin" && !body.merchantId) throw new AppError("invalid_body", "merchantId: required for platform admins");
    const merchantId = merchantOf(req, body.merchantId);
    if (account.role !== "admin" && body.merchantId && body.merchantId !== merchantId) throw new AppError("forbidden", "Not your shop.");
    // The stream key is for the host's studio (reveal there); it is not part of this answer.
    return reply.status(201).send({ show: await planner.create(merchantId, body) });
  });

  app.get<{ Params: { showId: string } }>("/api/admin/shows/:showId", async (req) => ({
    show: await planner.detail(await showForStaff(req, req.params.showId)),
  }));

  app.patch<{ Params: { showId: string } }>("/api/admin/shows/:showId", async (req) => {
    const show = await showForStaff(req, req.params.showId);
    return { show: await planner.update(show, parseWith(updateShowBody, req.body)) };
  });

  app.post<{ Params: { showId: string } }>("/api/admin/shows/:showId/cancel", async (req) => {
    const show = await showForStaff(req, req.params.showId);
    return { show: await planner.cancel(show) };
  });

  app.post<{ Params: { showId: string } }>("/api/admin/shows/:showId/duplicate", async (req, reply) => {
    const show = await showForStaff(req, req.params.showId);
    const body = parseWith(duplicateShowBody, req.body ?? {});
    return reply.status(201).send({ show: await planner.duplicate(show, body) });
  });

  // The cover is the raw request body (image/jpeg, image/png or image/webp), stored like product pictures.
  imageUploadRoute(app, {
    url: "/api/admin/shows/:showId/cover",
    contentTypes: deps.images.contentTypes,
    maxBytes: deps.images.maxBytes,
    sessionCookie: SESSION_COOKIE,
    authorize: (req: FastifyRequest<{ Params: { showId: string } }>) => showForStaff(req, req.params.showId),
    store: async (show, image) => {
      const { imageId } = await deps.images.store("shows", show.id, image);
      return { show: await planner.setCover(show, imageId) };
    },
  });

  publicImageFiles(app, "shows", "showId", deps.mediaDir);
}
