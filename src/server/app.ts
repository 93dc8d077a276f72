import fs from "node:fs";
import path from "node:path";
import os from "node:os";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { type AccountService, createAccountsModule } from "./accounts/index.js";
import { type AnalyticsRecorder, type AnalyticsReports, createAnalyticsModule } from "./analytics/index.js";
import { type AuctionService, createAuctionsModule } from "./auctions/index.js";
import { createBuyersModule } from "./buyers/index.js";
import { type CatalogService, IMAGE_CONTENT_TYPES, MAX_IMAGE_BYTES, createCatalogModule, storeImage } from "./catalog/index.js";
import { type ChatModeration, type ChatService, createChatModule } from "./chat/index.js";
import { type CommissionService, type PayoutService, SHARE_CODE, createCommissionsModule } from "./commissions/index.js";
import type { Config } from "./config.js";
import { type CouponService, createCouponsModule } from "./coupons/index.js";
import { type DbHandle, openDb, pingDb } from "./db/index.js";
import { EmbeddedMaintenance, embeddedMaintenanceModule, maintenanceCounter } from "./db/maintenance.js";
import { type DemoInfo, demoModule, seedDemo } from "./demo/index.js";
import { type EmbedService, createEmbedModule } from "./embed/index.js";
import { type FollowService, createFollowsModule } from "./follows/index.js";
import { type GiveawayService, createGiveawaysModule } from "./giveaways/index.js";
import { createHttpApp } from "./http/app.js";
import { healthRoute } from "./http/health.js";
import { openApiRoutes } from "./http/openapi/plugin.js";
import { idempotencyRule } from "./http/idempotency.js";
import { type MetricsListener, metricsRoute, startMetricsListener } from "./http/metrics-endpoint.js";
import { PageMetaRegistry } from "./http/page-meta.js";
import { Sweepers } from "./http/sweepers.js";
import { webRoutes } from "./http/web.js";
import { type Mailer, createMailModule } from "./mail/index.js";
import { type Media, type Whep, type WhipSessions, createMediaModule, startSyntheticSource } from "./media/index.js";
import { type StageMedia, type StageService, createStageModule } from "./stage/index.js";
import { type ModuleContext, type ModulePlugin, modulePlugin } from "./modules.js";
import { type MysteryService, createMysteryModule } from "./mystery/index.js";
import { type Notifier, type ReminderService, createNotificationsModule } from "./notifications/index.js";
import { type OfferService, createOffersModule } from "./offers/index.js";
import { type OrderService, createOrdersModule } from "./orders/index.js";
import { type Outbox, createOutboxModule } from "./outbox/index.js";
import { type PaymentProvider, createPaymentsModule } from "./payments/index.js";
import { MemoryBus, RedisBus, type Bus } from "./platform/bus.js";
import { systemClock, type Clock } from "./platform/clock.js";
import { ffmpegVersion } from "./platform/ffmpeg-process.js";
import type { ResolveHost } from "./platform/public-address.js";
import { RateLimits } from "./platform/rate-limit.js";
import { type PollService, createPollsModule } from "./polls/index.js";
import { type PushService, createPushModule } from "./push/index.js";
import { type RealtimeHub, RealtimeMetrics, createRealtimeModule } from "./realtime/index.js";
import { type RecordingService, createRecordingsModule } from "./recordings/index.js";
import { type ShowService, createShowsModule } from "./shows/index.js";
import { type SimulcastService, createSimulcastModule, loadSecretsKey } from "./simulcast/index.js";
import { createTelemetryModule } from "./telemetry/index.js";
import { createWaitlistModule } from "./waitlist/index.js";
import { type WebhookService, createWebhooksModule } from "./webhooks/index.js";

