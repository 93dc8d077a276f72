import type { FastifyInstance } from "fastify";
import {
  type DiscoverAnswer,
  type DiscoverOverview,
  type DiscoverPage,
  type DiscoverSection,
  type DiscoverShow,
  type GameKind,
  type ReplayView,
  type ShowView,
  type StudioStats,
  discoverQuery,
} from "../../protocol/api.js";
import { requireAccount } from "../accounts/index.js";
import type { CatalogService } from "../catalog/index.js";
import type { OfferService } from "../offers/index.js";
import { parseWith } from "../http/validate.js";
import { redact } from "../platform/ids.js";
import type { DiscoverFilter, DiscoverRow, ShowDiscovery } from "./discover.js";
import type { ShowService, Show } from "./service.js";

export const playbackUrl = (showId: string) => `/live/${showId}/index.m3u8`;
/** A show's uploaded cover, 400 or 800 px wide WebP (stored like product pictures; see planner.ts). */
export const showCoverUrl = (showId: string, imageId: string, width: 400 | 800) => `/media/shows/${showId}/${imageId}-${width}.webp`;

export async function showView(
  show: Show,
  deps: {
    offers: OfferService;
    catalog: CatalogService;
    replay?: (show: Show) => Promise<ReplayView | null>;
    games?: (showId: string) => Promise<GameKind[]>;
    webrtcAvailable?: (show: Show) => boolean | Promise<boolean>;
  },
): Promise<ShowView> {
  const [offers, shop, replay, games] = await Promise.all([
    deps.offers.activeOffers(show.id),
    deps.catalog.merchantLink(show.merchantId),
    deps.replay ? deps.replay(show) : null,
    deps.games ? deps.games(show.id) : [],
  ]);
  return {
    id: show.id,
    slug: show.slug,
    title: show.title,
    status: show.status,
    hostName: show.hostName,
    merchantName: shop.name,
    merchantSlug: shop.slug,
    hostId: show.hostAccountId,
    merchantId: show.merchantId,
    playbackUrl: playbackUrl(show.id),
    webrtc: { available: (await deps.webrtcAvailable?.(show)) ?? false },
    scheduledAt: show.scheduledAt?.toISOString() ?? null,
    commissionRateBp: show.commissionRateBp,
    offers,
    replay,
    games,
    description: show.description,
    language: show.language,
    coverUrl: show.coverImageId ? showCoverUrl(show.id, show.coverImageId, 800) : null,
    plannedGames: show.plannedGames,
    category: show.category,
  };
}

async function discoverCard(r: DiscoverRow, section: DiscoverSection, deps: ShowRouteDeps): Promise<DiscoverShow> {
  let featured: DiscoverShow["featured"] = null;
  if (section === "live") {
    const offers = await deps.offers.activeOffers(r.id);
    const pick = offers.find((o) => o.pinned) ?? offers[0];
    if (pick) featured = { title: pick.title, imageUrl: pick.imageUrl, showPrice: pick.showPrice, currency: pick.currency };
  }
  return {
    id: r.id,
    slug: r.slug,
    title: r.title,
    status: r.status,
    category: r.category,
    scheduledAt: r.scheduledAt?.toISOString() ?? null,
    host: { id: r.hostId, name: r.hostName },
    shop: { id: r.shopId, slug: r.shopSlug, name: r.shopName },
    coverUrl: r.coverImageId ? showCoverUrl(r.id, r.coverImageId, 800) : null,
    featured,
    replay: section === "replays" && deps.replayCard ? await deps.replayCard(r.id) : null,
  };
}

