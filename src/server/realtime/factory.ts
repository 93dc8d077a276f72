import type { StudioStats } from "../../protocol/api.js";
import type { AnalyticsRecorder } from "../analytics/index.js";
import type { AuctionService } from "../auctions/index.js";
import type { ChatService } from "../chat/index.js";
import type { CommissionService } from "../commissions/index.js";
import { type ModuleContext, type ModulePlugin, modulePlugin } from "../modules.js";
import type { LineupService, OfferService } from "../offers/index.js";
import type { OrderService } from "../orders/index.js";
import type { ShowService } from "../shows/index.js";
import type { PlaybackAggregator } from "../telemetry/index.js";
import type { Config } from "../config.js";
import { RealtimeHub } from "./hub.js";
import type { RealtimeMetrics } from "./metrics.js";
import { realtimeModule } from "./plugin.js";
import { FLUSH_SLICE_MS } from "./room.js";
import { RedisRoomStream } from "./stream.js";

/**
 * Milliseconds a room's slice may write for: REALTIME_FLUSH_SLICE_MS, else FLUSH_SLICE_MS where each statement's
 * answer waits for a turn of the event loop (PostgreSQL, PGlite in a worker thread) and 0 on the embedded PGlite, whose
 * connection the driver hands over while a flush is sliced. Measured: docs/operations.md, "Slices by time".
 */
export function flushSliceMs(config: Pick<Config, "REALTIME_FLUSH_SLICE_MS" | "DATABASE_URL" | "PGLITE_THREAD">): number {
  return config.REALTIME_FLUSH_SLICE_MS ?? (config.DATABASE_URL || config.PGLITE_THREAD ? FLUSH_SLICE_MS : 0);
}

/**
 * The rooms: built last among the services, since a room's snapshot and a studio's figures read most modules. A
 * show's playback figures changing (telemetry) marks its studio's stats for the next tick.
 */
export function createRealtimeModule(
  ctx: ModuleContext,
  doors: {
    metrics: RealtimeMetrics;
    shows: ShowService;
    offers: OfferService;
    lineup: LineupService;
    chat: ChatService;
    auctions: AuctionService;
    orders: Pick<OrderService, "showSales">;
    commissions: Pick<CommissionService, "showPendingEarnings">;
    telemetry: { playback: Pick<PlaybackAggregator, "summary">; onStatsChanged(listener: (showId: string) => void): void };
    /** The stage: a signed-in viewer's pending request to come on stage, sent again when they (re)join. */
    stage?: { pendingRequest(showId: string, accountId: string): Promise<{ expiresAt: string } | null> };
    /** Analytics' recorder: viewers joining and reactions (memory only; it writes off this path). */
    analytics?: Pick<AnalyticsRecorder, "viewerJoined" | "reactions">;
  },
): {
  hub: RealtimeHub;
  /** A studio's figures now: viewers, sales, pending commission, playback. */
  studioStats(showId: string): Promise<StudioStats>;
  /** What /metrics renders: the server's registry, with the hub's gauges brought up to date first. */
  metricsSource: { contentType: string; render(): Promise<string> };
  plugin: ModulePlugin;
} {
  const { config, log, clock } = ctx;
  const { metrics, shows, offers, lineup, chat, auctions, orders, commissions } = doors;
  const { playback } = doors.telemetry;
  const stats = async (showId: string, viewers: number): Promise<StudioStats> => {
    const [sales, commission] = await Promise.all([orders.showSales(showId), commissions.showPendingEarnings(showId)]);
    return { viewers, ...sales, commission, currency: "EUR", ...playback.summary(showId) };
  };
  const hub = new RealtimeHub({
    bus: ctx.bus,
    metrics,
    log: log.child({ module: "realtime" }),
    tickMs: config.REALTIME_TICK_MS,
    roomLimits: { chatPerFrame: config.REALTIME_CHAT_PER_FRAME, slice: config.REALTIME_FLUSH_SLICE, sliceMs: flushSliceMs(config) },
    now: () => clock.now().getTime(),
    // Several nodes: room seq numbers and viewer counts live in Redis (see docs/operations.md, "Several nodes").
    stream:
      ctx.busKind === "redis" && config.REDIS_URL
        ? new RedisRoomStream(config.REDIS_URL, { prefix: config.REDIS_PREFIX, onError: (err) => log.warn({ err }, "realtime stream (redis) error") })
        : undefined,
    snapshot: async (showId) => {
      const [show, list, order, recent, open] = await Promise.all([
        shows.show(showId),
        offers.activeOffers(showId),
        lineup.onSaleOrder(showId),
        chat.recent(showId),
        auctions.ofShow(showId, true),
      ]);
      const pinnedChat = (await chat.rules.forShow(showId)).pinned;
      return { status: show.status, offers: list, lineup: order, chat: recent, auctions: open, pinnedChat };
    },
    offerView: (offerId) => offers.offer(offerId),
    studioStats: stats,
    reacted: (showId, n) => doors.analytics?.reactions(showId, n),
  });
  doors.telemetry.onStatsChanged((showId) => hub.markStatsDirty(showId));
  return {
    hub,
    studioStats: (showId) => stats(showId, hub.viewers(showId)),
    metricsSource: {
      contentType: metrics.registry.contentType,
      render: () => {
        hub.updateGauges();
        return metrics.registry.metrics();
      },
    },
    plugin: modulePlugin("realtime", realtimeModule, {
      hub,
      shows,
      chat,
      clock,
      metrics,
      heartbeatMs: config.REALTIME_HEARTBEAT_MS,
      viewerJoined: (showId, who, source) => doors.analytics?.viewerJoined(showId, who, source),
      pendingFor: async (show, accountId) => {
        const request = await doors.stage?.pendingRequest(show.id, accountId);
        return request ? [{ t: "stage.invited", d: { hostName: show.hostName, expiresAt: request.expiresAt } }] : [];
      },
    }),
  };
}