export interface ServerOverrides {
  clock?: Clock;
  payments?: PaymentProvider;
  /** Start the periodic sweepers (offer expiry, stale payments). Tests drive them by hand with a manual clock. */
  sweepers?: boolean;
  logger?: boolean;
  /** With DEMO on: feed the demo show from the synthetic ffmpeg source (default true). */
  synthetic?: boolean;
  /** DNS for simulcast destinations (a stand-in in tests). */
  resolveHost?: ResolveHost;
  /** Simulcast's restart delays after a relay fails (tests: short, so a retry is seen without waiting seconds). */
  simulcastBackoffMs?: number[];
  /** An extra CA trusted for Web Push endpoints (tests: the local push endpoint's self-signed certificate). */
  pushCa?: string | Buffer;
  /**
   * PGlite in memory instead of in DATA_DIR/pglite: for test servers nothing restarts on. Unpacking the template onto
   * disk (~560 files written, then removed) was ~2/3 of a test server's start: 1.4–1.7 s of CPU per start and close.
   */
  pgliteInMemory?: boolean;
}

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  port: number;
  rtmpPort: number;
  rtmpUrl: string;
  /** The METRICS_LISTEN listener's port, or null without one. */
  metricsPort: number | null;
  demo: DemoInfo | null;
  db: DbHandle;
  services: {
    outbox: Outbox;
    mailer: Mailer;
    notifier: Notifier;
    follows: FollowService;
    reminders: ReminderService;
    accounts: AccountService;
    catalog: CatalogService;
    shows: ShowService;
    offers: OfferService;
    orders: OrderService;
    commissions: CommissionService;
    payouts: PayoutService;
    chat: ChatService;
    chatModeration: ChatModeration;
    hub: RealtimeHub;
    media: Media;
    whep: Whep;
    /** This node's WHIP sessions (the host's publish and any other WebRTC publisher). */
    whipSessions: WhipSessions;
    bus: Bus;
    recordings: RecordingService;
    simulcast: SimulcastService;
    webhooks: WebhookService;
    auctions: AuctionService;
    giveaways: GiveawayService;
    polls: PollService;
    coupons: CouponService;
    mystery: MysteryService;
    push: PushService;
    embed: EmbedService;
    analytics: AnalyticsRecorder;
    reports: AnalyticsReports;
    /** Analytics' 10 s step (sample, write, studios' live chart), for tests with the sweepers off. */
    analyticsTick(): Promise<void>;
    stage: StageService;
    stageMedia: StageMedia;
  };
  /** The plugins registered, in order (each once): the module plugins and http's. */
  plugins: string[];
  close(): Promise<void>;
}

