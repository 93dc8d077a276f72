import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { buildOpenApiDocument } from "./document.js";
import { referencePage } from "./page.js";

// The nearest package.json above this file: four folders up from src/server/http/openapi, one from dist/server.mjs.
const version = (): string => {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    try {
      return (JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { version: string }).version;
    } catch {
      if (path.dirname(dir) === dir) return "0.0.0";
    }
  }
};

// The document only changes with a release: caches may keep it 5 minutes and revalidate by ETag after that.
const CACHE = "public, max-age=300";
// The page is static HTML with its own styles: no script, nothing from another origin.
const PAGE_CSP = "default-src 'none'; style-src 'sha256-{hash}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** GET /api/openapi.json and its reference page /api/docs: public, built once per process. */
export const openApiRoutes: FastifyPluginAsync = async (app) => {
  const doc = buildOpenApiDocument(version());
  const json = JSON.stringify(doc);
  const page = referencePage(doc);
  const tag = (body: string) => `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
  const jsonTag = tag(json);
  const pageTag = tag(page.html);
  const csp = PAGE_CSP.replace("{hash}", page.styleHash);

  const send = (req: FastifyRequest, reply: FastifyReply, etag: string, type: string, body: string) => {
    reply.header("Cache-Control", CACHE).header("ETag", etag);
    if (req.headers["if-none-match"] === etag) return reply.status(304).send();
    return reply.type(type).send(body);
  };
  app.get("/api/openapi.json", (req, reply) => send(req, reply, jsonTag, "application/json; charset=utf-8", json));
  app.get("/api/docs", (req, reply) => {
    reply.header("Content-Security-Policy", csp).header("X-Frame-Options", "DENY");
    return send(req, reply, pageTag, "text/html; charset=utf-8", page.html);
  });
};
