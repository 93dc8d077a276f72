import type { ComponentChildren } from "preact";
import { useErrorText } from "../i18n/apiErrors.js";
import { useEffect, useMemo, useState } from "preact/hooks";
import type { FunnelRow, ShopOverview, ShowReport } from "../../protocol/api.js";
import { adoptCss } from "../platform/adoptCss.js";
import { api } from "../platform/apiClient.js";
import { formatMoney } from "../platform/money.js";
import { useAnalyticsText } from "./analyticsText.js";
import { type ChartMarker, type ChartSeries, TimeChart } from "./TimeChart.js";
import { Counter } from "../components/Counter.js";

const secs = (iso: string) => Date.parse(iso) / 1000;

// The report's few rules, adopted by the pages that show it (none of it reaches the viewer page's stylesheet).
adoptCss(
  ".report-figure figcaption{display:flex;justify-content:space-between;align-items:baseline;gap:1em}" +
    ".report-figure{margin:0 0 1.25em}.time-chart{width:100%;min-height:120px}.table-scroll{overflow-x:auto}" +
    ".funnel-bars{list-style:none;padding:0;display:grid;gap:1em}" +
    ".funnel-step{display:grid;grid-template-columns:minmax(8em,12em) 1fr 4em;gap:.5em;align-items:center}.funnel-step meter{width:100%}" +
    ".report .counters{flex-wrap:wrap}",
);

/** A chart's figure: its caption, the chart, a CSV link and the same rows as a table (for screen readers and copying). */
function Figure({
  title,
  csv,
  children,
  table,
  testId,
}: {
  title: string;
  csv: string;
  children?: ComponentChildren;
  table: ComponentChildren;
  testId: string;
}) {
  const { t } = useAnalyticsText();
  return (
    <figure class="panel report-figure" data-testid={testId}>
      <figcaption>
        <h2>{title}</h2>
        <a class="link" href={csv} download aria-label={t("csvOf", { chart: title })} data-testid={`${testId}-csv`}>
          {t("csv")}
        </a>
      </figcaption>
      {children}
      <details>
        <summary>{t("showData")}</summary>
        {table}
      </details>
    </figure>
  );
}

