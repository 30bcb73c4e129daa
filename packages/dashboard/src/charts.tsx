import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { FiringPeriod } from "./alert-periods.js";
import type { Category, Distribution, TimeseriesPoint } from "./api.js";
import { CATEGORY_LABELS, percent } from "./format.js";

/** Series colours, read from CSS custom properties so they follow the theme. */
function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#888";
}

/** A bucket with fewer ratings is a gap in the trend: one poor rating of two is not a 50 % poor-rate. */
export const MIN_TREND_RATINGS = 5;

/** One empty list, so that a chart without alerts is not redrawn at every render. */
const NO_ALERTS: FiringPeriod[] = [];

export interface TrendSeries {
  category: Category;
  points: TimeseriesPoint[];
}

/**
 * Poor-rate per category over time (uPlot lines). Buckets with fewer than {@link MIN_TREND_RATINGS}
 * ratings are gaps, not zeros or spikes. The
 * chart is redrawn when the data, the theme or the width changes; a table with the same numbers is the
 * accessible alternative (see {@link TrendTable}). `alerts` are shaded as bands over the plot, in their
 * category's colour; their text equivalent is the list the overview shows below the chart.
 */
export function TrendChart({
  series,
  tz,
  theme,
  alerts = NO_ALERTS,
}: {
  series: TrendSeries[];
  tz: string;
  theme: string;
  alerts?: FiringPeriod[] | undefined;
}) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    const first = series[0];
    if (!el || !first) return;
    const xs = first.points.map((p) => Date.parse(p.start) / 1000);
    const data: uPlot.AlignedData = [
      xs,
      ...series.map((s) =>
        s.points.map((p) => (p.poorRate === null || p.surveys < MIN_TREND_RATINGS ? null : p.poorRate * 100)),
      ),
    ];
    const axis = {
      stroke: cssVar("--muted"),
      grid: { stroke: cssVar("--grid"), width: 1 },
      ticks: { show: false },
    };
    let bands: Band[] = [];
    const placeBands = (u: uPlot) => {
      for (const band of bands) placeBand(u, band);
    };
    const chart = new uPlot(
      {
        width: el.clientWidth,
        // After every draw (the first one included, and each resize), when the x scale is known.
        hooks: { draw: [placeBands] },
        height: 240,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), tz),
        legend: { live: true },
        cursor: { drag: { x: false, y: false } },
        scales: { y: { range: (_u, _min, max) => [0, Math.max(10, Math.ceil((max ?? 0) / 5) * 5)] } },
        axes: [axis, { ...axis, values: (_u, ticks) => ticks.map((t) => `${t} %`), size: 48 }],
        series: [
          {},
          ...series.map((s) => ({
            label: CATEGORY_LABELS[s.category],
            stroke: cssVar(`--c-${s.category}`),
            width: 2,
            spanGaps: false,
            value: (_u: uPlot, v: number | null) => (v === null ? "–" : `${v.toFixed(1)} %`),
          })),
        ],
      },
      data,
      el,
    );
    bands = alerts.map((a) => alertBand(chart, a));
    if (chart.scales.x?.min != null) placeBands(chart);
    const resize = new ResizeObserver(() => chart.setSize({ width: el.clientWidth, height: 240 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [series, tz, theme, alerts]);
  return (
    <div
      ref={host}
      class="chart"
      role="img"
      aria-label={
        alerts.length > 0
          ? `Poor-rate per category over time, with ${alerts.length} alert period${alerts.length > 1 ? "s" : ""} shaded; the list and the table below have the details`
          : "Poor-rate per category over time; the table below has the numbers"
      }
    />
  );
}

type Band = { el: HTMLDivElement; period: FiringPeriod };

/** A firing period as a shaded band in uPlot's overlay (decorative: the list below says the same). */
function alertBand(chart: uPlot, period: FiringPeriod): Band {
  const el = document.createElement("div");
  el.className = `alert-band cat-${period.category}`;
  el.setAttribute("aria-hidden", "true");
  el.dataset.alertBand = period.ruleId;
  el.dataset.from = new Date(period.fromMs).toISOString();
  el.dataset.to = period.toMs === null ? "" : new Date(period.toMs).toISOString();
  el.title = `${period.name} firing`;
  chart.over.appendChild(el);
  return { el, period };
}

/** Place a band between its period's ends, clamped to the plotted range (an open period runs to its end). */
function placeBand(chart: uPlot, { el, period }: Band): void {
  const min = chart.scales.x?.min;
  const max = chart.scales.x?.max;
  if (min == null || max == null) return;
  const from = Math.max(min, period.fromMs / 1000);
  const to = Math.min(max, period.toMs === null ? max : period.toMs / 1000);
  const left = chart.valToPos(from, "x");
  const width = Math.max(3, chart.valToPos(to, "x") - left);
  el.style.left = `${left}px`;
  el.style.width = `${width}px`;
}

/** The most-rated scale of a category's distribution, as bars of counts (HTML, so it is readable as text). */
export function DistributionBars({ distribution }: { distribution: Distribution[] }) {
  const main = [...distribution].sort((a, b) => total(b) - total(a))[0];
  if (!main) return <p class="empty">No ratings in this range.</p>;
  const n = total(main);
  const max = Math.max(...Object.values(main.counts), 1);
  const others = distribution.length - 1;
  return (
    <figure class="bars">
      <ol>
        {Object.entries(main.counts)
          .sort(([a], [b]) => Number(a) - Number(b))
          .map(([score, c]) => (
            <li key={score}>
              <span class="score">{score}</span>
              <span class="bar" style={{ width: `${(c / max) * 100}%` }} />
              <span class="num">
                {c.toLocaleString("en-US")} <small>{percent(n > 0 ? c / n : null, 0)}</small>
              </span>
            </li>
          ))}
      </ol>
      <figcaption>
        Scale {main.scale.lowerBound}–{main.scale.upperBound}, {n.toLocaleString("en-US")} ratings
        {others > 0 && `; ${others} other scale${others > 1 ? "s" : ""} not shown`}
      </figcaption>
    </figure>
  );
}

const total = (d: Distribution) => Object.values(d.counts).reduce((s, c) => s + c, 0);
