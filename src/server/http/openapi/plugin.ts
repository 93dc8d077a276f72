import { createHash } from "node:crypto";
import fs from "node:fs";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { buildOpenApiDocument } from "./document.js";
import { referencePage } from "./page.js";

const version = (): string => {
  try {
    return (JSON.parse(fs.readFileSync(new URL("../../../../package.json", import.meta.url), "utf8")) as { version: string }).version;
  } catch {
    return "0.0.0";
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
