import { type Kysely, sql } from "kysely";
import {
  type FunnelRow,
  type LiveAnalytics,
  MAX_OVERVIEW_MS,
  MAX_SHOW_REPORT_MS,
  type ShopOverview,
  type ShowReport,
  TRAFFIC_SOURCES,
  type TrafficSource,
} from "../../protocol/api.js";
import { type Db, scoped } from "../db/index.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { SAMPLE_MS } from "./recorder.js";
import type { AnalyticsTables, Metric } from "./schema.js";

export interface ReportShow {
  id: string;
  title: string;
  status: string;
  merchantId: string;
  hostAccountId: string;
  hostName: string;
}

export interface ReportDeps {
  db: Db;
  clock: Clock;
  show(showId: string): Promise<ReportShow>;
  showIdsOfMerchant(merchantId: string): Promise<string[]>;
  offerTitles(offerIds: readonly string[]): Promise<Map<string, string>>;
}

// A node's last sample stands for it this long when its next one is late (timers drift); after that it counts 0
// (a node that died stops counting).
const CARRY_MS = 3 * SAMPLE_MS;
const CURRENCY = "EUR";

/** A window `[from, to)` checked against its longest length: reversed or too long is the caller's mistake (400). */
export function checkRange(from: Date | undefined, to: Date | undefined, maxMs: number): void {
  if (from && to && to.getTime() <= from.getTime()) throw new AppError("invalid_range", "`to` must be after `from`.");
  if (from && to && to.getTime() - from.getTime() > maxMs)
    throw new AppError("range_too_large", `The range may be at most ${Math.round(maxMs / 86_400_000)} days.`);
}

/** Concurrent viewers per 10 s summed over nodes, each node's last sample carried over a late one. */
export function sumOverNodes(rows: { at: Date; node_id: string; viewers: number }[]): { at: number; viewers: number }[] {
  const slots = [...new Set(rows.map((r) => r.at.getTime()))].sort((a, b) => a - b);
  const byNode = new Map<string, Map<number, number>>();
  for (const r of rows) {
    let m = byNode.get(r.node_id);
    if (!m) {
      m = new Map();
      byNode.set(r.node_id, m);
    }
    m.set(r.at.getTime(), r.viewers);
  }
  const sums = new Map<number, number>(slots.map((s) => [s, 0]));
  for (const samples of byNode.values()) {
    let last: { at: number; viewers: number } | null = null;
    for (const s of slots) {
      const v = samples.get(s);
      if (v !== undefined) last = { at: s, viewers: v };
      if (last && s - last.at <= CARRY_MS) sums.set(s, sums.get(s)! + last.viewers);
    }
  }
  return slots.map((at) => ({ at, viewers: sums.get(at)! }));
}

const iso = (ms: number | Date) => new Date(ms).toISOString();

/** The show report, the shop overview and the studio's live figures: read from the analytics tables only. */
export class AnalyticsReports {
  readonly #db: Kysely<AnalyticsTables>;

  constructor(private readonly deps: ReportDeps) {
    this.#db = scoped<AnalyticsTables>(deps.db);
  }

