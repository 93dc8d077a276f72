import type { FastifyRequest } from "fastify";

/**
 * One reading of a request's path for every security decision. Fastify's router (find-my-way) decodes `%61pi` to
 * `api` before matching, so a check on the raw `req.url` can be walked around; decisions are taken on the route the
 * router matched and the method, and where a path is needed, on the path as the router compares it.
 */

/** RFC 9110's safe methods: they must not change state, so they need no CSRF or Origin check. */
export function isSafeMethod(method: string): boolean {
  return method === "GET" || method === "HEAD" || method === "OPTIONS";
}

/** The route pattern the router matched (`/api/orders/:orderId/pay`), or null when none did (the 404 handler). */
export function matchedRoute(req: FastifyRequest): string | null {
  return req.routeOptions.url ?? null;
}

/**
 * The path as the router compares it: query and fragment dropped, percent-decoded as find-my-way decodes (decodeURI:
 * `%2F` stays encoded, so it never splits a segment), then dot-segments resolved (RFC 3986 §5.2.4) and repeated
 * slashes folded. The router does neither of the last two — such paths match no route — so this reading errs towards
 * "inside /api" and a prefix check on it cannot be walked around. Case is kept: the router is case-sensitive.
 */
export function routerPath(rawUrl: string): string {
  const end = rawUrl.search(/[?#]/);
  let p = end === -1 ? rawUrl : rawUrl.slice(0, end);
  try {
    p = decodeURI(p);
  } catch {
    // Malformed escapes: the router refuses the request (400); keep the raw text so a check still sees something.
  }
  const out: string[] = [];
  for (const segment of p.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") out.pop();
    else out.push(segment);
  }
  return `/${out.join("/")}${p.length > 1 && /\/\.{0,2}$/.test(p) && out.length ? "/" : ""}`;
}

/** routerPath of this request. */
export function requestPath(req: FastifyRequest): string {
  return routerPath(req.url);
}
