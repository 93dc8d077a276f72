import type { CommissionShareView, GameKind, ReplayView, StudioStats } from "../../protocol/api.js";
import type { Memberships } from "../accounts/index.js";
import { type ModuleContext, type ModulePlugin, modulePlugin } from "../modules.js";
import type { Outbox } from "../outbox/index.js";
import type { ShowAdminRouteDeps } from "./admin-routes.js";
import { ShowDiscovery } from "./discover.js";
import { showPageMeta } from "./page-meta.js";
import { ShowPlanner, type ShowPlannerDeps } from "./planner.js";
import { showsModule } from "./plugin.js";
import type { ShowRouteDeps } from "./routes.js";
import { type Show, ShowService } from "./service.js";

/** The order of ShowView.games. */
const GAME_ORDER: readonly GameKind[] = ["auction", "giveaway", "poll", "mystery", "coupon"];

/** What the shows' studio and admin routes need from modules built after shows (they all read shows). */
export interface ShowsLaterDoors {
  offers: ShowRouteDeps["offers"];
  lineup: ShowPlannerDeps["lineup"];
  commissions: ShowPlannerDeps["hosts"] & { showEarningsSplit(showId: string): Promise<CommissionShareView[]> };
  media: { rtmpPort(): number; disconnectShow(showId: string): void };
  /** Whether this node offers the show's WHEP playback now (ShowView.webrtc.available). */
  webrtcAvailable(show: Show): boolean | Promise<boolean>;
  /** STUN/TURN (ICE_SERVERS) for the studio's WHIP publish. */
  iceServers: ShowRouteDeps["iceServers"];
  /** The shoppable replay of a show that is not live (recordings). */
  replay(show: Show): Promise<ReplayView | null>;
  /** A finished show's replay card (recordings), for the discover lists. */
  replayCard: ShowRouteDeps["replayCard"];
  /** Whether each game is running in a show. */
  games: Record<GameKind, (showId: string) => Promise<boolean>>;
  /** The studio's figures (realtime: viewers, sales, playback), without the commission split. */
  studioStats(showId: string): Promise<StudioStats>;
  /** Commissions' share codes (`?ref=`): kept on a show page's og:url, so a sale through the preview stays the host's. */
  shareCode: RegExp;
}

/**
 * Shows and stream keys, read by nearly every module, so built early; the studio and the show form (the planner)
 * need the doors of modules built after it, which its plugin takes when it is registered.
 */
export function createShowsModule(
  ctx: ModuleContext,
  doors: {
    outbox: Outbox;
    catalog: ShowRouteDeps["catalog"] & { merchantName(merchantId: string): Promise<string> };
    merchants: { timeZoneOf(merchantId: string): Promise<string> };
    memberships: ShowPlannerDeps["members"] & Pick<Memberships, "of">;
    images: ShowAdminRouteDeps["images"];
  },
): { shows: ShowService; plugin(later: ShowsLaterDoors): ModulePlugin } {
  const { db, clock, config } = ctx;
  const shows = new ShowService(db, clock, doors.outbox);
  const publicHost = () => (config.PUBLIC_URL ? new URL(config.PUBLIC_URL).hostname : "localhost");
  const plugin = (later: ShowsLaterDoors): ModulePlugin => {
    const { offers, commissions } = later;
    const planner = new ShowPlanner({
      db,
      clock,
      shows,
      defaultCommissionBp: config.DEFAULT_COMMISSION_BP,
      lineup: later.lineup,
      hosts: commissions,
      members: doors.memberships,
      timeZoneOf: (merchantId) => doors.merchants.timeZoneOf(merchantId),
      endOpenOffers: async (showId) => {
        for (const o of await offers.activeOffers(showId)) await offers.end(o.id);
      },
    });
    ctx.pageMeta.registerPageMeta(
      "/shows/:slug",
      showPageMeta({
        shows,
        activeOffers: (showId) => offers.activeOffers(showId),
        merchantName: (merchantId) => doors.catalog.merchantName(merchantId),
        replay: (show) => later.replay(show),
        timeZoneOf: (merchantId) => doors.merchants.timeZoneOf(merchantId),
      }),
      // A host's share code stays on og:url: Facebook links the preview to og:url, and the sale should stay theirs.
      { keepQuery: { ref: later.shareCode } },
    );
    const games = async (showId: string): Promise<GameKind[]> => {
      const on = await Promise.all(GAME_ORDER.map((kind) => later.games[kind](showId)));
      return GAME_ORDER.filter((_, i) => on[i]);
    };
    return modulePlugin("shows", showsModule, {
      shows,
      offers,
      catalog: doors.catalog,
      rtmpUrl: () => `rtmp://${publicHost()}:${later.media.rtmpPort()}/live`,
      iceServers: later.iceServers,
      webrtcAvailable: later.webrtcAvailable,
      games,
      replay: (show) => later.replay(show),
      discovery: new ShowDiscovery(db, clock),
      replayCard: later.replayCard,
      // The studio's first figures carry the commission by host; the ticks after it do not (earnings.updated does).
      studioStats: async (showId) => ({ ...(await later.studioStats(showId)), commissionSplit: await commissions.showEarningsSplit(showId) }),
      onStreamKeyRotated: (showId) => later.media.disconnectShow(showId),
      planner,
      hostsOf: async (merchantId) => doors.memberships.of(merchantId, ["host"]),
      images: doors.images,
      mediaDir: config.mediaDir,
    });
  };
  return { shows, plugin };
}