  async showReport(showId: string, range: { from?: Date; to?: Date } = {}): Promise<ShowReport> {
    checkRange(range.from, range.to, MAX_SHOW_REPORT_MS);
    const show = await this.deps.show(showId);
    const db = this.#db;
    const { from, to } = range;
    const [samples, events, minutes, viewerSources, buyers, buyerSources] = await Promise.all([
      db
        .selectFrom("analytics_viewer_samples")
        .select(["at", "node_id", "viewers"])
        .where("show_id", "=", show.id)
        .$if(from !== undefined, (q) => q.where("at", ">=", from!))
        .$if(to !== undefined, (q) => q.where("at", "<", to!))
        .orderBy("at")
        .execute(),

      db
        .selectFrom("analytics_events")
        .select(["at", "kind", "offer_id"])
        .where("show_id", "=", show.id)
        .where("kind", "in", ["pin", "unpin"])
        .$if(from !== undefined, (q) => q.where("at", ">=", from!))
        .$if(to !== undefined, (q) => q.where("at", "<", to!))
        .orderBy("at")
        .orderBy("id")
        .execute(),
      db
        .selectFrom("analytics_minutes")
        .select(["minute", "metric", "offer_id", "value"])
        .where("show_id", "=", show.id)
        .$if(from !== undefined, (q) => q.where("minute", ">=", from!))
        .$if(to !== undefined, (q) => q.where("minute", "<", to!))
        .orderBy("minute")
        .execute(),

      db
        .selectFrom("analytics_viewers")
        .select(["source", sql<number>`count(*)`.as("n")])
        .where("show_id", "=", show.id)
        .$if(from !== undefined, (q) => q.where("first_at", ">=", from!))
        .$if(to !== undefined, (q) => q.where("first_at", "<", to!))
        .groupBy("source")
        .execute(),
      // A buyer is returning when the same shop had a paid order of theirs in another show before their first here
      // (one probe of the buyers index per buyer, not per order).
      db
        .selectFrom(
          db
            .selectFrom("analytics_events")
            .select(["buyer_key", sql<Date>`min(at)`.as("first")])
            .where("show_id", "=", show.id)
            .where("kind", "=", "paid")
            .where("buyer_key", "is not", null)
            .$if(from !== undefined, (q) => q.where("at", ">=", from!))
            .$if(to !== undefined, (q) => q.where("at", "<", to!))
            .groupBy("buyer_key")
            .as("b"),
        )
        .select((eb) => [
          "b.buyer_key",
          eb
            .exists(
              eb
                .selectFrom("analytics_events as e")
                .select(sql`1`.as("one"))
                .where("e.kind", "=", "paid")
                .where("e.merchant_id", "=", show.merchantId)
                .whereRef("e.buyer_key", "=", "b.buyer_key")
                .whereRef("e.at", "<", "b.first")
                .where("e.show_id", "<>", show.id),
            )
            .as("returning"),
        ])
        .execute(),
      // A paid order's source is its hold's (the page it was placed from; a bag has a hold per line, all alike). A
      // subquery per order on the order index: a join of the show's holds was faster with statistics (35 vs 50 ms on
      // PostgreSQL) but took 17 s there and 68 s on PGlite right after the rows were written (no statistics yet, and
      // PGlite runs no autovacuum).
      db
        .selectFrom("analytics_events as p")
        .select((eb) => [
          "p.buyer_key",
          "p.amount",
          eb
            .selectFrom("analytics_events as h")
            .select("h.source")
            .whereRef("h.order_id", "=", "p.order_id")
            .where("h.kind", "=", "hold")
            .limit(1)
            .as("source"),
        ])
        .where("p.show_id", "=", show.id)
        .where("p.kind", "=", "paid")
        .$if(from !== undefined, (q) => q.where("p.at", ">=", from!))
        .$if(to !== undefined, (q) => q.where("p.at", "<", to!))
        .execute(),
    ]);

    const viewers = sumOverNodes(samples.map((s) => ({ ...s, viewers: Number(s.viewers) })));
    let peak = { at: null as number | null, viewers: 0 };
    for (const v of viewers) if (v.viewers > peak.viewers) peak = v;

    const totals = new Map<Metric, number>();
    const perOffer = new Map<string, Map<Metric, number>>();
    const sales = new Map<number, { orders: number; units: number; gmv: number; refunded: number }>();
    const engagement = new Map<number, { chat: number; reactions: number }>();
    for (const m of minutes) {
      const value = Number(m.value);
      const minute = m.minute.getTime();
      totals.set(m.metric, (totals.get(m.metric) ?? 0) + value);
      if (m.offer_id) {
        let o = perOffer.get(m.offer_id);
        if (!o) {
          o = new Map();
          perOffer.set(m.offer_id, o);
        }
        o.set(m.metric, (o.get(m.metric) ?? 0) + value);
      }
      if (m.metric === "orders" || m.metric === "units" || m.metric === "gmv" || m.metric === "refunded") {
        const s = sales.get(minute) ?? { orders: 0, units: 0, gmv: 0, refunded: 0 };
        if (m.metric === "orders") s.orders += value;
        else s[m.metric] += value;
        sales.set(minute, s);
      } else if (m.metric === "chat" || m.metric === "reactions") {
        const e = engagement.get(minute) ?? { chat: 0, reactions: 0 };
        e[m.metric] += value;
        engagement.set(minute, e);
      }
    }
    const t = (m: Metric) => totals.get(m) ?? 0;
    const uniqueViewers = viewerSources.reduce((n, r) => n + Number(r.n), 0);

    const offerIds = [...new Set([...perOffer.keys(), ...events.map((e) => e.offer_id!).filter(Boolean)])];
    const titles = await this.deps.offerTitles(offerIds);
    const funnel: FunnelRow[] = [...perOffer.entries()].map(([offerId, o]) => ({
      offerId,
      title: titles.get(offerId) ?? offerId,
      viewers: uniqueViewers,
      impressions: o.get("impressions") ?? 0,
      checkouts: o.get("checkouts") ?? 0,
      holds: o.get("holds") ?? 0,
      paid: o.get("paid") ?? 0,
      units: o.get("units") ?? 0,
      gmv: o.get("gmv") ?? 0,
    }));
    // Funnel rows in the order the offers were first pinned (then the rest by title): the show's running order.
    const firstPin = new Map<string, number>();
    for (const e of events) if (e.kind === "pin" && e.offer_id && !firstPin.has(e.offer_id)) firstPin.set(e.offer_id, e.at.getTime());
    funnel.sort((a, b) => (firstPin.get(a.offerId) ?? Infinity) - (firstPin.get(b.offerId) ?? Infinity) || a.title.localeCompare(b.title));
    const topOffers = [...funnel]
      .filter((f) => f.gmv > 0)
      .sort((a, b) => b.gmv - a.gmv || b.units - a.units)
      .slice(0, 5);

    const bySource = new Map<TrafficSource, { viewers: number; buyers: Set<string>; orders: number; gmv: number }>(
      TRAFFIC_SOURCES.map((s) => [s, { viewers: 0, buyers: new Set(), orders: 0, gmv: 0 }]),
    );
    for (const r of viewerSources) bySource.get(r.source)!.viewers = Number(r.n);
    for (const r of buyerSources) {
      const s = bySource.get((r.source as TrafficSource | null) ?? "live")!;
      s.orders += 1;
      s.gmv += Number(r.amount);
      if (r.buyer_key) s.buyers.add(r.buyer_key);
    }
    const returning = buyers.filter((b) => Boolean(b.returning)).length;

    const watched = t("watch_ms");
    return {
      show: { id: show.id, title: show.title, status: show.status, merchantId: show.merchantId, hostName: show.hostName },
      currency: CURRENCY,
      from: from ? iso(from) : null,
      to: to ? iso(to) : null,
      totals: {
        peakViewers: peak.viewers,
        peakAt: peak.at === null ? null : iso(peak.at),
        uniqueViewers,
        watchSeconds: Math.round(watched / 1000),
        impressions: t("impressions"),
        checkouts: t("checkouts"),
        holds: t("holds"),
        paidOrders: t("orders"),
        units: t("units"),
        gmv: t("gmv"),
        refunds: t("refunds"),
        refunded: t("refunded"),
        chatMessages: t("chat"),
        reactions: t("reactions"),
      },
      viewers: viewers.map((v) => ({ at: iso(v.at), viewers: v.viewers })),
      pins: events.map((e) => ({ at: iso(e.at), offerId: e.offer_id ?? "", title: titles.get(e.offer_id ?? "") ?? "", kind: e.kind as "pin" | "unpin" })),
      sales: [...sales.entries()].sort((a, b) => a[0] - b[0]).map(([minute, s]) => ({ minute: iso(minute), ...s })),
      engagement: [...engagement.entries()].sort((a, b) => a[0] - b[0]).map(([minute, e]) => ({ minute: iso(minute), ...e })),
      funnel,
      topOffers,
      buyers: { new: buyers.length - returning, returning },
      sources: [...bySource.entries()].map(([source, s]) => ({ source, viewers: s.viewers, buyers: s.buyers.size, orders: s.orders, gmv: s.gmv })),
      qoe: {
        avgStartupMs: t("startup_n") ? Math.round(t("startup_ms") / t("startup_n")) : null,
        avgDelayMs: t("delay_n") ? Math.round(t("delay_ms") / t("delay_n")) : null,
        rebufferRatio: watched > 0 ? t("stalled_ms") / watched : null,
        watchedSeconds: Math.round(watched / 1000),
        reports: t("delay_n"),
      },
    };
  }

