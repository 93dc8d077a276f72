import { z } from "zod";

// The embeddable player: a merchant's allowed origins (admin), oEmbed's query, and the messages the embed's iframe
// posts to the loader on the merchant's page. The loader imports types only from here (it must stay small).

export const MAX_EMBED_ORIGINS = 20;

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * A site that may frame the player, as the browser compares it in CSP `frame-ancestors`: `scheme://host[:port]`,
 * lower case, default port dropped. https only, except loopback hosts (http://localhost:8080 while building a site).
 * No path, query, fragment, credentials or wildcard: the value goes into a response header as it is.
 */
export function normalizeEmbedOrigin(value: string): string | null {
  const text = value.trim();
  if (!text || text.length > 200 || text.includes("*")) return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.username || url.password || url.search || url.hash || url.pathname !== "/") return null;
  // "https://shop.example/" is fine, "https://shop.example/?" or "…/#" would have parsed to an empty search/hash.
  if (/[?#]/.test(text)) return null;
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname))) return null;
  return url.origin;
}

export const embedOrigin = z
  .string()
  .max(200)
  .transform((value, ctx) => {
    const origin = normalizeEmbedOrigin(value);
    if (origin === null) {
      ctx.addIssue({
        code: "custom",
        message: "an origin such as https://shop.example (https, no path; http only for localhost and 127.0.0.1)",
      });
      return z.NEVER;
    }
    return origin;
  });

export const embedSettingsBody = z.strictObject({
  origins: z
    .array(embedOrigin)
    .max(MAX_EMBED_ORIGINS)
    .transform((origins) => [...new Set(origins)]),
});
export type EmbedSettingsBody = z.input<typeof embedSettingsBody>;

export interface EmbedSettingsView {
  /** Origins whose pages may frame this shop's shows (CSP frame-ancestors of /embed/<slug>). Empty: nobody. */
  origins: string[];
}

export const oembedQuery = z.strictObject({
  url: z.string().min(1).max(2000),
  format: z.string().max(10).optional(),
  maxwidth: z.coerce.number().int().min(1).max(10_000).optional(),
  maxheight: z.coerce.number().int().min(1).max(10_000).optional(),
});

/** oEmbed 1.0's "rich" answer (https://oembed.com/#section2.3). */
export interface OembedRich {
  version: "1.0";
  type: "rich";
  title: string;
  author_name: string;
  provider_name: "Showcart";
  provider_url: string;
  html: string;
  width: number;
  height: number;
  cache_age: number;
  thumbnail_url?: string;
}

/** The events the loader dispatches on `<showcart-show>` (CustomEvent, `detail` as below). */
export interface EmbedEventDetail {
  "showcart:ready": { show: { slug: string; title: string; status: string } };
  "showcart:live": { show: { slug: string } };
  "showcart:ended": { show: { slug: string } };
  /** No buyer data (name, email, address) ever leaves the frame: the host page may run anyone's analytics. */
  "showcart:purchase": {
    orderId: string;
    total: number;
    currency: string;
    quantity: number;
    lines: { offerId: string; quantity: number; unitPrice: number }[];
  };
  "showcart:resize": { height: number };
  /** The show could not be loaded: no such show (`not_found`) or anything else (`failed`, the frame offers a retry). */
  "showcart:error": { code: "not_found" | "failed" };
}
export type EmbedEventType = keyof EmbedEventDetail;
export const EMBED_EVENT_TYPES: readonly EmbedEventType[] = [
  "showcart:ready",
  "showcart:live",
  "showcart:ended",
  "showcart:purchase",
  "showcart:resize",
  "showcart:error",
];

/** What the frame posts to its parent: `source` tells our messages from anyone else's on the same window. */
export interface EmbedMessage<K extends EmbedEventType = EmbedEventType> {
  source: "showcart-embed";
  type: K;
  detail: EmbedEventDetail[K];
}
