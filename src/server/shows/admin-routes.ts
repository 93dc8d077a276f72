import fs from "node:fs";
import path from "node:path";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { adminMerchantQuery, adminShowsQuery, createShowBody, duplicateShowBody, updateShowBody } from "../../protocol/api.js";
import { SESSION_COOKIE, requireAccount } from "../accounts/index.js";
import { parseWith } from "../http/validate.js";
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
const IMAGE_FILE = /^img_[A-Za-z0-9_-]{1,64}-(400|800)\.webp$/;

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

  // The cover is the raw request body (image/jpeg, image/png or image/webp), at most 10 MB, stored like product
  // pictures. Its own plugin scope, so the image parsers and the larger body limit apply to this route only.
  app.register(async (scope) => {
    scope.addHook("onRequest", async (req) => {
      if (!req.cookies[SESSION_COOKIE]) throw new AppError("unauthenticated");
    });
    scope.addContentTypeParser([...deps.images.contentTypes], { parseAs: "buffer", bodyLimit: deps.images.maxBytes }, (_req, body, done) => done(null, body));
    scope.addContentTypeParser("*", (_req, _payload, done) =>
      done(new AppError("unsupported_media_type", "Send a JPEG, PNG or WebP image (Content-Type image/jpeg, image/png or image/webp)."), undefined),
    );
    scope.post<{ Params: { showId: string } }>("/api/admin/shows/:showId/cover", { bodyLimit: deps.images.maxBytes }, async (req) => {
      const show = await showForStaff(req, req.params.showId);
      if (!Buffer.isBuffer(req.body) || req.body.length === 0)
        throw new AppError("unsupported_media_type", "Send a JPEG, PNG or WebP image (Content-Type image/jpeg, image/png or image/webp).");
      const { imageId } = await deps.images.store("shows", show.id, req.body);
      return { show: await planner.setCover(show, imageId) };
    });
  });

  // Covers are named by a random id per upload, so they can be cached forever (public, like product pictures).
  app.get<{ Params: { showId: string; file: string } }>("/media/shows/:showId/:file", async (req, reply) => {
    const { showId, file } = req.params;
    if (!ID.test(showId) || !IMAGE_FILE.test(file)) throw new AppError("not_found");
    const abs = path.join(deps.mediaDir, "shows", showId, file);
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
