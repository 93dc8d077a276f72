import type { FastifyInstance, FastifyRequest } from "fastify";
import { adminMerchantQuery } from "../../protocol/api.js";
import { type EmbedSettingsView, type OembedRich, embedSettingsBody, oembedQuery } from "../../protocol/embed.js";
import { requireAccount } from "../accounts/index.js";
import { ownOrigin } from "../http/origin.js";
import { parseWith } from "../http/validate.js";
import { AppError } from "../platform/errors.js";
import { requireMerchantStaff, showCoverUrl } from "../shows/index.js";
import type { EmbedService } from "./service.js";

export interface EmbedRouteDeps {
  embed: EmbedService;
  /** PUBLIC_URL's origin: the base of the URLs oEmbed hands out (else the request's own origin). */
  publicOrigin: string | null;
}

// oEmbed's default frame: the embed's compact layout stacks the 16:9 video over the offer and a short chat.
const OEMBED_WIDTH = 640;
const OEMBED_BELOW_VIDEO = 440;
const SLUG_PATH = /^\/(?:shows|embed)\/([a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)\/?$/;

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The show slug of one of our own show (or embed) URLs; null for anything else. */
export function showSlugOf(url: string, base: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.origin !== base) return null;
  return SLUG_PATH.exec(parsed.pathname)?.[1] ?? null;
}

/** The iframe a CMS pastes (oEmbed `html`); the loader script (embed.js) is the richer way: events and auto height. */
export function embedIframeHtml(base: string, slug: string, title: string, width: number, height: number): string {
  return `<iframe src="${escapeHtml(`${base}/embed/${encodeURIComponent(slug)}`)}" width="${width}" height="${height}" style="border:0;max-width:100%" allow="autoplay; fullscreen; picture-in-picture; clipboard-write; web-share" title="${escapeHtml(title)}" loading="lazy"></iframe>`;
}

/**
 * /api/admin/shop/embed — the sites that may frame the shop's shows: owners (and platform admins naming the shop)
 * change them, staff read them. /oembed — anyone (CMSs ask it server-side when a show URL is pasted).
 */
export function registerEmbedRoutes(app: FastifyInstance, deps: EmbedRouteDeps) {
  const { embed } = deps;

  const shopOf = (req: FastifyRequest, owner: boolean): string => {
    const account = requireAccount(req);
    const query = parseWith(adminMerchantQuery, req.query ?? {}, "invalid_query");
    const merchantId = account.role === "admin" ? query.merchantId : account.merchantId;
    if (account.role === "admin" && !merchantId) throw new AppError("invalid_query", "merchantId: required for platform admins");
    if (!merchantId || (account.role !== "admin" && account.role !== "merchant" && account.role !== "staff"))
      throw new AppError("forbidden", "Only the shop's owner or staff can do that.");
    requireMerchantStaff(account, merchantId);
    if (owner && account.role === "staff") throw new AppError("forbidden", "Only the shop's owner can change which sites embed its shows.");
    return merchantId;
  };

  app.get("/api/admin/shop/embed", async (req, reply): Promise<EmbedSettingsView> => {
    const merchantId = shopOf(req, false);
    reply.header("Cache-Control", "no-store");
    return { origins: await embed.origins(merchantId) };
  });

  app.put("/api/admin/shop/embed", async (req, reply): Promise<EmbedSettingsView> => {
    const merchantId = shopOf(req, true);
    const body = parseWith(embedSettingsBody, req.body);
    reply.header("Cache-Control", "no-store");
    return { origins: await embed.setOrigins(merchantId, body.origins) };
  });

  app.get("/oembed", async (req, reply): Promise<OembedRich> => {
    const q = parseWith(oembedQuery, req.query ?? {}, "invalid_query");
    // oEmbed: "501 Not Implemented" for a format the provider does not answer in.
    if (q.format !== undefined && q.format !== "json") throw new AppError("oembed_format_unsupported");
    const base = deps.publicOrigin ?? ownOrigin(req);
    const slug = base ? showSlugOf(q.url, base) : null;
    if (!base || !slug) throw new AppError("not_found", "url: not a show of this site");
    const found = await embed.embeddable(slug);
    if (!found) throw new AppError("not_found", "No such show.");
    if (found.origins.length === 0) throw new AppError("embed_not_enabled");
    const width = Math.min(OEMBED_WIDTH, q.maxwidth ?? OEMBED_WIDTH);
    const height = Math.min(Math.round((width * 9) / 16) + OEMBED_BELOW_VIDEO, q.maxheight ?? Number.POSITIVE_INFINITY);
    const { show } = found;
    reply.header("Access-Control-Allow-Origin", "*").header("Cache-Control", "public, max-age=300");
    return {
      version: "1.0",
      type: "rich",
      title: show.title,
      author_name: show.hostName,
      provider_name: "Showcart",
      provider_url: `${base}/`,
      html: embedIframeHtml(base, show.slug, show.title, width, height),
      width,
      height,
      cache_age: 300,
      ...(show.coverImageId ? { thumbnail_url: `${base}${showCoverUrl(show.id, show.coverImageId, 800)}` } : {}),
    };
  });
}
