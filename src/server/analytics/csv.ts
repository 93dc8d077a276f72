import type { ShopOverview, ShopOverviewChart, ShowReport, ShowReportChart } from "../../protocol/api.js";
import { type CsvValue, csvDocument } from "../platform/csv.js";

// One CSV per chart, the same rows the chart draws (and its data table shows). Money stays in minor units, as in the JSON.
export function showReportCsv(r: ShowReport, chart: ShowReportChart): string {
  const table = (columns: string[], rows: CsvValue[][]) => csvDocument(columns, rows);
  switch (chart) {
    case "viewers":
      return table(
        ["at", "viewers"],
        r.viewers.map((v) => [v.at, v.viewers]),
      );
    case "pins":
      return table(
        ["at", "kind", "offer_id", "title"],
        r.pins.map((p) => [p.at, p.kind, p.offerId, p.title]),
      );
    case "sales":
      return table(
        ["minute", "orders", "units", "gmv_minor", "refunded_minor", "currency"],
        r.sales.map((s) => [s.minute, s.orders, s.units, s.gmv, s.refunded, r.currency]),
      );
    case "engagement":
      return table(
        ["minute", "chat_messages", "reactions"],
        r.engagement.map((e) => [e.minute, e.chat, e.reactions]),
      );
    case "funnel":
    case "top_offers":
      return table(
        ["offer_id", "title", "viewers", "impressions", "checkouts", "holds", "paid", "units", "gmv_minor", "currency"],
        (chart === "funnel" ? r.funnel : r.topOffers).map((f) => [
          f.offerId,
          f.title,
          f.viewers,
          f.impressions,
          f.checkouts,
          f.holds,
          f.paid,
          f.units,
          f.gmv,
          r.currency,
        ]),
      );
    case "buyers":
      return table(
        ["buyers", "count"],
        [
          ["new", r.buyers.new],
          ["returning", r.buyers.returning],
        ],
      );
    case "sources":
      return table(
        ["source", "viewers", "buyers", "orders", "gmv_minor", "currency"],
        r.sources.map((s) => [s.source, s.viewers, s.buyers, s.orders, s.gmv, r.currency]),
      );
    case "qoe":
      return table(
        ["avg_startup_ms", "avg_live_delay_ms", "rebuffer_ratio", "watched_seconds", "reports"],
        [[r.qoe.avgStartupMs, r.qoe.avgDelayMs, r.qoe.rebufferRatio, r.qoe.watchedSeconds, r.qoe.reports]],
      );
  }
}

export function shopOverviewCsv(o: ShopOverview, chart: ShopOverviewChart): string {
  switch (chart) {
    case "shows":
      return csvDocument(
        ["show_id", "title", "host", "started_at", "gmv_minor", "orders", "peak_viewers", "unique_viewers", "currency"],
        o.shows.map((s) => [s.showId, s.title, s.hostName, s.startedAt, s.gmv, s.orders, s.peakViewers, s.uniqueViewers, o.currency]),
      );
    case "hosts":
      return csvDocument(
        ["host_account_id", "host", "shows", "gmv_minor", "orders", "currency"],
        o.hosts.map((h) => [h.hostAccountId, h.hostName, h.shows, h.gmv, h.orders, o.currency]),
      );
    case "trend":
      return csvDocument(
        ["day", "gmv_minor", "orders", "currency"],
        o.trend.map((d) => [d.day, d.gmv, d.orders, o.currency]),
      );
  }
}
