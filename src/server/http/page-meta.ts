import type { Clock } from "../platform/clock.js";
import { TtlCache } from "../platform/ttl-cache.js";

export type PageLang = "de" | "en";

/** What a link preview (WhatsApp, Facebook, X, Slack…) shows for one page, rendered into the shell's <head>. */
export interface PageMeta {
  /** The page's own title; the shell's <title> adds " · Showcart". */
  title: string;
  description: string;
  /** Path of the canonical page (`/shows/<slug>`); made absolute with PUBLIC_URL's origin (else the request's). */
  path: string;
  /** Preview picture: a root-relative path on this site or an absolute http(s) URL. */
  image?: { url: string; alt: string; width?: number; height?: number } | null;
  /** og:type; "website" when absent. */
  type?: "website" | "video.other" | "profile";
  /** Language of the title and description (og:locale); the show's or shop's, not the visitor's. */
  lang: PageLang;
}

/** The route's parameters (`{ slug }` for `/shows/:slug`) and the visitor's language guess (Accept-Language). */
export interface PageMetaRequest {
  params: Record<string, string>;
  lang: PageLang;
}

/** Tags for one page, or null when the route names nothing that exists (the shell is then served with 404). */
export type PageMetaSource = (req: PageMetaRequest) => Promise<PageMeta | null>;

export interface PageMetaEntry {
  source: PageMetaSource;
  /**
   * Query parameters kept on og:url when they match (a host's `?ref=` share code), so a network that links to og:url
   * (Facebook does) still carries the sharer's attribution. The canonical link never carries them.
   */
  keepQuery?: Record<string, RegExp>;
}

export interface ResolvedPageMeta {
  /** 404 when the source found nothing; the shell is still served (the page script shows its "not found"). */
  status: 200 | 404;
  /** The <head> lines that replace the shell's generic `<title>`. */
  head: string[];
}

const OG_LOCALE: Record<PageLang, string> = { de: "de_DE", en: "en_US" };
const SITE_NAME = "Showcart";

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/'/g, "&#39;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

// Previews cut long text anyway (Facebook ~300, X ~200 characters); a short description is also what search shows.
function clip(s: string, max: number): string {
  const flat = s.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
}

function absolute(url: string, origin: string): string | null {
  try {
    const u = new URL(url, origin);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}

/** The shell's head lines for a page: title, description, canonical, Open Graph and the Twitter card. */
export function pageMetaHead(meta: PageMeta, origin: string, query: URLSearchParams | null = null, keep: PageMetaEntry["keepQuery"] = {}): string[] {
  const canonical = absolute(meta.path, origin) ?? origin;
  const shared = new URL(canonical);
  for (const [name, pattern] of Object.entries(keep ?? {})) {
    const value = query?.get(name);
    if (value && pattern.test(value)) shared.searchParams.set(name, value);
  }
  const title = clip(meta.title, 120);
  const description = clip(meta.description, 300);
  const image = meta.image ? absolute(meta.image.url, origin) : null;
  const tag = (attr: "name" | "property", key: string, value: string) => `<meta ${attr}="${key}" content="${escapeHtml(value)}">`;
  return [
    `<title>${escapeHtml(`${title} · ${SITE_NAME}`)}</title>`,
    tag("name", "description", description),
    `<link rel="canonical" href="${escapeHtml(canonical)}">`,
    tag("property", "og:site_name", SITE_NAME),
    tag("property", "og:type", meta.type ?? "website"),
    tag("property", "og:title", title),
    tag("property", "og:description", description),
    tag("property", "og:url", shared.href),
    tag("property", "og:locale", OG_LOCALE[meta.lang]),
    ...(image && meta.image
      ? [
          tag("property", "og:image", image),
          tag("property", "og:image:alt", clip(meta.image.alt, 300)),
          ...(meta.image.width ? [tag("property", "og:image:width", String(meta.image.width))] : []),
          ...(meta.image.height ? [tag("property", "og:image:height", String(meta.image.height))] : []),
        ]
      : []),
    tag("name", "twitter:card", image ? "summary_large_image" : "summary"),
    tag("name", "twitter:title", title),
    tag("name", "twitter:description", description),
    ...(image && meta.image ? [tag("name", "twitter:image", image), tag("name", "twitter:image:alt", clip(meta.image.alt, 300))] : []),
  ];
}

/**
 * Link-preview tags by route pattern: a module registers a source for the page routes it owns
 * (`registerPageMeta("/shows/:slug", …)`), the web routes ask for the matched route's pattern. Sources' answers are
 * kept `ttlMs` (15 s) per pattern, parameters and language, so a link pasted into a busy group chat — every member's
 * app fetches the preview — reads the database once, not once per request.
 */
export class PageMetaRegistry {
  readonly #entries = new Map<string, PageMetaEntry>();
  readonly #cache: TtlCache<PageMeta | null>;

  constructor(clock: Clock, ttlMs = 15_000) {
    this.#cache = new TtlCache(clock, ttlMs, 5_000);
  }

  /** `pattern` is the page route exactly as registered with Fastify (`/shows/:slug`). One source per pattern. */
  registerPageMeta(pattern: string, source: PageMetaSource, options: Omit<PageMetaEntry, "source"> = {}): void {
    if (this.#entries.has(pattern)) throw new Error(`page meta for ${pattern} is registered twice`);
    this.#entries.set(pattern, { ...options, source });
  }

  has(pattern: string): boolean {
    return this.#entries.has(pattern);
  }

  /**
   * The head lines for a page route, or null when no source is registered for it (the generic shell). A source that
   * fails is a bug to log, not a reason to fail the page: the caller gets the generic shell then.
   */
  async resolve(pattern: string, req: PageMetaRequest & { origin: string; query?: URLSearchParams | null }): Promise<ResolvedPageMeta | null> {
    const entry = this.#entries.get(pattern);
    if (!entry) return null;
    const key = `${pattern}\n${req.lang}\n${JSON.stringify(Object.entries(req.params).sort())}`;
    const meta = await this.#cache.get(key, () => entry.source({ params: req.params, lang: req.lang }));
    if (!meta) return { status: 404, head: [`<title>${SITE_NAME}</title>`, `<meta name="robots" content="noindex">`] };
    return { status: 200, head: pageMetaHead(meta, req.origin, req.query ?? null, entry.keepQuery) };
  }
}
