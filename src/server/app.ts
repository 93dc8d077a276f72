import { createHmac } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { AccountService, FirstRun, InviteService, Memberships, accountsModule } from "./accounts/index.js";
import { BuyerService, buyersModule } from "./buyers/index.js";
import { WaitlistEntryAccess, WaitlistService, waitlistModule } from "./waitlist/index.js";
import { CatalogService, IMAGE_CONTENT_TYPES, MAX_IMAGE_BYTES, MerchantService, catalogModule, storeImage } from "./catalog/index.js";
import { ChatModeration, ChatService, MemoryLimiterStore, RedisLimiterStore, chatModule } from "./chat/index.js";
import { AuctionService, auctionsModule } from "./auctions/index.js";
import { CouponService, couponsModule } from "./coupons/index.js";
import { MysteryService, mysteryModule } from "./mystery/index.js";
import { CommissionService, PayoutScheduler, PayoutService, SHARE_CODE, StripeConnectTransfers, commissionsModule } from "./commissions/index.js";
import { GiveawayService, giveawaysModule } from "./giveaways/index.js";
import { PollService, pollsModule } from "./polls/index.js";
import type { Config } from "./config.js";
import { openDb, pingDb, type DbHandle } from "./db/index.js";
import { demoModule, seedDemo, type DemoInfo } from "./demo/index.js";
import { EmbedService, embedModule } from "./embed/index.js";
import type { GameKind } from "../protocol/api.js";
import { createHttpApp } from "./http/app.js";
import { healthRoute } from "./http/health.js";
import { openApiRoutes } from "./http/openapi/plugin.js";
import { idempotencyRule } from "./http/idempotency.js";
import { metricsRoute, startMetricsListener, type MetricsListener } from "./http/metrics-endpoint.js";
import { Sweepers } from "./http/sweepers.js";
import { createMailer, mailModule, type Mailer } from "./mail/index.js";
import { Outbox, outboxModule } from "./outbox/index.js";
import { EmailChannel, Notifier, ReminderService, UnsubscribeTokens, notificationsModule } from "./notifications/index.js";
import { FollowService, followsModule, hostPageMeta, shopPageMeta } from "./follows/index.js";
import { PageMetaRegistry } from "./http/page-meta.js";
import { webRoutes } from "./http/web.js";
import { createBrowserIngest, createMedia, loopbackRtmpUrl, mediaModule, parseLadder, startSyntheticSource, type Media } from "./media/index.js";
import { PlaybackAggregator, telemetryModule } from "./telemetry/index.js";
import { LineupService, OfferService, offersModule } from "./offers/index.js";
import { RecordingService, recordingsModule } from "./recordings/index.js";
import { SecretBox, SimulcastService, loadSecretsKey, simulcastModule } from "./simulcast/index.js";
import { OrderAccess, OrderService, orderAccessRule, ordersModule } from "./orders/index.js";
import { StripeWebhooks, TestPaymentProvider, paymentsModule, stripeProviderFromConfig, type PaymentProvider } from "./payments/index.js";
import { MemoryBus, RedisBus, type Bus } from "./platform/bus.js";
import { systemClock, type Clock } from "./platform/clock.js";
import { RateLimits } from "./platform/rate-limit.js";
import type { ResolveHost } from "./platform/public-address.js";
import { RealtimeHub, RealtimeMetrics, RedisRoomStream, realtimeModule } from "./realtime/index.js";
import { ShowDiscovery, ShowPlanner, ShowService, showCoverUrl, showPageMeta, showsModule } from "./shows/index.js";
import { PushService, PushSubscriptionAccess, loadVapidKeys, pushModule } from "./push/index.js";
import { WebhookService, enqueueOrderWebhooks, webhooksModule } from "./webhooks/index.js";

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
  /** An extra CA trusted for Web Push endpoints (tests: the local push endpoint's self-signed certificate). */
  pushCa?: string | Buffer;
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
  };
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

  const db = await openDb({ databaseUrl: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, dataDir: path.join(config.dataDir, "pglite") });
  const busKind = config.BUS ?? (config.REDIS_URL ? "redis" : "memory");
  const bus: Bus = busKind === "redis" && config.REDIS_URL ? new RedisBus(config.REDIS_URL) : new MemoryBus();

  // Abuse limits (sign-in, sign-up, resets, holds, telemetry, chat by address): shared in Redis across nodes.
  const rateLimits = new RateLimits({ redisUrl: config.REDIS_URL, onError: (err) => log.warn({ err }, "rate limits (redis) error") });
  const outbox = new Outbox(db.db, clock, log.child({ module: "outbox" }), bus);
  const mailer = createMailer({ smtpUrl: config.SMTP_URL, from: config.MAIL_FROM, dir: path.join(config.dataDir, "mail"), clock });
  outbox.handle("email.send", (msg, meta) => mailer.send(msg, meta.id));
  // A show's reminders and go-live notices leave through the notifier's channels (notifications/notifier.ts), each
  // writing outbox rows inside the fan-out's transaction: email, and Web Push when it is configured.
  const notifier = new Notifier();
  const publicUrl = config.PUBLIC_URL ?? `http://localhost:${config.PORT}`;
  const accounts = new AccountService(db.db, clock, outbox, publicUrl.replace(/\/$/, ""), rateLimits);
  const catalog = new CatalogService(db.db, clock);
  const shows = new ShowService(db.db, clock, outbox);
  // Link previews (title, Open Graph, Twitter card) of the page routes, by route pattern: each page's module registers its own.
  const pageMeta = new PageMetaRegistry(clock);
  const offers = new OfferService(db.db, clock, bus, outbox);
  const memberships = new Memberships(db.db, clock);
  const commissions = new CommissionService(db.db, clock, { bus, displayNames: (ids) => memberships.displayNames(ids) });
  // Host payouts: SEPA files always; Stripe Connect transfers when a Stripe key is configured.
  const payoutService = new PayoutService(
    db.db,
    clock,
    accounts,
    config.STRIPE_SECRET_KEY
      ? new StripeConnectTransfers({ secretKey: config.STRIPE_SECRET_KEY, apiBase: config.STRIPE_API_BASE, timeoutMs: config.STRIPE_TIMEOUT_MS })
      : null,
  );
  // Monthly runs: SEPA for every merchant with a bank account, then Stripe Connect when configured (see payout-scheduler.ts).
  const payoutScheduler = new PayoutScheduler(db.db, clock, payoutService, {
    methods: config.STRIPE_SECRET_KEY ? ["sepa", "stripe"] : ["sepa"],
    log: log.child({ module: "payouts" }),
  });
  const secrets = loadSecretsKey({ secretsKey: config.SECRETS_KEY, dataDir: config.dataDir });
  if (secrets.source === "generated") log.info({ file: secrets.file }, "generated the secrets key (mode 600); back it up with the database");
  // Merchant webhooks: enqueued by orders and offers inside their transactions, delivered by the outbox.
  const webhooks = new WebhookService({ db: db.db, clock, outbox, box: new SecretBox(secrets.key), allowInternalHosts: config.WEBHOOKS_ALLOW_PRIVATE });
  outbox.handle("webhook.deliver", (payload, meta) => webhooks.deliver(payload, meta.attempts));
  offers.onSoldOut((tx, offer) => webhooks.enqueueForShow(tx, offer.showId, "offer.sold_out", { offer }));
  // Web Push: the VAPID pair is generated on the first start (DATA_DIR/vapid-keys.json and, sealed, the database,
  // which every node reads: see push/vapid.ts).
  const vapid = await loadVapidKeys({ db: db.db, clock, dataDir: config.dataDir, box: new SecretBox(secrets.key) });
  if (vapid.source === "generated") log.info({ file: vapid.file }, "generated the Web Push (VAPID) key pair (mode 600); back it up with the database");
  if (vapid.fileDiffers) log.warn({ file: vapid.file }, "the VAPID key pair in DATA_DIR differs from the database's; the database's is used");
  const push = new PushService({
    db: db.db,
    clock,
    outbox,
    log: log.child({ module: "push" }),
    keys: vapid.keys,
    subject: config.VAPID_SUBJECT ?? vapidSubject(config),
    access: new PushSubscriptionAccess(secrets.key),
    allowPrivate: config.PUSH_ALLOW_PRIVATE,
    ca: overrides.pushCa,
    // A guest's browser opts in for the reminder it just made, with the token "Remind me" answered.
    guestReminder: (reminderId, token): Promise<boolean> => reminders.isGuestReminderToken(reminderId, token),
  });
  outbox.handle("push.send", async (job) => void (await push.deliver(job)));
  const payments = overrides.payments ?? (config.PAYMENT_PROVIDER === "stripe" ? stripeProviderFromConfig(config) : new TestPaymentProvider());
  const orderAccess = new OrderAccess(db.db, secrets.key);
  // The claim link carries the order's access token in the fragment (never sent to the server, never in a log), so
  // the claim checkout may show the waitlister's own details.
  // An entry's token goes only to the browser that joined and, by a link in the fragment, to the entry's address.
  const waitlistAccess = new WaitlistEntryAccess(secrets.key);
  const waitlistLinks = rateLimits.limit({ name: "waitlist-link", points: 3, windowSeconds: 3600 });
  const waitlist = new WaitlistService({
    db: db.db,
    clock,
    outbox,
    offers,
    claimUrl: (showId, orderId) =>
      `${publicUrl.replace(/\/$/, "")}/shows/${encodeURIComponent(showId)}?claim=${encodeURIComponent(orderId)}#t=${orderAccess.token(orderId)}`,
    entryUrl: (showId, entryId) =>
      `${publicUrl.replace(/\/$/, "")}/shows/${encodeURIComponent(showId)}?waitlist=${encodeURIComponent(entryId)}#wt=${waitlistAccess.token(entryId)}`,
    mayEmailEntryLink: async (entryId) => (await waitlistLinks.hit(entryId)) === 0,
  });
  // Per-buyer limits match guests by card: a keyed hash, so the stored value says nothing without the server's key.
  const cardFingerprint = (n: string) =>
    createHmac("sha256", secrets.key)
      .update(`card:${n.replace(/\s+/g, "")}`)
      .digest("base64url");
  const orders = new OrderService({
    db: db.db,
    clock,
    offers,
    payments,
    holdMs: config.CART_HOLD_SECONDS * 1000,
    outbox,
    cardFingerprint,
    orderUrl: (orderId) => orderAccess.pageUrl(publicUrl, orderId),
  });
  const buyers = new BuyerService(db.db, clock, payments, cardFingerprint);
  // Chat limits are counted in Redis when there is one (shared by every node), else in this process.
  const chatLimiter = config.REDIS_URL ? new RedisLimiterStore(config.REDIS_URL) : new MemoryLimiterStore();
  const chatClientKey = (ip: string) => createHmac("sha256", secrets.key).update(`chat-ip:${ip}`).digest("base64url").slice(0, 24);
  const chat = new ChatService({
    db: db.db,
    clock,
    bus,
    limiter: chatLimiter,
    rateLimits,
    clientKey: chatClientKey,
    limits: { ipLimit: config.CHAT_IP_LIMIT },
    shows,
    orders,
  });
  const chatModeration = new ChatModeration({ db: db.db, clock, bus, rules: chat.rules });
  const auctions = new AuctionService({ db: db.db, clock, outbox, shows, offers, orders, bus });
  const coupons = new CouponService(db.db, clock, outbox);
  const mystery = new MysteryService(db.db, clock, outbox, offers);
  // Order subscribers (orders.on), run inside the order's transactions in this order: coupons (discount when placed),
  // mystery items (18+ and pool room when placed, the draw when paid), merchant webhooks, the sold-out waitlist, and
  // last the host's commission (attributed when placed, written when paid, reversed when refunded). Orders itself
  // subscribed the buyer's emails first.
  coupons.subscribeToOrders(orders);
  mystery.subscribeToOrders(orders);
  enqueueOrderWebhooks(orders, webhooks);
  waitlist.subscribeToOrders(orders);
  commissions.subscribeToOrders(orders, shows);
  const giveaways = new GiveawayService({
    db: db.db,
    clock,
    bus,
    outbox,
    coalesceMs: config.REALTIME_TICK_MS,
    log: log.child({ module: "giveaways" }),
    buyers,
    chat,
    accounts,
  });
  const polls = new PollService({ db: db.db, clock, bus, outbox, catalog, offers, coalesceMs: config.REALTIME_TICK_MS, log: log.child({ module: "polls" }) });
  // Giveaway entry by chat keyword: read from the bus (on the node that took the message), so chat needs no hook.
  bus.subscribeLocal("chat.posted", (ev) => void giveaways.onChatPosted(ev).catch((err) => log.error({ err }, "giveaway chat entry failed")));

  const media = createMedia({
    ffmpegPath: config.ffmpegPath,
    mediaDir: config.mediaDir,
    rtmpPort: config.RTMP_PORT,
    rtmpHost: config.RTMP_HOST,
    segmentSeconds: config.HLS_SEGMENT_SECONDS,
    listSize: config.HLS_LIST_SIZE,
    ladder: parseLadder(config.HLS_LADDER),
    partTargetSeconds: config.HLS_PART_TARGET_SECONDS,
    reconnectGraceSeconds: config.RECONNECT_GRACE_SECONDS,
    log: log.child({ module: "media" }),
    resolveStreamKey: async (key) => {
      const showId = await shows.showIdForStreamKey(key);
      return showId ? { showId } : null;
    },
    onLive: (showId) => {
      void shows.setStatus(showId, "live").catch((err) => log.error({ err, showId }, "set live failed"));
      recordings.onLive(showId);
      simulcast.onLive(showId);
    },
    onReconnecting: (showId) => void shows.setStatus(showId, "reconnecting").catch((err) => log.error({ err, showId }, "set reconnecting failed")),
    onOffline: (showId) => {
      void shows.setStatus(showId, "offline").catch((err) => log.error({ err, showId }, "set offline failed"));
      recordings.onOffline(showId);
      simulcast.onOffline(showId);
    },
  });
  const recordings = new RecordingService({
    db: db.db,
    clock,
    offers,
    ffmpegPath: config.ffmpegPath,
    mediaDir: config.mediaDir,
    segmentSeconds: config.RECORDING_SEGMENT_SECONDS,
    previewSeconds: config.PREVIEW_SECONDS,
    maxSeconds: config.RECORDING_MAX_MINUTES * 60,
    enabled: config.RECORDINGS,
    log: log.child({ module: "recordings" }),
    playUrl: (showId) => media.playUrl(showId),
    sessionGapSeconds: config.RECONNECT_GRACE_SECONDS,
  });
  const simulcast = new SimulcastService({
    db: db.db,
    clock,
    box: new SecretBox(secrets.key),
    ffmpegPath: config.ffmpegPath,
    log: log.child({ module: "simulcast" }),
    playUrl: (showId) => media.playUrl(showId),
    isLive: (showId) => media.showState(showId) !== undefined,
    allowInternalHosts: config.SIMULCAST_ALLOW_PRIVATE,
    resolveHost: overrides.resolveHost,
  });

  const lineup = new LineupService(db.db, clock, offers, catalog, outbox);
  const playback = new PlaybackAggregator(clock);
  const studioStats = async (showId: string, viewers: number) => {
    const [sales, commission] = await Promise.all([orders.showSales(showId), commissions.showPendingEarnings(showId)]);
    return { viewers, ...sales, commission, currency: "EUR", ...playback.summary(showId) };
  };
  const realtimeMetrics = new RealtimeMetrics();
  const hub = new RealtimeHub({
    bus,
    metrics: realtimeMetrics,
    log: log.child({ module: "realtime" }),
    tickMs: config.REALTIME_TICK_MS,
    now: () => clock.now().getTime(),
    // Several nodes: room seq numbers and viewer counts live in Redis (see docs/operations.md, "Several nodes").
    stream:
      busKind === "redis" && config.REDIS_URL
        ? new RedisRoomStream(config.REDIS_URL, { onError: (err) => log.warn({ err }, "realtime stream (redis) error") })
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
    studioStats,
  });

  const publicHost = () => (config.PUBLIC_URL ? new URL(config.PUBLIC_URL).hostname : "localhost");
  const rtmpUrl = () => `rtmp://${publicHost()}:${media.rtmpPort()}/live`;

  const sweepers = new Sweepers({ enabled: overrides.sweepers !== false, onError: (err) => log.error({ err }, "sweeper failed") });
  const gamesOf = async (showId: string): Promise<GameKind[]> => {
    const [a, g, p, m, c] = await Promise.all([
      auctions.ofShow(showId, true),
      giveaways.current(showId),
      polls.current(showId),
      mystery.ofShow(showId),
      coupons.ofShow(showId, { activeOnly: true }),
    ]);
    const on: [GameKind, boolean][] = [
      ["auction", a.length > 0],
      ["giveaway", g != null],
      ["poll", p != null],
      ["mystery", m.some((x) => x.status === "open")],
      ["coupon", c.length > 0],
    ];
    return on.filter(([, yes]) => yes).map(([k]) => k);
  };
  // The merchant's side (#14): shops, who works for which, the first run, and the show form.
  const merchants = new MerchantService(db.db, clock);
  const embed = new EmbedService({ db: db.db, clock, shows, merchants });
  const firstRun = new FirstRun({ db: db.db, clock, accounts, outbox, publicUrl: publicUrl.replace(/\/$/, ""), shops: merchants });
  const planner = new ShowPlanner({
    db: db.db,
    clock,
    shows,
    defaultCommissionBp: config.DEFAULT_COMMISSION_BP,
    lineup,
    hosts: commissions,
    members: memberships,
    timeZoneOf: (merchantId) => merchants.timeZoneOf(merchantId),
    endOpenOffers: async (showId) => {
      for (const o of await offers.activeOffers(showId)) await offers.end(o.id);
    },
  });
  // Follows, "Remind me" and a show's notices (reminder 15 minutes before, go-live), by email through the outbox.
  const follows = new FollowService(db.db, clock, {
    nameOf: async (target, id) => (target === "host" ? shows.hostName(id) : (await catalog.merchantName(id)) || null),
  });
  const unsubscribeTokens = new UnsubscribeTokens(secrets.key);
  const baseUrl = publicUrl.replace(/\/$/, "");
  const showPageUrl = (slug: string) => `${baseUrl}/shows/${encodeURIComponent(slug)}`;
  notifier.addChannel(new EmailChannel(outbox, (id) => `${baseUrl}/api/unsubscribe/${unsubscribeTokens.token(id)}`));
  const reminders = new ReminderService({
    db: db.db,
    clock,
    shows,
    follows,
    accounts,
    notifier,
    tokens: unsubscribeTokens,
    reminderRemoved: (tx, reminderId): Promise<void> => push.forgetReminder(tx, reminderId),
    shop: async (merchantId) => ({ name: await catalog.merchantName(merchantId), timeZone: await merchants.timeZoneOf(merchantId) }),
    urls: {
      show: showPageUrl,
      unsubscribe: (token) => `${baseUrl}/unsubscribe#t=${token}`,
      cover: (show) => (show.coverImageId ? `${baseUrl}${showCoverUrl(show.id, show.coverImageId, 800)}` : null),
    },
  });
  const guestReminders = rateLimits.limit({ name: "reminder-guest", points: 20, windowSeconds: 600 });
  const holdsPerAddress = rateLimits.limit({ name: "holds-address", points: Math.max(1, config.HOLDS_PER_ADDRESS_PER_MINUTE), windowSeconds: 60 });
  const holdsPerDevice = rateLimits.limit({ name: "holds-device", points: Math.max(1, config.HOLDS_PER_DEVICE_PER_MINUTE), windowSeconds: 60 });
  const stripeWebhooks =
    payments.name === "stripe" && config.STRIPE_WEBHOOK_SECRET
      ? new StripeWebhooks({
          db: db.db,
          clock,
          signingSecret: config.STRIPE_WEBHOOK_SECRET,
          events: { succeeded: orders.settleProviderPayment.bind(orders), failed: orders.providerPaymentFailed.bind(orders) },
          log: log.child({ module: "stripe" }),
        })
      : null;
  const waitlistJoins = rateLimits.limit({ name: "waitlist-join", points: 30, windowSeconds: 600 });
  const browserIngest = createBrowserIngest({
    ffmpegPath: config.ffmpegPath,
    requireManager: (account, showId) => shows.requireManager(account, showId),
    streamKey: (showId) => shows.streamKey(showId),
    rtmpBaseUrl: () => loopbackRtmpUrl(config.RTMP_HOST, media.rtmpPort()),
    isPublishing: (showId) => media.status().live.includes(showId),
    endShowNow: (showId) => media.endShowNow(showId),
    log: log.child({ module: "browser-ingest" }),
    clock,
  });
  const metricsSource = {
    contentType: realtimeMetrics.registry.contentType,
    render: () => {
      hub.updateGauges();
      return realtimeMetrics.registry.metrics();
    },
  };

  // A show's reminders and go-live notices also reach the browsers that opted in to Web Push.
  notifier.addChannel(push.channel);

  // Each module registers its routes, starts its sweepers when the app is ready and stops them when it closes.
  // Whole-app rules come first (a plugin's scope copies the app's hooks when it loads): sessions and cross-site checks,
  // then idempotency, then the order access rule. Ready hooks run in this order too (whole-app plugins' first).
  app.register(accountsModule, {
    accounts,
    invites: new InviteService(db.db, clock, accounts, outbox, publicUrl.replace(/\/$/, ""), merchants),
    firstRun,
    secureCookie: config.cookieSecure,
    allowedOrigins: config.allowedOrigins,
  });
  // Every other creating POST honours Idempotency-Key. Orders and bids keep their own (the key is part of the row
  // they write); sign-in answers set cookies and are never replayed; Stripe's webhook is deduplicated by event id.
  // Matched against the route the router chose (its pattern), not the raw URL.
  const ownIdempotency = [/^\/api\/orders$/, /^\/api\/auctions\/[^/]+\/(pre-)?bids$/, /^\/api\/auth\//, /^\/api\/payments\/stripe\/webhook$/];
  app.register(idempotencyRule, { db: db.db, clock, skip: (_method, p) => ownIdempotency.some((re) => re.test(p)), sweepers });
  app.register(orderAccessRule, { access: orderAccess });
  app.register(outboxModule, { outbox, sweepers, metrics: realtimeMetrics.registry });
  app.register(mailModule, { mailer, devMailbox: config.DEV_MAILBOX });
  app.register(catalogModule, { catalog, merchants, shows, offers, orders, commissions, mediaDir: config.mediaDir });
  app.register(showsModule, {
    shows,
    offers,
    catalog,
    rtmpUrl,
    games: gamesOf,
    replay: (show) => recordings.replay(show),
    discovery: new ShowDiscovery(db.db, clock),
    replayCard: (showId) => recordings.replayCard(showId),
    // The studio's first figures carry the commission by host; the ticks after it do not (earnings.updated does).
    studioStats: async (showId) => ({ ...(await studioStats(showId, hub.viewers(showId))), commissionSplit: await commissions.showEarningsSplit(showId) }),
    onStreamKeyRotated: (showId) => media.disconnectShow(showId),
    planner,
    hostsOf: async (merchantId) => memberships.of(merchantId, ["host"]),
    images: {
      contentTypes: IMAGE_CONTENT_TYPES,
      maxBytes: MAX_IMAGE_BYTES,
      store: (folder, ownerId, data) => storeImage(config.mediaDir, folder, ownerId, data),
    },
    mediaDir: config.mediaDir,
  });
  app.register(offersModule, { offers, lineup, shows, catalog, sweepers });
  app.register(ordersModule, {
    orders,
    buyers,
    shows,
    access: orderAccess,
    clientKey: (identity) => createHmac("sha256", secrets.key).update(`order-client:${identity}`).digest("base64url").slice(0, 32),
    placementLimit: async (address, device) => {
      if (config.HOLDS_PER_ADDRESS_PER_MINUTE > 0) await holdsPerAddress.take(address);
      if (device && config.HOLDS_PER_DEVICE_PER_MINUTE > 0) await holdsPerDevice.take(device);
    },
    item: async (o) => {
      const [offer, show] = await Promise.all([offers.offer(o.offerId), shows.show(o.showId)]);
      // A bag's page names every line.
      const lines =
        o.lines.length > 1 ? await Promise.all(o.lines.map(async (l) => ({ offerId: l.offerId, title: (await offers.offer(l.offerId)).title }))) : null;
      return { title: offer.title, imageUrl: offer.imageUrl, showSlug: show.slug, showTitle: show.title, ...(lines ? { lines } : {}) };
    },
    offerTitle: async (offerId) => (await offers.offer(offerId)).title,
    offerTitles: (offerIds) => offers.titles(offerIds),
    sweepers,
    // One node owns the orders when the database is PGlite, or when no shared bus is configured (several nodes need
    // REDIS_URL; without it they would not see each other's stock events either): its key set is then complete.
    ownsIdempotencyKeys: db.kind === "pglite" || busKind === "memory",
  });
  app.register(paymentsModule, { provider: payments.name === "stripe" ? "stripe" : "test", publishableKey: config.STRIPE_PUBLISHABLE_KEY, stripeWebhooks });
  app.register(buyersModule, { buyers });
  app.register(waitlistModule, {
    waitlist,
    access: waitlistAccess,
    orderToken: (orderId) => orderAccess.token(orderId),
    rateLimit: (req) => waitlistJoins.take(req.ip),
  });
  app.register(commissionsModule, {
    commissions,
    payouts: payoutService,
    monthlyPayouts: config.PAYOUTS_MONTHLY ? payoutScheduler : null,
    shows,
    clock,
    secureCookie: config.cookieSecure,
    publicUrl: publicUrl.replace(/\/$/, ""),
    publicOrigin: config.PUBLIC_URL ? new URL(config.PUBLIC_URL).origin : null,
    sweepers,
  });
  app.register(webhooksModule, { webhooks });
  app.register(pushModule, { push, distDir: path.resolve("dist/web") });
  app.register(followsModule, { follows, shows, shopBySlug: (slug) => merchants.bySlug(slug) });
  app.register(notificationsModule, {
    reminders,
    shows,
    shopName: (merchantId) => catalog.merchantName(merchantId),
    showUrl: showPageUrl,
    now: () => clock.now(),
    guestLimit: (req) => guestReminders.take(req.ip),
    sweepers,
    bus,
    sweepMs: 5000,
  });
  app.register(auctionsModule, { auctions, shows, catalog, sweepers });
  app.register(giveawaysModule, { giveaways, shows, sweepers });
  app.register(pollsModule, { polls, shows, sweepers });
  app.register(couponsModule, { coupons, shows, offers });
  app.register(mysteryModule, { mystery, shows, catalog });
  app.register(embedModule, { embed, publicOrigin: config.PUBLIC_URL ? new URL(config.PUBLIC_URL).origin : null });
  app.register(chatModule, { chat, moderation: chatModeration });
  app.register(recordingsModule, { recordings, shows, mediaDir: config.mediaDir });
  app.register(simulcastModule, { simulcast, shows });
  app.register(mediaModule, { media, browserIngest });
  app.register(realtimeModule, { hub, shows, chat, clock, metrics: realtimeMetrics, heartbeatMs: config.REALTIME_HEARTBEAT_MS });
  app.register(telemetryModule, {
    aggregator: playback,
    rateLimits,
    isLive: (showId) => media.status().live.includes(showId),
    sweepers,
    statsChanged: (showId) => hub.markStatsDirty(showId),
  });
  // Main port only with METRICS_TOKEN; METRICS_LISTEN adds a listener of its own (docs/operations.md, Security).
  app.register(metricsRoute, { token: config.METRICS_TOKEN, listen: config.METRICS_LISTEN, source: metricsSource });
  app.register(openApiRoutes);
  app.register(healthRoute, { db: { kind: db.kind, ping: () => pingDb(db.db) }, media: () => media.status(), bus: busKind });
  app.register(demoModule);
  pageMeta.registerPageMeta(
    "/shows/:slug",
    showPageMeta({
      shows,
      activeOffers: (showId) => offers.activeOffers(showId),
      merchantName: (merchantId) => catalog.merchantName(merchantId),
      replay: (show) => recordings.replay(show),
      timeZoneOf: (merchantId) => merchants.timeZoneOf(merchantId),
    }),
    // A host's share code stays on og:url: Facebook links the preview to og:url, and the sale should stay theirs.
    { keepQuery: { ref: SHARE_CODE } },
  );
  const profileMeta = {
    shopBySlug: (slug: string) => merchants.bySlug(slug),
    hostName: (id: string) => shows.hostName(id),
    followers: (target: "shop" | "host", id: string) => follows.count(target, id),
  };
  pageMeta.registerPageMeta("/shops/:slug", shopPageMeta(profileMeta));
  pageMeta.registerPageMeta("/hosts/:id", hostPageMeta(profileMeta));
  app.register(webRoutes, {
    distDir: path.resolve("dist/web"),
    stripe: payments.name === "stripe",
    firstRunNeeded: () => firstRun.needed(),
    embedFrameAncestors: async (slug) => (await embed.embeddable(slug))?.origins ?? [],
    publicOrigin: config.PUBLIC_URL ? new URL(config.PUBLIC_URL).origin : null,
    pageMeta,
  });

  await app.listen({ port: config.PORT, host: config.HOST });
  const metricsListener: MetricsListener | null = config.METRICS_LISTEN
    ? await startMetricsListener(config.METRICS_LISTEN, metricsSource, (err) => log.error({ err }, "metrics failed"))
    : null;
  if (metricsListener) log.info({ listen: config.METRICS_LISTEN, port: metricsListener.port }, "/metrics listener");
  const port = (app.server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  let demo: DemoInfo | null = null;
  let synthetic: { stop(): Promise<void> } | null = null;
  if (config.DEMO) {
    demo = await seedDemo({ dataDir: config.dataDir, accounts, catalog, shows, offers, commissionBp: config.DEFAULT_COMMISSION_BP });
    if (overrides.synthetic !== false)
      synthetic = startSyntheticSource({
        ffmpegPath: config.ffmpegPath,
        rtmpUrl: `rtmp://127.0.0.1:${media.rtmpPort()}/live/${demo.streamKey}`,
        log: log.child({ module: "demo-source" }),
      });
  }

  let closed = false;
  return {
    app,
    url,
    port,
    rtmpPort: media.rtmpPort(),
    rtmpUrl: `rtmp://127.0.0.1:${media.rtmpPort()}/live`,
    metricsPort: metricsListener?.port ?? null,
    demo,
    db,
    services: {
      outbox,
      mailer,
      notifier,
      follows,
      reminders,
      accounts,
      catalog,
      shows,
      offers,
      orders,
      commissions,
      payouts: payoutService,
      chat,
      chatModeration,
      hub,
      media,
      bus,
      recordings,
      simulcast,
      webhooks,
      auctions,
      giveaways,
      polls,
      coupons,
      mystery,
      push,
      embed,
    },
    async close() {
      if (closed) return;
      closed = true;
      // Every module's timers first, before anything they use goes away (their own onClose hooks find them stopped).
      await sweepers.stop();
      await synthetic?.stop();
      await browserIngest.stop();
      await hub.close();
      await metricsListener?.close();
      giveaways.stop();
      polls.stop();
      await app.close();
      // After the last request: what it relayed is marked sent before the database closes.
      await outbox.stop();
      // Recorders first: a graceful stop writes each recording's ENDLIST before the ingest goes away.
      await Promise.all([recordings.stop(), simulcast.stop()]);
      await media.stop();
      chat.rules.close();
      await chatLimiter.close();
      await rateLimits.close();
      await bus.close();
      await db.close();
    },
  };
}

/** RFC 8292 `sub` when VAPID_SUBJECT is not set: the public https URL, else the sender address of emails. */
function vapidSubject(config: Config): string {
  if (config.PUBLIC_URL?.startsWith("https://")) return new URL(config.PUBLIC_URL).origin;
  const address = /<([^>]+)>/.exec(config.MAIL_FROM)?.[1] ?? config.MAIL_FROM.trim();
  return `mailto:${address}`;
}
