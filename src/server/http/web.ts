import fs from "node:fs";
import path from "node:path";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ownOrigin } from "./origin.js";
import type { PageMetaRegistry, ResolvedPageMeta } from "./page-meta.js";

export interface WebRoutesOptions {
  /** Output of `npm run build:web`: holds manifest.json and assets/. */
  distDir: string;
  /** Extra origins (CDN for HLS or product images) allowed by the pages' Content-Security-Policy. */
  extraOrigins?: string[];
  /** PAYMENT_PROVIDER=stripe: the checkout loads Stripe.js, which needs its script, frames and API in the CSP. */
  stripe?: boolean;
  /** An empty installation (no admin, no shop): every page leads to /setup until it is set up. */
  firstRunNeeded?: () => Promise<boolean>;
  /** The sites that may frame /embed/<slug> (the show's shop's list, embed module); none for an unknown slug. */
  embedFrameAncestors?: (slug: string) => Promise<string[]>;
  /** PUBLIC_URL's origin, for absolute links in the shell (oEmbed discovery); else the request's own origin. */
  publicOrigin?: string | null;
  /** Link-preview tags (title, Open Graph, Twitter card) by page route pattern; pages without an entry get the generic shell. */
  pageMeta?: PageMetaRegistry;
}

interface PageAssets {
  js: string;
  preload: string[];
  css: string[];
}
interface WebManifest {
  entries: Record<string, PageAssets>;
}

type Page = "home" | "viewer" | "studio" | "login" | "account" | "admin" | "order" | "verify" | "earnings" | "setup" | "profile" | "analytics" | "stage";

const CONTENT_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
};
// esbuild's [hash] is 8 characters of base32; such names never change content, so caches may keep them forever.
const HASHED_NAME = /-[A-Z0-9]{8}\.[a-z0-9.]+$/;
const FAVICON =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Ccircle cx='8' cy='8' r='7' fill='%23e4245b'/%3E%3C/svg%3E";