function Table({ head, rows, testId }: { head: string[]; rows: (string | number)[][]; testId: string }) {
  return (
    <div class="table-scroll">
      <table class="admin-table" data-testid={testId}>
        <thead>
          <tr>
            {head.map((h) => (
              <th scope="col">{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr>{r.map((c, i) => (i === 0 ? <th scope="row">{c}</th> : <td>{c}</td>))}</tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ShowReportView({ showId }: { showId: string }) {
  const { t, locale } = useAnalyticsText();
  const errorText = useErrorText();
  const [report, setReport] = useState<ShowReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.get<{ report: ShowReport }>(`/api/analytics/shows/${encodeURIComponent(showId)}/report`).then(
      (r) => setReport(r.report),
      (err) => setError(errorText(err)),
    );
  }, [showId]);
  const money = (v: number) => formatMoney(v, report?.currency ?? "EUR", locale);
  const time = new Intl.DateTimeFormat(locale, { timeStyle: "medium", dateStyle: "short" });
  const chart = useMemo(() => {
    if (!report) return null;
    const viewers = new Map(report.viewers.map((v) => [secs(v.at), v.viewers]));
    const sales = new Map(report.sales.map((s) => [secs(s.minute), s.gmv]));
    const x = [...new Set([...viewers.keys(), ...sales.keys()])].sort((a, b) => a - b);
    const series: ChartSeries[] = [
      { label: t("viewersSeries"), values: x.map((s) => viewers.get(s) ?? null), color: "#e4245b" },
      { label: t("salesSeries"), values: x.map((s) => sales.get(s) ?? null), color: "#1f7a4d", axis: "right", bars: true, format: money },
    ];
    const markers: ChartMarker[] = report.pins.filter((p) => p.kind === "pin").map((p) => ({ at: secs(p.at), label: p.title }));
    const minutes = report.engagement.map((e) => secs(e.minute));
    const engagement: ChartSeries[] = [
      { label: t("chatSeries"), values: report.engagement.map((e) => e.chat), color: "#2a6fdb", bars: true },
      { label: t("reactionsSeries"), values: report.engagement.map((e) => e.reactions), color: "#f08c00" },
    ];
    return { x, series, markers, minutes, engagement };
  }, [report, locale]);
  if (error) return <p class="alert">{error}</p>;
  if (!report || !chart) return <p class="muted">{t("loading")}</p>;
  const csv = (name: string) => `/api/analytics/shows/${encodeURIComponent(showId)}/report.csv?chart=${name}`;
  const tot = report.totals;
  const funnelRows = (rows: FunnelRow[]) => rows.map((f) => [f.title, f.viewers, f.impressions, f.checkouts, f.holds, f.paid, f.units, money(f.gmv)]);
  const funnelHead = [t("offer"), t("viewers"), t("impressions"), t("checkouts"), t("holds"), t("paid"), t("units"), t("gmv")];
  const pct = (v: number | null) => (v === null ? t("none") : `${(v * 100).toFixed(1)} %`);
  const ms = (v: number | null) => (v === null ? t("none") : t("ms", { ms: v }));
  return (
    <section class="admin-detail report" data-testid="show-report">
      <h1>{t("reportTitle", { title: report.show.title })}</h1>
      <div class="counters">
        <Counter label={t("peakViewers")} value={String(tot.peakViewers)} testId="report-peak" />
        <Counter label={t("uniqueViewers")} value={String(tot.uniqueViewers)} testId="report-unique" />
        <Counter label={t("watchTime")} value={t("watchMinutes", { n: Math.round(tot.watchSeconds / 60) })} testId="report-watch" />
        <Counter label={t("paidOrders")} value={String(tot.paidOrders)} testId="report-paid" />
        <Counter label={t("gmv")} value={money(tot.gmv)} testId="report-gmv" />
        <Counter label={t("refunded")} value={money(tot.refunded)} testId="report-refunded" />
        <Counter label={t("chatMessages")} value={String(tot.chatMessages)} testId="report-chat" />
        <Counter label={t("reactions")} value={String(tot.reactions)} testId="report-reactions" />
      </div>
      <Figure
        title={t("viewersChart")}
        csv={csv("viewers")}
        testId="chart-viewers"
        table={
          <>
            <Table head={[t("time"), t("viewersSeries")]} rows={report.viewers.map((v) => [time.format(new Date(v.at)), v.viewers])} testId="table-viewers" />
            <h3>{t("pinsTitle")}</h3>
            <Table
              head={[t("time"), t("offer"), t("pinsTitle")]}
              rows={report.pins.map((p) => [time.format(new Date(p.at)), p.title, p.kind === "pin" ? t("pinned") : t("unpinned")])}
              testId="table-pins"
            />
            <h3>{t("salesSeries")}</h3>
            <Table
              head={[t("minute"), t("orders"), t("units"), t("gmv"), t("refunded")]}
              rows={report.sales.map((s) => [time.format(new Date(s.minute)), s.orders, s.units, money(s.gmv), money(s.refunded)])}
              testId="table-sales"
            />
          </>
        }
      >
        {chart.x.length === 0 ? (
          <p class="muted">{t("noData")}</p>
        ) : (
          <TimeChart x={chart.x} series={chart.series} markers={chart.markers} testId="uplot-viewers" label={t("viewersChart")} />
        )}
        <p class="muted">
          <a class="link" href={csv("pins")} download>
            {t("pinsTitle")} CSV
          </a>{" "}
          ·{" "}
          <a class="link" href={csv("sales")} download>
            {t("salesSeries")} CSV
          </a>
        </p>
      </Figure>
      <Figure
        title={t("funnel")}
        csv={csv("funnel")}
        testId="chart-funnel"
        table={<Table head={funnelHead} rows={funnelRows(report.funnel)} testId="table-funnel" />}
      >
        <ul class="funnel-bars">
          {report.funnel.map((f) => (
            <li data-testid="funnel-offer" data-offer-id={f.offerId}>
              <strong>{f.title}</strong>
              {(["viewers", "impressions", "checkouts", "paid"] as const).map((k) => (
                <div class="funnel-step">
                  <span>{t(k)}</span>
                  <meter min={0} max={Math.max(1, f.viewers, f.impressions)} value={f[k]} aria-label={`${f.title}: ${t(k)}`} />
                  <span data-testid={`funnel-${k}`}>{f[k]}</span>
                </div>
              ))}
            </li>
          ))}
        </ul>
      </Figure>
      <Figure
        title={t("topOffers")}
        csv={csv("top_offers")}
        testId="chart-top"
        table={<Table head={funnelHead} rows={funnelRows(report.topOffers)} testId="table-top" />}
      >
        <ol>
          {report.topOffers.map((o) => (
            <li>
              {o.title}: {money(o.gmv)}
            </li>
          ))}
        </ol>
      </Figure>
      <Figure
        title={t("engagementChart")}
        csv={csv("engagement")}
        testId="chart-engagement"
        table={
          <Table
            head={[t("minute"), t("chatSeries"), t("reactionsSeries")]}
            rows={report.engagement.map((e) => [time.format(new Date(e.minute)), e.chat, e.reactions])}
            testId="table-engagement"
          />
        }
      >
        {chart.minutes.length > 0 && (
          <TimeChart x={chart.minutes} series={chart.engagement} height={180} testId="uplot-engagement" label={t("engagementChart")} />
        )}
      </Figure>
      <Figure
        title={t("buyers")}
        csv={csv("buyers")}
        testId="chart-buyers"
        table={
          <Table
            head={[t("buyers"), t("count")]}
            rows={[
              [t("newBuyers"), report.buyers.new],
              [t("returningBuyers"), report.buyers.returning],
            ]}
            testId="table-buyers"
          />
        }
      />
      <Figure
        title={t("sources")}
        csv={csv("sources")}
        testId="chart-sources"
        table={
          <Table
            head={[t("source"), t("viewers"), t("buyers"), t("orders"), t("gmv")]}
            rows={report.sources.map((s) => [t(`source_${s.source}`), s.viewers, s.buyers, s.orders, money(s.gmv)])}
            testId="table-sources"
          />
        }
      />
      <Figure
        title={t("qoe")}
        csv={csv("qoe")}
        testId="chart-qoe"
        table={
          <Table
            head={[t("avgStartup"), t("avgDelay"), t("rebuffering"), t("watchTime")]}
            rows={[
              [
                ms(report.qoe.avgStartupMs),
                ms(report.qoe.avgDelayMs),
                pct(report.qoe.rebufferRatio),
                t("watchMinutes", { n: Math.round(report.qoe.watchedSeconds / 60) }),
              ],
            ]}
            testId="table-qoe"
          />
        }
      />
    </section>
  );
}

export function ShopOverviewView({ merchantId }: { merchantId: string }) {
  const { t, locale } = useAnalyticsText();
  const errorText = useErrorText();
  const today = new Date().toISOString().slice(0, 10);
  const monthAgo = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
  const [range, setRange] = useState({ from: monthAgo, to: today });
  const [draft, setDraft] = useState(range);
  const [overview, setOverview] = useState<ShopOverview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const query = `from=${range.from}&to=${new Date(Date.parse(range.to) + 86_400_000).toISOString().slice(0, 10)}`;
  useEffect(() => {
    setError(null);
    api.get<{ overview: ShopOverview }>(`/api/analytics/shops/${encodeURIComponent(merchantId)}/overview?${query}`).then(
      (r) => setOverview(r.overview),
      (err) => setError(errorText(err)),
    );
  }, [merchantId, query]);
  const money = (v: number) => formatMoney(v, overview?.currency ?? "EUR", locale);
  const date = new Intl.DateTimeFormat(locale, { dateStyle: "medium" });
  const trend = useMemo(() => {
    if (!overview) return null;
    return {
      x: overview.trend.map((d) => secs(`${d.day}T00:00:00Z`)),
      series: [{ label: t("gmv"), values: overview.trend.map((d) => d.gmv), color: "#1f7a4d", bars: true, format: money }] as ChartSeries[],
    };
  }, [overview, locale]);
  const csv = (name: string) => `/api/analytics/shops/${encodeURIComponent(merchantId)}/overview.csv?chart=${name}&${query}`;
  return (
    <section class="admin-detail report" data-testid="shop-overview">
      <h1>{t("overviewTitle")}</h1>
      <form
        class="admin-filters"
        onSubmit={(e) => {
          e.preventDefault();
          setRange(draft);
        }}
      >
        <label class="field">
          <span>{t("from")}</span>
          <input type="date" value={draft.from} onInput={(e) => setDraft({ ...draft, from: e.currentTarget.value })} data-testid="overview-from" />
        </label>
        <label class="field">
          <span>{t("to")}</span>
          <input type="date" value={draft.to} onInput={(e) => setDraft({ ...draft, to: e.currentTarget.value })} data-testid="overview-to" />
        </label>
        <button type="submit" class="btn">
          {t("apply")}
        </button>
      </form>
      {error && (
        <p class="alert" role="alert">
          {error}
        </p>
      )}
      {overview && trend && (
        <>
          <Figure
            title={t("trend")}
            csv={csv("trend")}
            testId="chart-trend"
            table={
              <Table
                head={[t("day"), t("gmv"), t("orders")]}
                rows={overview.trend.map((d) => [date.format(new Date(`${d.day}T00:00:00Z`)), money(d.gmv), d.orders])}
                testId="table-trend"
              />
            }
          >
            {trend.x.length > 0 ? (
              <TimeChart x={trend.x} series={trend.series} height={200} testId="uplot-trend" label={t("trend")} />
            ) : (
              <p class="muted">{t("noData")}</p>
            )}
          </Figure>
          <Figure
            title={t("perShow")}
            csv={csv("shows")}
            testId="chart-shows"
            table={
              <Table
                head={[t("show"), t("host"), t("started"), t("gmv"), t("orders"), t("peakViewers"), t("uniqueViewers")]}
                rows={overview.shows.map((s) => [
                  s.title,
                  s.hostName,
                  s.startedAt ? date.format(new Date(s.startedAt)) : t("none"),
                  money(s.gmv),
                  s.orders,
                  s.peakViewers,
                  s.uniqueViewers,
                ])}
                testId="table-shows"
              />
            }
          >
            <ul class="report-links">
              {overview.shows.map((s) => (
                <li>
                  <a class="link" href={`/admin/analytics/${encodeURIComponent(s.showId)}`}>
                    {s.title}
                  </a>
                  : {money(s.gmv)}
                </li>
              ))}
            </ul>
          </Figure>
          <Figure
            title={t("perHost")}
            csv={csv("hosts")}
            testId="chart-hosts"
            table={
              <Table
                head={[t("host"), t("shows"), t("gmv"), t("orders")]}
                rows={overview.hosts.map((h) => [h.hostName, h.shows, money(h.gmv), h.orders])}
                testId="table-hosts"
              />
            }
          />
        </>
      )}
    </section>
  );
}
