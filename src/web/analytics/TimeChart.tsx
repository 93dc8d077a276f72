import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import { adoptCss } from "../platform/adoptCss.js";

// uPlot's own stylesheet (dist/uPlot.min.css, the rules a chart needs), adopted when the first chart loads: the chart
// code and its styles stay out of every page but the studio's and the reports'.
let styled = false;
const UPLOT_CSS =
  ".uplot,.uplot *,.uplot *::before,.uplot *::after{box-sizing:border-box}.uplot{font-family:inherit;line-height:1.5;width:min-content}" +
  ".u-wrap{position:relative;user-select:none}.u-over,.u-under{position:absolute}.u-under{overflow:hidden}" +
  ".uplot canvas{display:block;position:relative;width:100%;height:100%}.u-axis{position:absolute}" +
  ".u-legend{font-size:14px;margin:auto;text-align:center}.u-inline{display:block}.u-inline *{display:inline-block}" +
  ".u-inline tr{margin-right:16px}.u-legend th{font-weight:600}.u-legend th>*{vertical-align:middle;display:inline-block}" +
  ".u-legend .u-marker{width:1em;height:1em;margin-right:4px;background-clip:padding-box!important}" +
  ".u-inline.u-live th::after{content:':';vertical-align:middle}.u-inline:not(.u-live) .u-value{display:none}" +
  ".u-series>*{padding:4px}.u-series th{cursor:pointer}.u-legend .u-off>*{opacity:.3}" +
  ".u-select{background:rgba(0,0,0,.07);position:absolute;pointer-events:none}" +
  ".u-cursor-x,.u-cursor-y{position:absolute;left:0;top:0;pointer-events:none;will-change:transform}" +
  ".u-hz .u-cursor-x,.u-vt .u-cursor-y{height:100%;border-right:1px dashed #607D8B}" +
  ".u-hz .u-cursor-y,.u-vt .u-cursor-x{width:100%;border-bottom:1px dashed #607D8B}" +
  ".u-cursor-pt{position:absolute;top:0;left:0;border-radius:50%;border:0 solid;pointer-events:none;will-change:transform;background-clip:padding-box!important}" +
  ".u-axis.u-off,.u-select.u-off,.u-cursor-x.u-off,.u-cursor-y.u-off,.u-cursor-pt.u-off{display:none}";

export interface ChartSeries {
  label: string;
  /** One value per x (null: no value there). */
  values: (number | null)[];
  color: string;
  /** "right": its own scale on the right axis (sales beside viewers). */
  axis?: "left" | "right";
  bars?: boolean;
  format?: (v: number) => string;
}

export interface ChartMarker {
  /** Seconds since the epoch, like x. */
  at: number;
  label: string;
}

/**
 * A time chart (uPlot) sized to its container. Markers are drawn as vertical lines with their label (pins). The
 * uPlot instance and the markers are kept on the element (`__uplot`, `__markers`) so a journey can read what it draws.
 */
export function TimeChart({
  x,
  series,
  markers = [],
  height = 260,
  testId,
  label,
}: {
  x: number[];
  series: ChartSeries[];
  markers?: ChartMarker[];
  height?: number;
  testId: string;
  label: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    if (!styled) {
      adoptCss(UPLOT_CSS);
      styled = true;
    }
    const right = series.some((s) => s.axis === "right");
    const opts: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height,
      scales: {
        x: { time: true },
        y: { auto: true, range: (_u, min, max) => [Math.min(0, min), Math.max(1, max)] },
        ...(right ? { r: { auto: true, range: (_u, min, max) => [Math.min(0, min), Math.max(1, max)] } } : {}),
      },
      axes: [
        {},
        { scale: "y" },
        ...(right
          ? [
              {
                scale: "r",
                side: 1 as const,
                grid: { show: false },
                values: (_u: uPlot, vals: number[]) => vals.map((v) => series.find((s) => s.axis === "right")?.format?.(v) ?? String(v)),
              },
            ]
          : []),
      ],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          fill: s.bars ? `${s.color}66` : undefined,
          width: 2,
          scale: s.axis === "right" ? "r" : "y",
          spanGaps: !s.bars,
          paths: s.bars ? uPlot.paths.bars?.({ size: [0.6, 24] }) : undefined,
          value: (_u: uPlot, v: number | null) => (v == null ? "—" : (s.format?.(v) ?? String(v))),
        })),
      ],
      hooks: {
        draw: [
          (u: uPlot) => {
            const ctx = u.ctx;
            ctx.save();
            ctx.strokeStyle = "#7a3cff";
            ctx.fillStyle = "#7a3cff";
            ctx.lineWidth = 1.5 * devicePixelRatio;
            ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
            ctx.font = `${11 * devicePixelRatio}px sans-serif`;
            // Labels of pins close together are stacked (one line each) so they stay readable.
            for (const [i, m] of markers.entries()) {
              const px = u.valToPos(m.at, "x", true);
              if (px < u.bbox.left || px > u.bbox.left + u.bbox.width) continue;
              ctx.beginPath();
              ctx.moveTo(px, u.bbox.top);
              ctx.lineTo(px, u.bbox.top + u.bbox.height);
              ctx.stroke();
              ctx.fillText(m.label.slice(0, 24), px + 3 * devicePixelRatio, u.bbox.top + (12 + (i % 3) * 13) * devicePixelRatio);
            }
            ctx.restore();
          },
        ],
      },
    };
    const u = new uPlot(opts, [x, ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    Object.assign(el, { __uplot: u, __markers: markers });
    const resize = () => u.setSize({ width: Math.max(280, el.clientWidth), height });
    window.addEventListener("resize", resize);
    return () => {
      window.removeEventListener("resize", resize);
      u.destroy();
    };
  }, [x, series, markers]);
  // The canvas says nothing to a screen reader: the figure's caption and the data table next to it do.
  return <div class="time-chart" ref={box} role="img" aria-label={label} data-testid={testId} />;
}