export async function startServer(config: Config, overrides: ServerOverrides = {}): Promise<RunningServer> {
  const clock = overrides.clock ?? systemClock;
  fs.mkdirSync(config.dataDir, { recursive: true });

  const app = await createHttpApp({
    websocketDeflate: config.REALTIME_DEFLATE,
    trustProxy: config.trustProxy,
    logger:
      overrides.logger === false
        ? false
        : {
            level: config.LOG_LEVEL,
            redact: [
              "req.headers.cookie",
              "req.headers.authorization",
              'res.headers["set-cookie"]',
              'req.headers["x-order-token"]',
              'req.headers["x-waitlist-token"]',
              'req.headers["x-push-token"]',
            ],
          },
  });
  const log = app.log;

  const db = await openDb({
    databaseUrl: config.DATABASE_URL,
    schema: config.DATABASE_SCHEMA,
    dataDir: overrides.pgliteInMemory ? "memory://" : path.join(config.dataDir, "pglite"),
    pgliteTemplate: config.PGLITE_TEMPLATE,
    pgliteThread: config.PGLITE_THREAD,
  });
  const busKind = config.BUS ?? (config.REDIS_URL ? "redis" : "memory");
  const redisBus = busKind === "redis" && config.REDIS_URL ? new RedisBus(config.REDIS_URL, config.REDIS_PREFIX) : null;
  const bus: Bus = redisBus ?? new MemoryBus();
  // Other nodes may send this node requests as soon as it holds a lease: its request channel is subscribed first.
  await redisBus?.ready();
  // Abuse limits (sign-in, sign-up, resets, holds, telemetry, chat by address): shared in Redis across nodes.
  const rateLimits = new RateLimits({
    redisUrl: config.REDIS_URL,
    prefix: `${config.REDIS_PREFIX}rl`,
    onError: (err) => log.warn({ err }, "rate limits (redis) error"),
  });
  const secrets = loadSecretsKey({ secretsKey: config.SECRETS_KEY, dataDir: config.dataDir });
  log.info({ ffmpeg: config.ffmpegPath, source: config.ffmpegSource, version: await ffmpegVersion(config.ffmpegPath) }, `ffmpeg from ${config.ffmpegSource}`);
  if (secrets.source === "generated") log.info({ file: secrets.file }, "generated the secrets key (mode 600); back it up with the database");
  const sweepers = new Sweepers({ enabled: overrides.sweepers !== false, onError: (err) => log.error({ err }, "sweeper failed") });
  // The server's one registry: realtime's figures and every module's (the outbox's pending rows).
  const realtimeMetrics = new RealtimeMetrics();
  const ctx: ModuleContext = {
    config,
    db: db.db,
    dbKind: db.kind,
    busKind,
    clock,
    bus,
    log,
    rateLimits,
    sweepers,
    metrics: realtimeMetrics.registry,
    secretsKey: secrets.key,
    // Link previews (title, Open Graph, Twitter card) of the page routes, by route pattern: each page's module registers its own.
    pageMeta: new PageMetaRegistry(clock),
    publicUrl: (config.PUBLIC_URL ?? `http://localhost:${config.PORT}`).replace(/\/$/, ""),
  };

  // The modules, each after the ones it needs. A module that listens to another (orders' subscribers, media's live
  // and offline, the notifier's channels) subscribes in its own factory, so the order of these calls is the order in
  // which listeners run: orders' subscribers are coupons, mystery, webhooks, waitlist, then commissions last.
  const { outbox, plugin: outboxPlugin } = createOutboxModule(ctx);
  const mail = createMailModule(ctx, { outbox });
  const catalog = createCatalogModule(ctx);
  const { merchants } = catalog;
  const accounts = createAccountsModule(ctx, { outbox, shops: merchants });
  const { memberships } = accounts;
  const shows = createShowsModule(ctx, {
    outbox,
    catalog: catalog.catalog,
    merchants,
    memberships,
    images: {
      contentTypes: IMAGE_CONTENT_TYPES,
      maxBytes: MAX_IMAGE_BYTES,
      store: (folder, ownerId, data) => storeImage(config.mediaDir, folder, ownerId, data),
    },
  });
  const offers = createOffersModule(ctx, { outbox, catalog: catalog.catalog, shows: shows.shows });
  const payments = createPaymentsModule(ctx, { provider: overrides.payments });
  const buyers = createBuyersModule(ctx, payments);
  const orders = createOrdersModule(ctx, { outbox, offers: offers.offers, shows: shows.shows, buyers: buyers.buyers, ...payments });
  const coupons = createCouponsModule(ctx, { outbox, orders: orders.orders, shows: shows.shows, offers: offers.offers });
  const mystery = createMysteryModule(ctx, { outbox, orders: orders.orders, offers: offers.offers, shows: shows.shows, catalog: catalog.catalog });
  const webhooks = createWebhooksModule(ctx, { outbox, offers: offers.offers, orders: orders.orders });
  const waitlist = createWaitlistModule(ctx, { outbox, offers: offers.offers, orders: orders.orders, orderAccess: orders.access });
  const commissions = createCommissionsModule(ctx, { accounts: accounts.accounts, memberships, orders: orders.orders, shows: shows.shows });
  const chat = createChatModule(ctx, { shows: shows.shows, orders: orders.orders });
  const auctions = createAuctionsModule(ctx, { outbox, shows: shows.shows, offers: offers.offers, orders: orders.orders, catalog: catalog.catalog });
  const giveaways = createGiveawaysModule(ctx, { outbox, shows: shows.shows, buyers: buyers.buyers, chat: chat.chat, accounts: accounts.accounts });
  const polls = createPollsModule(ctx, { outbox, catalog: catalog.catalog, offers: offers.offers, shows: shows.shows });
  const media = createMediaModule(ctx, { shows: shows.shows });
  const recordings = createRecordingsModule(ctx, { offers: offers.offers, shows: shows.shows, media });
  const simulcast = createSimulcastModule(ctx, { shows: shows.shows, media, resolveHost: overrides.resolveHost, backoffMs: overrides.simulcastBackoffMs });
  const follows = createFollowsModule(ctx, { shows: shows.shows, catalog: catalog.catalog, merchants });
  const notifications = createNotificationsModule(ctx, {
    outbox,
    shows: shows.shows,
    follows: follows.follows,
    accounts: accounts.accounts,
    catalog: catalog.catalog,
    merchants,
  });
  const push = await createPushModule(ctx, { outbox, notifier: notifications.notifier, reminders: notifications.reminders, ca: overrides.pushCa });
  const embed = createEmbedModule(ctx, { shows: shows.shows, merchants });
  const telemetry = createTelemetryModule(ctx, { media: media.media });
  const stage = createStageModule(ctx, { shows: shows.shows, chat: chat.chat, memberships, media });
  const analytics = createAnalyticsModule(ctx, {
    outbox,
    orders: orders.orders,
    shows: shows.shows,
    offers: offers.offers,
    telemetry,
    memberships,
    accounts: accounts.accounts,
    commissions: commissions.commissions,
  });
  const realtime = createRealtimeModule(ctx, {
    metrics: realtimeMetrics,
    shows: shows.shows,
    offers: offers.offers,
    lineup: offers.lineup,
    chat: chat.chat,
    auctions: auctions.auctions,
    orders: orders.orders,
    commissions: commissions.commissions,
    telemetry,
    analytics: analytics.recorder,
    stage: stage.stage,
  });

  // Each plugin registers its module's routes, starts its sweepers when the app is ready and stops them when it closes.
  // Whole-app rules come first (a plugin's scope copies the app's hooks when it loads): sessions and cross-site checks,
  // then idempotency, then the order access rule. Ready hooks run in this order too (whole-app plugins' first): the
  // outbox's recovery before any sweeper writes, recordings closing interrupted ones before media's ingest listens.
  // Every other creating POST honours Idempotency-Key. Orders, bags and bids keep their own (the key is part of the row
  // they write; the generic layer on top cost a bag two more writes per attempt, sold-out ones included); sign-in
  // answers set cookies and are never replayed; Stripe's webhook is deduplicated by event id.
  // Matched against the route the router chose (its pattern), not the raw URL.
  const ownIdempotency = [
    /^\/api\/orders$/,
    /^\/api\/orders\/bag$/,
    /^\/api\/auctions\/[^/]+\/(pre-)?bids$/,
    /^\/api\/auth\//,
    /^\/api\/payments\/stripe\/webhook$/,
  ];
  const publicOrigin = config.PUBLIC_URL ? new URL(config.PUBLIC_URL).origin : null;
  const plugins: ModulePlugin[] = [
    accounts.plugin,
    modulePlugin("idempotency", idempotencyRule, { db: db.db, clock, skip: (_method, p) => ownIdempotency.some((re) => re.test(p)), sweepers }),
    orders.accessRule,
    outboxPlugin,
    // PGlite has no autovacuum: the node vacuums and analyses its tables as autovacuum would.
    ...(db.kind === "pglite"
      ? [
          modulePlugin("db-maintenance", embeddedMaintenanceModule, {
            maintenance: new EmbeddedMaintenance(db.db, log.child({ module: "db" }), maintenanceCounter(ctx.metrics)),
            sweepers,
          }),
        ]
      : []),
    mail.plugin,
    catalog.plugin({ shows: shows.shows, offers: offers.offers, orders: orders.orders, commissions: commissions.commissions }),
    shows.plugin({
      offers: offers.offers,
      lineup: offers.lineup,
      commissions: commissions.commissions,
      media: media.media,
      iceServers: media.network.iceServers,
      // Live (or reconnecting): is it live on this node with a WHEP place left, or (several nodes) live on another node
      // that had one at its last refresh (the offer is passed there). Before and between airings: would it be (the
      // page's player mounts when the show goes live, with the view read earlier). An ended show never airs again.
      webrtcAvailable: (show) => {
        if (show.status === "ended") return false;
        const live = show.status === "live" || show.status === "reconnecting";
        if (media.whep.offered(show.id, live)) return true;
        return show.status === "live" && media.media.playUrl(show.id) === null && media.signalling ? media.signalling.whepOffered(show.id) : false;
      },
      replay: (show) => recordings.recordings.replay(show),
      replayCard: (showId) => recordings.recordings.replayCard(showId),
      games: { auction: auctions.isOn, giveaway: giveaways.isOn, poll: polls.isOn, mystery: mystery.isOn, coupon: coupons.isOn },
      studioStats: realtime.studioStats,
      shareCode: SHARE_CODE,
    }),
    offers.plugin,
    orders.plugin,
    payments.plugin(orders.paymentEvents),
    buyers.plugin,
    waitlist.plugin,
    commissions.plugin,
    webhooks.plugin,
    push.plugin,
    follows.plugin,
    notifications.plugin,
    auctions.plugin,
    giveaways.plugin,
    polls.plugin,
    coupons.plugin,
    mystery.plugin,
    embed.plugin,
    chat.plugin,
    recordings.plugin,
    simulcast.plugin,
    media.plugin,
    stage.plugin,
    realtime.plugin,
    telemetry.plugin,
    analytics.plugin({
      rooms: {
        showRooms: () => realtime.hub.showRoomIds(),
        localViewers: (showId) => realtime.hub.localViewers(showId),
        openStudios: () => realtime.hub.openStudios(),
        toStudio: (showId, live) => realtime.hub.toStudio(showId, "analytics.live", live),
      },
    }),
    // Main port only with METRICS_TOKEN; METRICS_LISTEN adds a listener of its own (docs/operations.md, Security).
    modulePlugin("metrics", metricsRoute, { token: config.METRICS_TOKEN, listen: config.METRICS_LISTEN, source: realtime.metricsSource }),
    modulePlugin("openapi", openApiRoutes, {}),
    modulePlugin("health", healthRoute, { db: { kind: db.kind, ping: () => pingDb(db.db) }, media: () => media.media.status(), bus: busKind }),
    modulePlugin("demo", demoModule, {}),
    modulePlugin("web", webRoutes, {
      distDir: path.resolve("dist/web"),
      stripe: payments.payments.name === "stripe",
      firstRunNeeded: () => accounts.firstRun.needed(),
      embedFrameAncestors: async (slug) => (await embed.embed.embeddable(slug))?.origins ?? [],
      publicOrigin,
      pageMeta: ctx.pageMeta,
    }),
  ];
  for (const plugin of plugins) plugin.register(app);

  await app.listen({ port: config.PORT, host: config.HOST });
  const metricsListener: MetricsListener | null = config.METRICS_LISTEN
    ? await startMetricsListener(config.METRICS_LISTEN, realtime.metricsSource, (err) => log.error({ err }, "metrics failed"))
    : null;
  if (metricsListener) log.info({ listen: config.METRICS_LISTEN, port: metricsListener.port }, "/metrics listener");
  const port = (app.server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  media.listening(config.NODE_URL ?? defaultNodeUrl(config.HOST, port));
  const rtmpPort = media.media.rtmpPort();

  let demo: DemoInfo | null = null;
  let synthetic: { stop(): Promise<void> } | null = null;
  if (config.DEMO) {
    demo = await seedDemo({
      dataDir: config.dataDir,
      accounts: accounts.accounts,
      catalog: catalog.catalog,
      shows: shows.shows,
      offers: offers.offers,
      commissionBp: config.DEFAULT_COMMISSION_BP,
    });
    if (overrides.synthetic !== false)
      synthetic = startSyntheticSource({
        ffmpegPath: config.ffmpegPath,
        rtmpUrl: `rtmp://127.0.0.1:${rtmpPort}/live/${demo.streamKey}`,
        log: log.child({ module: "demo-source" }),
      });
  }

  let closed = false;
  return {
    app,
    url,
    port,
    rtmpPort,
    rtmpUrl: `rtmp://127.0.0.1:${rtmpPort}/live`,
    metricsPort: metricsListener?.port ?? null,
    demo,
    db,
    plugins: plugins.map((p) => p.name),
    services: {
      outbox,
      mailer: mail.mailer,
      notifier: notifications.notifier,
      follows: follows.follows,
      reminders: notifications.reminders,
      accounts: accounts.accounts,
      catalog: catalog.catalog,
      shows: shows.shows,
      offers: offers.offers,
      orders: orders.orders,
      commissions: commissions.commissions,
      payouts: commissions.payouts,
      chat: chat.chat,
      chatModeration: chat.moderation,
      hub: realtime.hub,
      media: media.media,
      whep: media.whep,
      whipSessions: media.whipSessions,
      bus,
      recordings: recordings.recordings,
      simulcast: simulcast.simulcast,
      webhooks: webhooks.webhooks,
      auctions: auctions.auctions,
      giveaways: giveaways.giveaways,
      polls: polls.polls,
      coupons: coupons.coupons,
      mystery: mystery.mystery,
      push: push.push,
      embed: embed.embed,
      analytics: analytics.recorder,
      reports: analytics.reports,
      analyticsTick: analytics.tick,
      stage: stage.stage,
      stageMedia: stage.stageMedia,
    },
    // The services' own shutdown crosses modules, so its order is spelled out here rather than left to onClose hooks.
    async close() {
      if (closed) return;
      closed = true;
      // Every module's timers first, before anything they use goes away (their own onClose hooks find them stopped).
      await sweepers.stop();
      // Recorders next: a graceful stop writes each recording's ENDLIST while the ingest is still there, and a recorder
      // that saw its input end (the demo source stopping below) is not restarted as if the show had dropped.
      await Promise.all([recordings.recordings.stop(), simulcast.simulcast.stop()]);
      await synthetic?.stop();
      await media.browserIngest.stop();
      await media.whep.stop();
      await media.whipIngest.stop();
      await media.whipSessions.stop();
      await realtime.hub.close();
      await metricsListener?.close();
      giveaways.giveaways.stop();
      polls.polls.stop();
      await app.close();
      // After the last request: what it relayed is marked sent before the database closes.
      await outbox.stop();
      await media.media.stop();
      await media.close();
      await chat.stop();
      await rateLimits.close();
      await bus.close();
      await db.close();
    },
  };
}

// How the other nodes reach this one when NODE_URL is not set: the listen address, or the host name for a wildcard.
function defaultNodeUrl(host: string, port: number): string {
  const h = host === "" || host === "0.0.0.0" || host === "::" ? os.hostname() : host;
  return `http://${h.includes(":") ? `[${h}]` : h}:${port}`;
}
