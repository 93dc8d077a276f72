import type { AccountService, Memberships } from "../accounts/index.js";
import type { CommissionService } from "../commissions/index.js";
import { type ModuleContext, type ModulePlugin, modulePlugin } from "../modules.js";
import type { OfferService } from "../offers/index.js";
import type { OrderService } from "../orders/index.js";
import type { Outbox } from "../outbox/index.js";
import { randomId } from "../platform/ids.js";
import type { ShowService } from "../shows/index.js";
import { ReportMailer } from "./mail.js";
import { type AnalyticsLaterDoors, analyticsModule, sampleAndPush } from "./plugin.js";
import { AnalyticsRecorder } from "./recorder.js";
import { AnalyticsReports } from "./report.js";

/**
 * Analytics: records what happens in shows off the purchase path (memory, flushed every few seconds) and answers the
 * reports. It listens in this factory: orders' placed/paid/refunded (remembered in memory, written once committed),
 * pins and chat from the bus (events of this node only, so each is counted once over all nodes) and the players'
 * heartbeats (telemetry). Sockets and reactions reach it from realtime, which takes its recorder.
 */
export function createAnalyticsModule(
  ctx: ModuleContext,
  doors: {
    outbox: Outbox;
    orders: Pick<OrderService, "on" | "statuses">;
    shows: ShowService;
    offers: Pick<OfferService, "titles" | "offerShow" | "activeOffers">;
    telemetry: { onReport(listener: (showId: string, report: import("../../protocol/api.js").PlaybackReport) => void): void };
    memberships: Pick<Memberships, "of">;
    accounts: Pick<AccountService, "contacts">;
    commissions: Pick<CommissionService, "linkAttributed">;
  },
): {
  recorder: AnalyticsRecorder;
  reports: AnalyticsReports;
  mailer: ReportMailer;
  /** One 10 s step by hand (tests with the sweepers off): sample this node's viewers, write, push the studios' live chart. */
  tick(): Promise<void>;
  plugin(later: AnalyticsLaterDoors): ModulePlugin;
} {
  const { config, db, clock, bus, log } = ctx;
  const { orders, shows, offers, commissions } = doors;
  const recorder = new AnalyticsRecorder(
    {
      db,
      clock,
      nodeId: randomId("node"),
      secretsKey: ctx.secretsKey,
      merchantOf: async (showId) => (await shows.show(showId)).merchantId,
      orderStatuses: (ids) => orders.statuses(ids),
      linkAttributed: (ids) => commissions.linkAttributed(ids),
      onError: (err) => log.warn({ err }, "analytics: events not written"),
    },
    { enabled: config.ANALYTICS },
  );
  const reports = new AnalyticsReports({
    db,
    clock,
    show: (id) => shows.show(id),
    showIdsOfMerchant: (id) => shows.showIdsOfMerchant(id),
    offerTitles: (ids) => offers.titles(ids),
  });
  const mailer = new ReportMailer({
    db,
    clock,
    publicUrl: ctx.publicUrl,
    show: (id) => shows.show(id),
    owners: async (merchantId) => {
      const owners = await doors.memberships.of(merchantId, ["merchant"]);
      const contacts = await doors.accounts.contacts(
        db,
        owners.map((o) => o.accountId),
      );
      return owners.map((o) => ({ email: o.email, lang: contacts.get(o.accountId)?.lang ?? "en" }));
    },
    enqueueEmail: (msg) => doors.outbox.enqueue(db, "email.send", msg),
  });

  // Orders: nothing is written in the order's transaction; the recorder keeps the fact until the order is committed.
  orders.on("placed", async (_tx, order, body) => {
    if (!recorder.enabled) return undefined;
    recorder.hold({
      orderId: order.id,
      showId: order.showId,
      offerId: order.offerId,
      quantity: order.quantity,
      accountId: order.accountId,
      source: body.source ?? "live",
      referral: order.referral !== null,
      at: order.at,
    });
    return undefined;
  });
  orders.on("paid", async (_tx, row, view) => {
    if (!recorder.enabled) return;
    recorder.paid({
      orderId: row.id,
      showId: row.show_id,
      offerId: row.offer_id,
      quantity: row.quantity,
      total: row.total,
      buyer: { accountId: row.account_id, email: row.buyer_email },
      // A bag: each line for its own offer (a bag takes no discount, so its lines add up to its total).
      lines: view.lines.length > 1 ? view.lines.map((l) => ({ offerId: l.offerId, quantity: l.quantity, amount: l.unitPrice * l.quantity })) : undefined,
    });
  });
  orders.on("refunded", async (_tx, row, _view, refund) => {
    recorder.refunded({ orderId: row.id, showId: row.show_id, offerId: row.offer_id, quantity: refund.quantity, amount: refund.amount });
  });
  bus.subscribeLocal("offer.pinned", (e) => recorder.pinned(e.showId, e.offerId, true));
  bus.subscribeLocal("offer.unpinned", (e) => recorder.pinned(e.showId, e.offerId, false));
  bus.subscribeLocal("chat.posted", (e) => recorder.chatPosted(e.showId));
  bus.subscribeLocal("show.status", (e) => {
    if (e.status !== "ended" || !config.ANALYTICS) return;
    void recorder
      .flush()
      .then(() => mailer.showEnded(e.showId))
      .catch((err) => log.warn({ err, showId: e.showId }, "analytics: report mail not queued"));
  });
  doors.telemetry.onReport((showId, report) => recorder.playback(showId, report));

  const pinnedOffer = async (showId: string) => (await offers.activeOffers(showId)).find((o) => o.pinned)?.id ?? null;
  let rooms: AnalyticsLaterDoors["rooms"] | null = null;
  return {
    recorder,
    reports,
    mailer,
    tick: () => (rooms ? sampleAndPush({ recorder, reports, rooms, pinnedOffer, log }) : recorder.flush()),
    plugin: (later) => {
      rooms = later.rooms;
      return modulePlugin("analytics", analyticsModule, {
        recorder,
        reports,
        shows,
        rateLimits: ctx.rateLimits,
        offerShow: (id) => offers.offerShow(id),
        pinnedOffer,
        sweepers: ctx.sweepers,
        flushMs: config.ANALYTICS_FLUSH_MS,
        retentionDays: config.ANALYTICS_RETENTION_DAYS,
        log,
        ...later,
      });
    },
  };
}
