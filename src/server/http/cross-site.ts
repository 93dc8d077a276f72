import type { FastifyRequest } from "fastify";
import { AppError } from "../platform/errors.js";
import { originVerdict } from "./origin.js";
import { isSafeMethod } from "./request-path.js";

/** The header every cookie-authenticated write carries; a cross-site form cannot send it without a CORS preflight we never grant. */
export const CSRF_HEADER = "x-showcart-csrf";

/**
 * The rule for a request that the session cookie authenticated (call it once the account is known):
 * - a WebSocket upgrade with a foreign `Origin` is refused before the upgrade (403 `origin_not_allowed`);
 * - a write (any method but GET/HEAD/OPTIONS, whatever the path) needs the CSRF header, and a present `Origin` must
 *   be ours. Decided on the method alone, never on the URL, so no encoding of the path can walk around it.
 * Requests without the cookie carry no ambient authority and are not checked here.
 */
export function guardCookieRequest(req: FastifyRequest, allowedOrigins: readonly string[]): void {
  const upgrade = req.ws === true;
  if (!upgrade && isSafeMethod(req.method)) return;
  if (originVerdict(req, allowedOrigins) === "foreign") throw new AppError("origin_not_allowed");
  if (!upgrade && req.headers[CSRF_HEADER] === undefined) throw new AppError("forbidden", `Cookie-authenticated writes need the ${CSRF_HEADER} header.`);
}
