import type { FastifyInstance, FastifyReply } from "fastify";
import {
  checkoutOpenedBody,
  idSchema,
  impressionsBody,
  shopOverviewCsvQuery,
  shopOverviewQuery,
  showReportCsvQuery,
  showReportQuery,
} from "../../protocol/api.js";
import { requireAccount } from "../accounts/index.js";
import { parseWith } from "../http/validate.js";
import { AppError } from "../platform/errors.js";
import type { RateLimits, RateRule } from "../platform/rate-limit.js";
import { requireMerchantStaff, type ShowService } from "../shows/index.js";
import { shopOverviewCsv, showReportCsv } from "./csv.js";
import type { AnalyticsRecorder } from "./recorder.js";
import type { AnalyticsReports } from "./report.js";

export interface AnalyticsRouteDeps {
  recorder: AnalyticsRecorder;
  reports: AnalyticsReports;
  shows: Pick<ShowService, "requireManager">;
  rateLimits: RateLimits;
  /** The show an offer belongs to (cached; null when unknown): a beacon counts only its own show's offers. */
  offerShow(offerId: string): Promise<string | null>;
  /** The offer pinned in a show now (the studio's live funnel), or null. */
  pinnedOffer(showId: string): Promise<string | null>;
}

// A viewer's page reports impressions at most every 10 s and a checkout sheet per tap: 40 per 10 s per address
// leaves room for ~20 viewers behind one address (as telemetry's limit).
export const ANALYTICS_BEACON_LIMIT: RateRule = { name: "analytics-address", points: 40, windowSeconds: 10 };

function csv(reply: FastifyReply, name: string, body: string) {
  return reply
    .type("text/csv; charset=utf-8")
    .header("content-disposition", `attachment; filename="${name}.csv"`)
    .header("cache-control", "no-store")
    .send(body);
}

export function registerAnalyticsRoutes(app: FastifyInstance, deps: AnalyticsRouteDeps) {
  const { recorder, reports, shows } = deps;
  const limit = deps.rateLimits.limit(ANALYTICS_BEACON_LIMIT);
  const showIdOf = (raw: string) => {
    if (!idSchema.safeParse(raw).success) throw new AppError("not_found", "No such show.");
    return raw;
  };

  // Beacons from viewers' pages: answered 204 whatever they name (an offer of another show is dropped, not refused).
  app.post<{ Params: { showId: string } }>("/api/shows/:showId/impressions", async (req, reply) => {
    await limit.take(req.ip);
    const showId = showIdOf(req.params.showId);
    const body = parseWith(impressionsBody, req.body);
    const mine: string[] = [];
    for (const offerId of new Set(body.offerIds)) if ((await deps.offerShow(offerId)) === showId) mine.push(offerId);
    recorder.impressions(showId, mine);
    return reply.status(204).send();
  });

  app.post<{ Params: { showId: string } }>("/api/shows/:showId/checkout-opened", async (req, reply) => {
    await limit.take(req.ip);
    const showId = showIdOf(req.params.showId);
    const body = parseWith(checkoutOpenedBody, req.body);
    if ((await deps.offerShow(body.offerId)) === showId) recorder.checkoutOpened(showId, body.offerId, body.source ?? null);
    return reply.status(204).send();
  });

  // Reports: the show's managers (its host, the shop's owner and staff, admins), as every studio route.
  const reportFor = async (account: Parameters<typeof shows.requireManager>[0], showIdOrSlug: string, query: { from?: Date; to?: Date }) => {
    const show = await shows.requireManager(account, showIdOrSlug);
    return reports.showReport(show.id, query);
  };

  app.get<{ Params: { showId: string } }>("/api/analytics/shows/:showId/report", async (req) => {
    const account = requireAccount(req);
    const q = parseWith(showReportQuery, req.query, "invalid_query");
    return { report: await reportFor(account, req.params.showId, q) };
  });

  app.get<{ Params: { showId: string } }>("/api/analytics/shows/:showId/report.csv", async (req, reply) => {
    const account = requireAccount(req);
    const q = parseWith(showReportCsvQuery, req.query, "invalid_query");
    const report = await reportFor(account, req.params.showId, q);
    return csv(reply, `show-${report.show.id}-${q.chart}`, showReportCsv(report, q.chart));
  });

  app.get<{ Params: { showId: string } }>("/api/analytics/shows/:showId/live", async (req) => {
    const account = requireAccount(req);
    const show = await shows.requireManager(account, req.params.showId);
    return { live: await reports.live(show.id, await deps.pinnedOffer(show.id)) };
  });

  // The shop overview: the shop's owner and staff, and admins (a host sees their own shows' reports only).
  app.get<{ Params: { merchantId: string } }>("/api/analytics/shops/:merchantId/overview", async (req) => {
    const account = requireAccount(req);
    requireMerchantStaff(account, req.params.merchantId);
    const q = parseWith(shopOverviewQuery, req.query, "invalid_query");
    return { overview: await reports.shopOverview(req.params.merchantId, q) };
  });

  app.get<{ Params: { merchantId: string } }>("/api/analytics/shops/:merchantId/overview.csv", async (req, reply) => {
    const account = requireAccount(req);
    requireMerchantStaff(account, req.params.merchantId);
    const q = parseWith(shopOverviewCsvQuery, req.query, "invalid_query");
    return csv(reply, `shop-${q.chart}`, shopOverviewCsv(await reports.shopOverview(req.params.merchantId, q), q.chart));
  });
}
