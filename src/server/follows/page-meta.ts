import type { FollowTarget } from "../../protocol/api.js";
import type { PageLang, PageMetaSource } from "../http/page-meta.js";

export interface ProfilePageMetaDeps {
  shopBySlug(slug: string): Promise<{ id: string; slug: string; name: string; logoUrl: string | null } | null>;
  /** The name of an account that hosts (or hosted) a show, else null. */
  hostName(accountId: string): Promise<string | null>;
  followers(target: FollowTarget, id: string): Promise<number>;
}

const TEXT = {
  en: {
    shop: (name: string) => `Live shopping shows by ${name} on Showcart: watch, chat and buy while they are on air.`,
    host: (name: string) => `${name} hosts live shopping shows on Showcart: watch, chat and buy while they are on air.`,
    followers: (n: number) => (n === 1 ? "1 follower." : `${n} followers.`),
  },
  de: {
    shop: (name: string) => `Live-Shopping-Shows von ${name} auf Showcart: zuschauen, chatten und kaufen, solange sie laufen.`,
    host: (name: string) => `${name} moderiert Live-Shopping-Shows auf Showcart: zuschauen, chatten und kaufen, solange sie laufen.`,
    followers: (n: number) => `${n} Follower.`,
  },
} as const satisfies Record<PageLang, unknown>;

// A shop or host has no language of its own: the preview speaks the visitor's (Accept-Language), cached per language.

/** The link preview of a shop's page (`/shops/:slug`): its name, a line about its shows, followers, the logo. */
export function shopPageMeta(deps: ProfilePageMetaDeps): PageMetaSource {
  return async ({ params, lang }) => {
    const shop = await deps.shopBySlug(params.slug ?? "");
    if (!shop) return null;
    const n = await deps.followers("shop", shop.id);
    return {
      title: shop.name,
      description: `${TEXT[lang].shop(shop.name)} ${TEXT[lang].followers(n)}`,
      path: `/shops/${encodeURIComponent(shop.slug)}`,
      image: shop.logoUrl ? { url: shop.logoUrl, alt: shop.name } : null,
      type: "website",
      lang,
    };
  };
}

/** The link preview of a host's page (`/hosts/:id`): their name, a line about their shows and followers. */
export function hostPageMeta(deps: ProfilePageMetaDeps): PageMetaSource {
  return async ({ params, lang }) => {
    const id = params.id ?? "";
    // Not an id at all: no database round trip.
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) return null;
    const name = await deps.hostName(id);
    if (name === null) return null;
    const n = await deps.followers("host", id);
    return { title: name, description: `${TEXT[lang].host(name)} ${TEXT[lang].followers(n)}`, path: `/hosts/${encodeURIComponent(id)}`, type: "profile", lang };
  };
}