  async shopOverview(merchantId: string, range: { from?: Date; to?: Date } = {}): Promise<ShopOverview> {
    const to = range.to ?? new Date(Math.ceil(this.deps.clock.now().getTime() / 86_400_000) * 86_400_000);
    const from = range.from ?? new Date(to.getTime() - 30 * 86_400_000);
    checkRange(from, to, MAX_OVERVIEW_MS);
    const showIds = await this.deps.showIdsOfMerchant(merchantId);
    const base: ShopOverview = { merchantId, currency: CURRENCY, from: iso(from), to: iso(to), shows: [], hosts: [], trend: [] };
    if (showIds.length === 0) return base;
    const db = this.#db;
    const [sales, peaks, uniques, trend] = await Promise.all([
      db
        .selectFrom("analytics_minutes")
        .select([
          "show_id",
          sql<number>`sum(case when metric = 'gmv' then value else 0 end)`.as("gmv"),
          sql<number>`sum(case when metric = 'orders' then value else 0 end)`.as("orders"),
          sql<Date>`min(minute)`.as("first"),
        ])
        .where("show_id", "in", showIds)
        .where("minute", ">=", from)
        .where("minute", "<", to)
        .groupBy("show_id")
        .execute(),
      db
        .selectFrom((eb) =>
          eb
            .selectFrom("analytics_viewer_samples")
            .select(["show_id", "at", sql<number>`sum(viewers)`.as("v")])
            .where("show_id", "in", showIds)
            .where("at", ">=", from)
            .where("at", "<", to)
            .groupBy(["show_id", "at"])
            .as("s"),
        )
        .select(["s.show_id", sql<number>`max(s.v)`.as("peak"), sql<Date>`min(s.at)`.as("first")])
        .groupBy("s.show_id")
        .execute(),
      db
        .selectFrom("analytics_viewers")
        .select(["show_id", sql<number>`count(*)`.as("n")])
        .where("show_id", "in", showIds)
        .where("first_at", ">=", from)
        .where("first_at", "<", to)
        .groupBy("show_id")
        .execute(),
      db
        .selectFrom("analytics_minutes")
        .select([
          sql<string>`to_char(date_trunc('day', minute at time zone 'UTC'), 'YYYY-MM-DD')`.as("day"),
          sql<number>`sum(case when metric = 'gmv' then value else 0 end)`.as("gmv"),
          sql<number>`sum(case when metric = 'orders' then value else 0 end)`.as("orders"),
        ])
        .where("show_id", "in", showIds)
        .where("metric", "in", ["gmv", "orders"])
        .where("minute", ">=", from)
        .where("minute", "<", to)
        .groupBy(sql`1`)
        .orderBy(sql`1`)
        .execute(),
    ]);
    const rows = new Map<string, { gmv: number; orders: number; peak: number; unique: number; first: number | null }>();
    const row = (id: string) => {
      let r = rows.get(id);
      if (!r) {
        r = { gmv: 0, orders: 0, peak: 0, unique: 0, first: null };
        rows.set(id, r);
      }
      return r;
    };
    const earliest = (a: number | null, b: Date | string | null) => {
      const t = b === null ? null : new Date(b).getTime();
      return a === null ? t : t === null ? a : Math.min(a, t);
    };
    for (const s of sales) Object.assign(row(s.show_id), { gmv: Number(s.gmv), orders: Number(s.orders), first: earliest(row(s.show_id).first, s.first) });
    for (const p of peaks) Object.assign(row(p.show_id), { peak: Number(p.peak), first: earliest(row(p.show_id).first, p.first) });
    for (const u of uniques) row(u.show_id).unique = Number(u.n);
    const hosts = new Map<string, ShopOverview["hosts"][number]>();
    for (const [showId, r] of rows) {
      const show = await this.deps.show(showId);
      base.shows.push({
        showId,
        title: show.title,
        hostName: show.hostName,
        startedAt: r.first === null ? null : iso(r.first),
        gmv: r.gmv,
        orders: r.orders,
        peakViewers: r.peak,
        uniqueViewers: r.unique,
      });
      const h = hosts.get(show.hostAccountId) ?? { hostAccountId: show.hostAccountId, hostName: show.hostName, shows: 0, gmv: 0, orders: 0 };
      h.shows += 1;
      h.gmv += r.gmv;
      h.orders += r.orders;
      hosts.set(show.hostAccountId, h);
    }
    base.shows.sort((a, b) => (a.startedAt ?? "").localeCompare(b.startedAt ?? ""));
    base.hosts = [...hosts.values()].sort((a, b) => b.gmv - a.gmv);
    base.trend = trend.map((d) => ({ day: d.day, gmv: Number(d.gmv), orders: Number(d.orders) }));
    return base;
  }

