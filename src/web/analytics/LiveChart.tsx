import { useEffect, useMemo, useState } from "preact/hooks";
import type { LiveAnalytics } from "../../protocol/api.js";
import { api } from "../platform/apiClient.js";
import { formatMoney } from "../platform/money.js";
import { useAnalyticsText } from "./analyticsText.js";
import { type ChartSeries, TimeChart } from "./TimeChart.js";

const secs = (iso: string) => Date.parse(iso) / 1000;

/**
 * The studio's live chart: viewers and sales over the last 30 minutes and the pinned offer's funnel. It loads once
 * from the API, then takes every `analytics.live` the studio socket brings (`latest`, every 10 s).
 */
export function LiveChart({ showId, latest }: { showId: string; latest: LiveAnalytics | null }) {
  const { t, locale } = useAnalyticsText();
  const [live, setLive] = useState<LiveAnalytics | null>(null);
  useEffect(() => {
    api.get<{ live: LiveAnalytics }>(`/api/analytics/shows/${encodeURIComponent(showId)}/live`).then(
      (r) => setLive((l) => l ?? r.live),
      () => undefined,
    );
  }, [showId]);
  useEffect(() => {
    if (latest) setLive(latest);
  }, [latest]);
  const money = (v: number) => formatMoney(v, live?.currency ?? "EUR", locale);
  const chart = useMemo(() => {
    if (!live) return null;
    const viewers = new Map(live.viewers.map((v) => [secs(v.at), v.viewers]));
    const sales = new Map(live.sales.map((s) => [secs(s.minute), s.gmv]));
    const x = [...new Set([...viewers.keys(), ...sales.keys()])].sort((a, b) => a - b);
    const series: ChartSeries[] = [
      { label: t("viewersSeries"), values: x.map((s) => viewers.get(s) ?? null), color: "#e4245b" },
      { label: t("salesSeries"), values: x.map((s) => sales.get(s) ?? null), color: "#1f7a4d", axis: "right", bars: true, format: money },
    ];
    return { x, series };
  }, [live, locale]);
  if (!live || !chart) return null;
  const o = live.offer;
  return (
    <section class="live-chart" aria-label={t("live")} data-testid="studio-live-chart">
      <h3>{t("live")}</h3>
      {chart.x.length > 0 ? (
        <TimeChart x={chart.x} series={chart.series} height={160} testId="uplot-live" label={t("live")} />
      ) : (
        <p class="muted">{t("noData")}</p>
      )}
      <details>
        <summary>{t("showData")}</summary>
        <table class="admin-table">
          <thead>
            <tr>
              <th scope="col">{t("time")}</th>
              <th scope="col">{t("viewersSeries")}</th>
            </tr>
          </thead>
          <tbody>
            {live.viewers.map((v) => (
              <tr>
                <th scope="row">{new Date(v.at).toLocaleTimeString(locale)}</th>
                <td>{v.viewers}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
      {o ? (
        <div data-testid="studio-live-funnel">
          <p>{t("currentOffer", { title: o.title })}</p>
          <table class="admin-table">
            <thead>
              <tr>
                {(["viewers", "impressions", "checkouts", "paid"] as const).map((k) => (
                  <th scope="col">{t(k)}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              <tr>
                {(["viewers", "impressions", "checkouts", "paid"] as const).map((k) => (
                  <td data-testid={`live-${k}`}>{o[k]}</td>
                ))}
              </tr>
            </tbody>
          </table>
        </div>
      ) : (
        <p class="muted">{t("noPinned")}</p>
      )}
    </section>
  );
}
