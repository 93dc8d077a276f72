import type { OfferView, ReplayView } from "../../protocol/api.js";
import type { PageLang, PageMeta, PageMetaSource } from "../http/page-meta.js";
import { AppError } from "../platform/errors.js";
import { showCoverUrl } from "./routes.js";
import type { Show, ShowService } from "./service.js";

export interface ShowPageMetaDeps {
  shows: Pick<ShowService, "show">;
  /** The show's open offers, the pinned one first (offers module). */
  activeOffers(showId: string): Promise<OfferView[]>;
  merchantName(merchantId: string): Promise<string>;
  /** The shoppable replay of a show that is not live (recordings module), for its poster. */
  replay?(show: Show): Promise<ReplayView | null>;
  /** The shop's IANA time zone: a scheduled start is written on the shop's wall clock, as its audience reads it. */
  timeZoneOf(merchantId: string): Promise<string>;
}

const LOCALE: Record<PageLang, string> = { de: "de-DE", en: "en-GB" };

const TEXT = {
  en: {
    live: (title: string) => `LIVE now: ${title}`,
    replay: (title: string) => `Replay: ${title}`,
    liveBy: (host: string, shop: string) => `${host} is live for ${shop}.`,
    startsAt: (when: string, host: string, shop: string) => `Live on ${when} with ${host} for ${shop}.`,
    cancelled: (shop: string) => `This show by ${shop} was cancelled.`,
    replayBy: (host: string, shop: string) => `Watch the replay with ${host} for ${shop} and shop it.`,
    ended: (host: string, shop: string) => `A live show with ${host} for ${shop}.`,
    featured: (item: string, price: string) => `Now on sale: ${item} for ${price}.`,
  },
  de: {
    live: (title: string) => `Jetzt LIVE: ${title}`,
    replay: (title: string) => `Aufzeichnung: ${title}`,
    liveBy: (host: string, shop: string) => `${host} ist live für ${shop}.`,
    startsAt: (when: string, host: string, shop: string) => `Live am ${when} mit ${host} für ${shop}.`,
    cancelled: (shop: string) => `Diese Show von ${shop} wurde abgesagt.`,
    replayBy: (host: string, shop: string) => `Die Aufzeichnung mit ${host} für ${shop} ansehen und einkaufen.`,
    ended: (host: string, shop: string) => `Eine Live-Show mit ${host} für ${shop}.`,
    featured: (item: string, price: string) => `Jetzt im Angebot: ${item} für ${price}.`,
  },
} as const;

/** Minor units as the page's language writes money: "49,00 €" in German, "€49.00" in English. */
export function previewMoney(minor: number, currency: string, lang: PageLang): string {
  const format = new Intl.NumberFormat(LOCALE[lang], { style: "currency", currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(minor / 10 ** digits);
}

/** "Thu 10 Dec, 19:00 CET" on the shop's wall clock. */
export function previewStart(at: Date, timeZone: string, lang: PageLang): string {
  return new Intl.DateTimeFormat(LOCALE[lang], {
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZone,
    timeZoneName: "short",
  }).format(at);
}

/**
 * The link preview of a show page (`/shows/:slug`), which is the live room, the upcoming page and the replay in turn:
 * "LIVE now" while on air, the start on the shop's clock before, the replay after; the featured item's price when
 * one is on sale; the replay's poster, else the show's cover, else the featured product's picture. In the show's
 * language (its audience's), not the visitor's: the preview is made once and seen by everyone the link reaches.
 */
export function showPageMeta(deps: ShowPageMetaDeps): PageMetaSource {
  return async ({ params }) => {
    const slug = params.slug ?? "";
    let show: Show;
    try {
      show = await deps.shows.show(slug);
    } catch (err) {
      if (err instanceof AppError && err.code === "not_found") return null;
      throw err;
    }
    const lang: PageLang = show.language === "de" ? "de" : "en";
    const t = TEXT[lang];
    const onAir = show.status === "live" || show.status === "reconnecting";
    const after = show.status === "offline" || show.status === "ended";
    const [offers, shop, replay, timeZone] = await Promise.all([
      show.cancelledAt ? [] : deps.activeOffers(show.id),
      deps.merchantName(show.merchantId),
      after && deps.replay ? deps.replay(show) : null,
      show.status === "scheduled" && show.scheduledAt ? deps.timeZoneOf(show.merchantId) : null,
    ]);
    // On air or before, the pinned card is the featured item; a replay sells what is still open, pinned or not.
    const featured = offers.find((o) => o.pinned) ?? (replay ? offers[0] : undefined);

    let title = show.title;
    let lead: string;
    if (onAir) {
      title = t.live(show.title);
      lead = t.liveBy(show.hostName, shop);
    } else if (show.cancelledAt) {
      lead = t.cancelled(shop);
    } else if (show.status === "scheduled") {
      lead = show.scheduledAt && timeZone ? t.startsAt(previewStart(show.scheduledAt, timeZone, lang), show.hostName, shop) : t.ended(show.hostName, shop);
    } else if (replay) {
      title = t.replay(show.title);
      lead = t.replayBy(show.hostName, shop);
    } else {
      lead = t.ended(show.hostName, shop);
    }
    const description = [lead, featured ? t.featured(featured.title, previewMoney(featured.showPrice, featured.currency, lang)) : "", show.description]
      .filter(Boolean)
      .join(" ");

    const picture = replay?.posterUrl ?? (show.coverImageId ? showCoverUrl(show.id, show.coverImageId, 800) : null) ?? (featured?.imageUrl || null);
    const meta: PageMeta = {
      title,
      description,
      path: `/shows/${encodeURIComponent(show.slug)}`,
      image: picture ? { url: picture, alt: show.title } : null,
      type: "video.other",
      lang,
    };
    return meta;
  };
}
