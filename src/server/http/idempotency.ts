import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { type Db, scoped } from "../db/index.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { isUniqueViolation } from "../db/index.js";
import { canonicalJson } from "../platform/canonical-json.js";
import { appWide } from "./app-wide.js";
import { matchedRoute, requestPath } from "./request-path.js";
import type { HttpTables } from "./schema.js";
import type { Sweepers } from "./sweepers.js";

/** Keys live 24 hours, as Stripe's do; after that the same key counts as new. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;
const KEY = /^[\x21-\x7e]{8,200}$/;

/** An Idempotency-Key header that holds 8–200 visible ASCII characters, else idempotency_key_required. */
function checkedKey(raw: string | string[] | undefined): string {
  if (raw === undefined) throw new AppError("idempotency_key_required");
  if (typeof raw !== "string" || !KEY.test(raw)) throw new AppError("idempotency_key_required", "Idempotency-Key: 8–200 visible ASCII characters.");
  return raw;
}

/**
 * The Idempotency-Key of a route that requires one and keeps its own rule (orders, auction bids): one regex, not a zod
 * chain (every attempt of a flash sale or a bid storm passes here).
 */
export const idempotencyKeyOf = (req: FastifyRequest): string => checkedKey(req.headers["idempotency-key"]);

declare module "fastify" {
  interface FastifyRequest {
    idempotency: { scope: string; key: string } | null;
  }
}

/**
 * Stripe's idempotency for every creating POST under /api that has no rule of its own: with an `Idempotency-Key`
 * header, the first answer (2xx or 4xx) is stored and the same key with the same method, path and body answers it
 * again (header `Idempotent-Replayed: true`); another request under the key is refused with 422
 * `idempotency_mismatch`, one still running with 409 `idempotency_in_progress`. A 5xx is not stored: retrying is safe.
 * Keys are scoped to the signed-in account (anonymous callers share one scope; their keys are random).
 * Registered after the session hook, so `req.account` is known.
 */
export function registerIdempotency(app: FastifyInstance, deps: { db: Db; clock: Clock; skip: (method: string, route: string) => boolean }): void {
  const { clock } = deps;
  const db = scoped<HttpTables>(deps.db);
  app.decorateRequest("idempotency", null);

  app.addHook("preHandler", async (req, reply) => {
    if (req.method !== "POST") return;
    const header = req.headers["idempotency-key"];
    // Decided on the matched route (`/api/orders/:orderId/pay`), so `/%61pi/…` is the same request as `/api/…`.
    const route = matchedRoute(req);
    if (header === undefined || !route?.startsWith("/api/") || deps.skip(req.method, route)) return;
    const path = requestPath(req);
    const raw = checkedKey(header);
    // Multipart uploads are not buffered as a body we could compare: the key is refused rather than half-honoured.
    if (req.body !== undefined && (typeof req.body !== "object" || Buffer.isBuffer(req.body)))
      throw new AppError("invalid_body", "Idempotency-Key is supported on JSON requests only.");
    const scope = req.account?.id ?? "anonymous";
    const hash = createHash("sha256")
      .update(`${req.method} ${path}\n${canonicalJson(req.body ?? null)}`)
      .digest("base64url");
    const now = clock.now();
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await db
          .insertInto("idempotency_requests")
          .values({ scope, key: raw, request_hash: hash, status_code: null, content_type: null, body: null, created_at: now })
          .execute();
        req.idempotency = { scope, key: raw };
        return;
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
      }
      const row = await db.selectFrom("idempotency_requests").selectAll().where("scope", "=", scope).where("key", "=", raw).executeTakeFirst();
      if (!row) continue; // expired and deleted meanwhile: try the insert once more
      if (new Date(row.created_at).getTime() <= now.getTime() - IDEMPOTENCY_TTL_MS) {
        await db.deleteFrom("idempotency_requests").where("scope", "=", scope).where("key", "=", raw).where("created_at", "=", row.created_at).execute();
        continue;
      }
      if (row.request_hash !== hash) throw new AppError("idempotency_mismatch");
      if (row.status_code === null) throw new AppError("idempotency_in_progress");
      return reply
        .status(row.status_code)
        .header("idempotent-replayed", "true")
        .type(row.content_type ?? "application/json")
        .send(row.body ?? "");
    }
    throw new AppError("idempotency_in_progress");
  });

  app.addHook("onSend", async (req, reply, payload) => {
    const claim = req.idempotency;
    if (!claim) return payload;
    req.idempotency = null;
    const where = db.updateTable("idempotency_requests").where("scope", "=", claim.scope).where("key", "=", claim.key);
    if (reply.statusCode >= 500 || (typeof payload !== "string" && !Buffer.isBuffer(payload))) {
      await db.deleteFrom("idempotency_requests").where("scope", "=", claim.scope).where("key", "=", claim.key).execute();
      return payload;
    }
    const contentType = String(reply.getHeader("content-type") ?? "application/json");
    await where.set({ status_code: reply.statusCode, content_type: contentType, body: payload.toString() }).execute();
    return payload;
  });
}

/** Forgets keys older than 24 hours (run hourly). Returns how many. */
export async function expireIdempotencyKeys(db: Db, clock: Clock): Promise<number> {
  const cutoff = new Date(clock.now().getTime() - IDEMPOTENCY_TTL_MS);
  const res = await scoped<HttpTables>(db).deleteFrom("idempotency_requests").where("created_at", "<=", cutoff).executeTakeFirst();
  return Number(res.numDeletedRows);
}

/** The rule above for the whole app, and the hourly sweep of keys past their 24 hours. */
export const idempotencyRule = appWide<Parameters<typeof registerIdempotency>[1] & { sweepers: Sweepers }>(async (app, opts) => {
  registerIdempotency(app, opts);
  opts.sweepers.install(app, (every) => every(3600_000, () => expireIdempotencyKeys(opts.db, opts.clock)));
});
