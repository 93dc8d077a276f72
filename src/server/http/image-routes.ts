import fs from "node:fs";
import path from "node:path";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { AppError } from "../platform/errors.js";

const NOT_AN_IMAGE = "Send a JPEG, PNG or WebP image (Content-Type image/jpeg, image/png or image/webp).";
const OWNER_ID = /^[A-Za-z0-9_-]{1,64}$/;
const IMAGE_FILE = /^img_[A-Za-z0-9_-]{1,64}-(400|800)\.webp$/;

export interface ImageUploadRoute<P, A> {
  /** The upload's path, e.g. "/api/admin/products/:id/image". */
  url: string;
  contentTypes: readonly string[];
  maxBytes: number;
  /** Without this cookie the request is refused before its body is read (no point buffering 10 MB for nobody). */
  sessionCookie: string;
  /** Who may upload here; runs before the body is looked at, so a stranger learns nothing about it. */
  authorize(req: FastifyRequest<{ Params: P }>): Promise<A>;
  /** Stores the picture (the non-empty raw body) for what authorize returned; the answer is the reply. */
  store(owner: A, image: Buffer): Promise<unknown>;
}

/**
 * An upload whose body is the picture itself (product pictures, show covers, shop logos), at most `maxBytes`. Its own
 * plugin scope, so the image parsers and the larger body limit apply to this route only; any other Content-Type is 415.
 */
export function imageUploadRoute<P, A>(app: FastifyInstance, route: ImageUploadRoute<P, A>): void {
  app.register(async (scope) => {
    scope.addHook("onRequest", async (req) => {
      if (!req.cookies[route.sessionCookie]) throw new AppError("unauthenticated");
    });
    scope.addContentTypeParser([...route.contentTypes], { parseAs: "buffer", bodyLimit: route.maxBytes }, (_req, body, done) => done(null, body));
    scope.addContentTypeParser("*", (_req, _payload, done) => done(new AppError("unsupported_media_type", NOT_AN_IMAGE), undefined));
    scope.post<{ Params: P }>(route.url, { bodyLimit: route.maxBytes }, async (req) => {
      const owner = await route.authorize(req);
      if (!Buffer.isBuffer(req.body) || req.body.length === 0) throw new AppError("unsupported_media_type", NOT_AN_IMAGE);
      return route.store(owner, req.body);
    });
  });
}

/**
 * GET /media/<folder>/:<ownerParam>/:file — the stored WebP renditions under <mediaDir>/<folder>/<ownerId>/. They are named
 * by a random id per upload, so they can be cached forever; public, like the pages that show them.
 */
export function publicImageFiles(app: FastifyInstance, folder: "products" | "shows" | "merchants", ownerParam: string, mediaDir: string): void {
  app.get<{ Params: Record<string, string> }>(`/media/${folder}/:${ownerParam}/:file`, async (req, reply) => {
    const ownerId = req.params[ownerParam] ?? "";
    const file = req.params.file ?? "";
    if (!OWNER_ID.test(ownerId) || !IMAGE_FILE.test(file)) throw new AppError("not_found");
    const abs = path.join(mediaDir, folder, ownerId, file);
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