export interface ShowRouteDeps {
  shows: ShowService;
  offers: OfferService;
  catalog: CatalogService;
  rtmpUrl(): string;
  /** STUN/TURN (ICE_SERVERS) for the studio's WHIP publish; TURN credentials go to the show's team only. */
  iceServers: { urls: string | string[]; username?: string; credential?: string }[];
  /** The shoppable replay of a show that is not live (recordings module), if any. */
  replay?: (show: Show) => Promise<ReplayView | null>;
  studioStats(showId: string): Promise<StudioStats>;
  /** ShowView.webrtc.available: whether this node offers the show's WHEP playback now (media). */
  webrtcAvailable?: (show: Show) => boolean | Promise<boolean>;
  /** Which games the show has running (see ShowView.games). */
  games?: (showId: string) => Promise<GameKind[]>;
  onStreamKeyRotated(showId: string): void;
  /** The public listings (GET /api/discover). */
  discovery: ShowDiscovery;
  /** A replay card's poster, preview clip and length (recordings module), or null. */
  replayCard?: (showId: string) => Promise<DiscoverShow["replay"]>;
}

const DISCOVER_PAGE = 12;

export function registerShowRoutes(app: FastifyInstance, deps: ShowRouteDeps) {
  const { shows, catalog } = deps;

  app.get("/api/shows", async () => {
    const list = await shows.listShows();
    return { shows: await Promise.all(list.map((s) => showView(s, deps))) };
  });

  // Public listings: only shows that are live, announced (scheduled with a start time) or over with a replay; never a
  // cancelled one. Each card's featured offer (live) or replay picture (replays) is one door call per card.
  app.get("/api/discover", async (req): Promise<DiscoverAnswer | DiscoverOverview> => {
    const query = parseWith(discoverQuery, req.query ?? {}, "invalid_query");
    const filter: DiscoverFilter = { q: query.q || undefined, category: query.category, shop: query.shop, host: query.host };
    const limit = query.limit ?? DISCOVER_PAGE;
    const section = async (name: DiscoverSection, cursor?: string): Promise<DiscoverPage> => {
      const { rows, nextCursor } = await deps.discovery.page(name, filter, cursor, limit);
      return { shows: await Promise.all(rows.map((r) => discoverCard(r, name, deps))), nextCursor };
    };
    if (query.section) return { section: query.section, ...(await section(query.section, query.cursor)) };
    const [live, upcoming, replays] = await Promise.all([section("live"), section("upcoming"), section("replays")]);
    return { sections: { live, upcoming, replays } };
  });

  app.get<{ Params: { idOrSlug: string } }>("/api/shows/:idOrSlug", async (req) => ({ show: await showView(await shows.show(req.params.idOrSlug), deps) }));

  app.get<{ Params: { showId: string } }>("/api/studio/shows/:showId", async (req) => {
    const show = await shows.requireManager(requireAccount(req), req.params.showId);
    const [view, products, key, stats] = await Promise.all([
      showView(show, deps),
      catalog.adminProducts(show.merchantId),
      shows.streamKey(show.id),
      deps.studioStats(show.id),
    ]);
    // Each product with its variants (size/colour and stock): the offer form lets the host pick which go on sale.
    const studioProducts = products.map(({ id, title, description, imageUrl, price, currency, variants }) => ({
      id,
      title,
      description,
      imageUrl,
      price,
      currency,
      variants,
    }));
    return { show: view, products: studioProducts, ingest: { rtmpUrl: deps.rtmpUrl(), streamKeyHint: redact(key), iceServers: deps.iceServers }, stats };
  });

  app.post<{ Params: { showId: string } }>("/api/studio/shows/:showId/stream-key/reveal", async (req, reply) => {
    const show = await shows.requireManager(requireAccount(req), req.params.showId);
    reply.header("Cache-Control", "no-store");
    return { streamKey: await shows.streamKey(show.id) };
  });

  app.post<{ Params: { showId: string } }>("/api/studio/shows/:showId/stream-key/rotate", async (req, reply) => {
    const show = await shows.requireManager(requireAccount(req), req.params.showId);
    const streamKey = await shows.rotateStreamKey(show.id);
    // The old key is revoked: whoever streams with it is disconnected.
    deps.onStreamKeyRotated(show.id);
    reply.header("Cache-Control", "no-store");
    return { streamKey };
  });
}