  /** The studio's live chart: the last 30 minutes, and the funnel of the offer pinned now (null without one). */
  async live(showId: string, pinnedOfferId: string | null): Promise<LiveAnalytics> {
    const now = this.deps.clock.now();
    const from = new Date(now.getTime() - 30 * 60_000);
    const db = this.#db;
    const [samples, minutes, uniques] = await Promise.all([
      db
        .selectFrom("analytics_viewer_samples")
        .select(["at", "node_id", "viewers"])
        .where("show_id", "=", showId)
        .where("at", ">=", from)
        .orderBy("at")
        .execute(),
      db
        .selectFrom("analytics_minutes")
        .select(["minute", "metric", "offer_id", "value"])
        .where("show_id", "=", showId)
        .where("metric", "in", ["orders", "paid", "gmv", "impressions", "checkouts", "holds", "units"])
        .where((eb) => eb.or([eb("minute", ">=", from), ...(pinnedOfferId ? [eb("offer_id", "=", pinnedOfferId)] : [])]))
        .execute(),
      db.selectFrom("analytics_viewers").select(sql<number>`count(*)`.as("n")).where("show_id", "=", showId).executeTakeFirst(),
    ]);
    const sales = new Map<number, { orders: number; gmv: number }>();
    const offer = new Map<Metric, number>();
    for (const m of minutes) {
      const value = Number(m.value);
      if (pinnedOfferId && m.offer_id === pinnedOfferId) offer.set(m.metric, (offer.get(m.metric) ?? 0) + value);
      if (m.minute.getTime() < from.getTime() || (m.metric !== "orders" && m.metric !== "gmv")) continue;
      const s = sales.get(m.minute.getTime()) ?? { orders: 0, gmv: 0 };
      if (m.metric === "orders") s.orders += value;
      else s.gmv += value;
      sales.set(m.minute.getTime(), s);
    }
    let funnel: FunnelRow | null = null;
    if (pinnedOfferId) {
      const title = (await this.deps.offerTitles([pinnedOfferId])).get(pinnedOfferId) ?? pinnedOfferId;
      const o = (m: Metric) => offer.get(m) ?? 0;
      funnel = {
        offerId: pinnedOfferId,
        title,
        viewers: Number(uniques?.n ?? 0),
        impressions: o("impressions"),
        checkouts: o("checkouts"),
        holds: o("holds"),
        paid: o("paid"),
        units: o("units"),
        gmv: o("gmv"),
      };
    }
    return {
      at: iso(now),
      viewers: sumOverNodes(samples.map((s) => ({ ...s, viewers: Number(s.viewers) }))).map((v) => ({ at: iso(v.at), viewers: v.viewers })),
      sales: [...sales.entries()].sort((a, b) => a[0] - b[0]).map(([minute, s]) => ({ minute: iso(minute), ...s })),
      offer: funnel,
      currency: CURRENCY,
    };
  }
}