function escapeAttr(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

// A first guess for <html lang> so the shell is right before the script runs; the client has the final say.
function langFromHeader(acceptLanguage: string | undefined): "de" | "en" {
  for (const part of (acceptLanguage ?? "").split(",")) {
    const base = part.trim().slice(0, 2).toLowerCase();
    if (base === "de" || base === "en") return base;
  }
  return "en";
}

// Stripe.js: https://docs.stripe.com/security/guide#content-security-policy
const STRIPE_SCRIPT = " https://js.stripe.com";
const STRIPE_FRAMES = " https://js.stripe.com https://hooks.stripe.com";
const STRIPE_CONNECT = " https://api.stripe.com";

/**
 * Every page refuses to be framed ('none'), except the embeddable player (/embed/<slug>), which names the sites its
 * shop allows (already normalised origins: no spaces or semicolons can reach the header).
 */
function contentSecurityPolicy(extra: string[], stripe = false, frameAncestors: readonly string[] = []): string {
  const more = extra.length ? ` ${extra.join(" ")}` : "";
  return [
    "default-src 'self'",
    `script-src 'self'${stripe ? STRIPE_SCRIPT : ""}`,
    ...(stripe ? [`frame-src 'self'${STRIPE_FRAMES}`] : []),
    "style-src 'self'",
    `img-src 'self' data:${more}`,
    // MSE playback attaches a blob: URL to <video>; hls.js runs its transmuxer in a blob: worker.
    `media-src 'self' blob:${more}`,
    "worker-src 'self' blob:",
    `connect-src 'self'${more}${stripe ? STRIPE_CONNECT : ""}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${frameAncestors.length ? frameAncestors.join(" ") : "'none'"}`,
  ].join("; ");
}

// Camera, microphone and screen capture only where the host goes live from the browser; camera and microphone also
// where a guest joins the stage; no page needs location.
const STUDIO_PERMISSIONS = "camera=(self), microphone=(self), display-capture=(self), geolocation=()";
const STAGE_PERMISSIONS = "camera=(self), microphone=(self), display-capture=(), geolocation=()";
const PAGE_PERMISSIONS = "camera=(), microphone=(), display-capture=(), geolocation=()";

/**
 * Serves the web app: one small HTML shell per page (no-cache) that loads that page's hashed bundle, and the
 * bundles themselves under /assets (immutable, pre-compressed br/gz when the client accepts them).
 */
export async function webRoutes(app: FastifyInstance, opts: WebRoutesOptions): Promise<void> {
  const distDir = path.resolve(opts.distDir);
  const assetsDir = path.join(distDir, "assets");
  const manifestPath = path.join(distDir, "manifest.json");
  const csp = contentSecurityPolicy(opts.extraOrigins ?? [], opts.stripe);

  // Re-read when a rebuild replaced the manifest, so a running dev server picks up `npm run build:web`.
  let cached: { mtimeMs: number; manifest: WebManifest } | null = null;
  function manifest(): WebManifest | null {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(manifestPath);
    } catch {
      return null;
    }
    if (!cached || cached.mtimeMs !== stat.mtimeMs) {
      cached = { mtimeMs: stat.mtimeMs, manifest: JSON.parse(fs.readFileSync(manifestPath, "utf8")) as WebManifest };
    }
    return cached.manifest;
  }

  /** The page's preview tags from the registry, by the route Fastify matched (never the raw URL). */
  async function pageMetaFor(req: FastifyRequest): Promise<ResolvedPageMeta | null> {
    const pattern = req.routeOptions.url;
    const origin = opts.publicOrigin ?? ownOrigin(req);
    if (!opts.pageMeta || !pattern || !origin || !opts.pageMeta.has(pattern)) return null;
    try {
      return await opts.pageMeta.resolve(pattern, {
        params: (req.params ?? {}) as Record<string, string>,
        lang: langFromHeader(req.headers["accept-language"]),
        origin,
        query: new URL(req.url, "http://x").searchParams,
      });
    } catch (err) {
      // A preview is never worth a failed page: the generic shell, and the bug in the log.
      req.log.error({ err, route: pattern }, "page meta failed");
      return null;
    }
  }

  async function sendPage(page: Page, req: FastifyRequest, reply: FastifyReply, extra: { csp?: string; head?: string[] } = {}) {
    const meta = await pageMetaFor(req);
    const assets = manifest()?.entries[page];
    reply
      .header("Cache-Control", "no-cache")
      .header("Content-Security-Policy", extra.csp ?? csp)
      .header("X-Content-Type-Options", "nosniff")
      // Other sites learn our origin at most, never a path (order pages carry ids in theirs).
      .header("Referrer-Policy", "strict-origin-when-cross-origin")
      // Decided by the page the route serves, not by the URL.
      .header("Permissions-Policy", page === "studio" ? STUDIO_PERMISSIONS : page === "stage" ? STAGE_PERMISSIONS : PAGE_PERMISSIONS)
      .type("text/html; charset=utf-8");
    if (!assets) {
      req.log.error({ manifestPath }, "web assets missing: run `npm run build:web`");
      return reply.status(503).send("<!doctype html><title>Showcart</title><p>The web app is not built yet. Run <code>npm run build:web</code>.</p>");
    }
    if (meta?.status === 404) reply.status(404);
    const head = [
      ...(meta?.head ?? ["<title>Showcart</title>"]),
      ...(extra.head ?? []),
      ...assets.css.map((href) => `<link rel="stylesheet" href="${escapeAttr(href)}">`),
      ...assets.preload.map((href) => `<link rel="modulepreload" href="${escapeAttr(href)}">`),
      `<script type="module" src="${escapeAttr(assets.js)}"></script>`,
    ].join("\n");
    return reply.send(`<!doctype html>
<html lang="${langFromHeader(req.headers["accept-language"])}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="theme-color" content="#e4245b">
<link rel="icon" href="${FAVICON}">
${head}
</head>
<body>
<div id="app"></div>
<noscript>Showcart needs JavaScript to play the show and take orders.</noscript>
</body>
</html>
`);
  }

  // Until the first run is done every page leads to /setup; once set up, never asked again (nothing undoes it).
  let setUp = !opts.firstRunNeeded;
  app.addHook("onRequest", async (req, reply) => {
    if (setUp || req.method !== "GET") return;
    const route = req.routeOptions.url ?? "";
    if (route === "/setup" || route === "/verify-email" || route.startsWith("/assets/")) return;
    if (await opts.firstRunNeeded!()) return reply.redirect("/setup", 302);
    setUp = true;
  });

  app.get("/", (req, reply) => sendPage("home", req, reply));
  app.get("/login", (req, reply) => sendPage("login", req, reply));
  app.get("/admin", (req, reply) => sendPage("admin", req, reply));
  // Analytics: the shop overview and a show's report (the page asks for a login; the API routes guard the data).
  app.get("/admin/analytics", (req, reply) => sendPage("analytics", req, reply));
  app.get("/admin/analytics/:showId", (req, reply) => sendPage("analytics", req, reply));
  // The first run of an empty installation, and the admin's emailed confirmation link (token in the fragment).
  app.get("/setup", (req, reply) => sendPage("setup", req, reply));
  app.get("/verify-email", (req, reply) => sendPage("setup", req, reply));
  // The buyer's order page; a guest's access token rides in the fragment (#t=…), never in the logged path.
  app.get("/orders/:orderId", (req, reply) => sendPage("order", req, reply));
  app.get("/account", (req, reply) => sendPage("account", req, reply));
  // A host's commission: balances, statements (CSV/PDF) and payouts.
  app.get("/earnings", (req, reply) => sendPage("earnings", req, reply));
  // Password reset, team invites and unsubscribe links; the emailed links carry their token in the URL fragment.
  for (const path of ["/forgot-password", "/reset-password", "/accept-invite", "/confirm-signup", "/unsubscribe"])
    app.get(path, (req, reply) => sendPage("account", req, reply));
  // oEmbed discovery (https://oembed.com/#section4): a CMS given the show's URL finds the embed code from here.
  app.get<{ Params: { slug: string } }>("/shows/:slug", (req, reply) => {
    const base = opts.publicOrigin ?? ownOrigin(req);
    const showUrl = `${base}/shows/${encodeURIComponent(req.params.slug)}`;
    const oembed = `${base}/oembed?url=${encodeURIComponent(showUrl)}&format=json`;
    const discovery = base ? [`<link rel="alternate" type="application/json+oembed" href="${escapeAttr(oembed)}">`] : [];
    return sendPage("viewer", req, reply, { head: discovery });
  });
  // A shop's and a host's public page: their shows and follow button (the profile bundle; link previews when registered).
  app.get<{ Params: { slug: string } }>("/shops/:slug", (req, reply) => sendPage("profile", req, reply));
  app.get<{ Params: { id: string } }>("/hosts/:id", (req, reply) => sendPage("profile", req, reply));
  // The embeddable player: the viewer page in its compact layout, framed only by the sites the show's shop allows.
  app.get<{ Params: { slug: string } }>("/embed/:slug", async (req, reply) => {
    const ancestors = opts.embedFrameAncestors ? await opts.embedFrameAncestors(req.params.slug) : [];
    return sendPage("viewer", req, reply, { csp: contentSecurityPolicy(opts.extraOrigins ?? [], opts.stripe, ancestors) });
  });
  app.get("/studio/:showId", (req, reply) => sendPage("studio", req, reply));
  // A co-host's or guest's way onto the show's stage (the invite link the host shares from the studio's Stage tab).
  app.get("/stage/:showId", (req, reply) => sendPage("stage", req, reply));
  // Public recomputation of a giveaway draw (provably fair).
  app.get("/verify/giveaway/:giveawayId", (req, reply) => sendPage("verify", req, reply));

  app.get<{ Params: { "*": string } }>("/assets/*", async (req, reply) => {
    const rel = req.params["*"];
    const file = path.resolve(assetsDir, rel);
    // Only files inside assets/, and not the pre-compressed twins (those are chosen by Accept-Encoding below).
    if (!file.startsWith(assetsDir + path.sep) || rel.includes("\0") || /\.(br|gz)$/.test(file)) {
      return reply.status(404).send({ error: { code: "not_found", message: "Not found." } });
    }
    return sendFile(req, reply, file, HASHED_NAME.test(file) ? "public, max-age=31536000, immutable" : "no-cache");
  });

  // The embed loader merchants put on their pages: one stable URL (not hashed), so caches keep it a few minutes only.
  // Cross-Origin-Resource-Policy lets a page that sets Cross-Origin-Embedder-Policy load it.
  app.get("/embed.js", (req, reply) => {
    reply.header("Cross-Origin-Resource-Policy", "cross-origin");
    return sendFile(req, reply, path.join(distDir, "embed.js"), "public, max-age=300");
  });

  /** A built file, pre-compressed (br, gz) when the client accepts it and the twin exists. */
  async function sendFile(req: FastifyRequest, reply: FastifyReply, file: string, cacheControl: string) {
    const stat = await fs.promises.stat(file).catch(() => null);
    if (!stat?.isFile()) return reply.status(404).send({ error: { code: "not_found", message: "Not found." } });

    const ext = path.extname(file);
    const accept = String(req.headers["accept-encoding"] ?? "");
    let served = file;
    let size = stat.size;
    if (ext === ".js" || ext === ".css") {
      reply.header("Vary", "Accept-Encoding");
      for (const [enc, suffix] of [
        ["br", ".br"],
        ["gzip", ".gz"],
      ] as const) {
        if (!new RegExp(`\\b${enc}\\b`).test(accept)) continue;
        const twin = await fs.promises.stat(file + suffix).catch(() => null);
        if (!twin?.isFile()) continue;
        served = file + suffix;
        size = twin.size;
        reply.header("Content-Encoding", enc);
        break;
      }
    }
    return reply
      .type(CONTENT_TYPES[ext] ?? "application/octet-stream")
      .header("Content-Length", size)
      .header("X-Content-Type-Options", "nosniff")
      .header("Cache-Control", cacheControl)
      .send(fs.createReadStream(served));
  }
}
