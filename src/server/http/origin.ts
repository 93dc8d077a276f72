import type { FastifyRequest } from "fastify";

export type OriginVerdict = "absent" | "allowed" | "foreign";

/** `scheme://host[:port]` normalised as browsers send it (lower case, default port dropped), or null if not a URL. */
function originOf(value: string): string | null {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url.origin : null;
  } catch {
    return null;
  }
}

/**
 * The request's own origin as the server sees it: the socket's scheme and the Host header, or with TRUST_PROXY the
 * proxy's X-Forwarded-Proto / X-Forwarded-Host (Fastify reads those only from trusted proxies).
 */
export function ownOrigin(req: FastifyRequest): string | null {
  return req.host ? originOf(`${req.protocol}://${req.host}`) : null;
}

/**
 * Whether the browser that sent this request runs a page of ours: its `Origin` is the request's own origin or one of
 * `allowed` (PUBLIC_URL's origin and ALLOWED_ORIGINS). Non-browser clients send no Origin ("absent"); `null`, as
 * sandboxed frames and some redirects send it, is foreign.
 */
export function originVerdict(req: FastifyRequest, allowed: readonly string[]): OriginVerdict {
  const header = req.headers.origin;
  if (header === undefined) return "absent";
  const origin = originOf(header);
  if (origin === null) return "foreign";
  return origin === ownOrigin(req) || allowed.includes(origin) ? "allowed" : "foreign";
}
