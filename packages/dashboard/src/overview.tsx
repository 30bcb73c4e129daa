import { firingPeriods, historySince } from "./alert-periods.js";
import { FiringList } from "./alerts.js";
import {
  CATEGORIES,
  type Category,
  type CategoryStats,
  type ContextField,
  type ResponseRate,
} from "./api.js";
import type { ViewProps } from "./app.js";
import { BreakdownTable, DimensionBreakdown, drill } from "./breakdown.js";
import { DistributionBars, MIN_TREND_RATINGS, TrendChart } from "./charts.js";
import { CATEGORY_LABELS, CONTEXT_LABELS, count, dateTime, inSentence, interval, percent } from "./format.js";
import { useResource } from "./hooks.js";

const BREAKDOWNS = Object.entries(CONTEXT_LABELS) as [ContextField, string][];

/** KPI cards, the poor-rate trend, and for one category its distribution, top issues and breakdowns. */
export function Overview(props: ViewProps) {
  const { api, project, window, state } = props;
  const key = `${project}|${JSON.stringify(window)}|${state.tz}`;
  const summary = useResource(key, () => api.summary(project, window.filters));
  // Servers before `responseRate` was in the summary: the lifecycle events' own summary, without interval.
  const old = summary.data && !summary.data.responseRate;
  const events = useResource(old ? key : null, () =>
    api
      .events(project, window.filters)
      .then((e): ResponseRate => ({ ...e, rate: e.responseRate, low: null, high: null })),
  );
  const trend = useResource(key, () =>
    Promise.all(
      CATEGORIES.map(async (category) => ({
        category,
        points: await api.timeseries(project, window.filters, category, window.bucket, state.tz),
      })),
    ),
  );
  const fromMs = Date.parse(window.filters.from ?? "");
  const toMs = Date.parse(window.filters.to ?? "");
  const fired = useResource(key, async () => {
    const [alerts, history] = await Promise.all([api.alerts(project), historySince(api, project, fromMs)]);
    return firingPeriods(history, alerts, { fromMs, toMs });
  });
  const s = summary.data;
  const responseRate = s?.responseRate ?? events.data;
  return (
    <>
      <h1 class="title">Overview</h1>
      {summary.error && (
        <p class="error" role="alert">
          {summary.error.message}
        </p>
      )}
      <section class="kpis" aria-label="Key figures" aria-busy={summary.loading}>
        <article class="kpi">
          <h2>Surveys</h2>
          <p class="value" data-kpi="surveys">
            {s ? count(s.surveys) : "…"}
          </p>
          <p class="sub">in the selected range</p>
        </article>
        <ResponseRateCard rate={responseRate} />
        {CATEGORIES.map((c) => (
          <CategoryCard key={c} category={c} stats={s?.categories[c]} {...props} />
        ))}
      </section>
      <section class="panel" aria-labelledby="trend-h">
        <h2 id="trend-h">Poor-rate trend</h2>
        {trend.data && (
          <TrendChart series={trend.data} tz={state.tz} theme={props.theme} alerts={fired.data} />
        )}
        {trend.error && <p class="error">{trend.error.message}</p>}
        {fired.data && <FiringList periods={fired.data} state={state} />}
        {trend.data && (
          <details>
            <summary>
              Show the numbers{" "}
              <small>(buckets with fewer than {MIN_TREND_RATINGS} ratings are not drawn)</small>
            </summary>
            <TrendTable series={trend.data} tz={state.tz} />
          </details>
        )}
      </section>
      <CategoryDetail {...props} stats={s?.categories[state.category]} />
    </>
  );
}

function ResponseRateCard({ rate }: { rate: ResponseRate | undefined }) {
  return (
    <article class="kpi">
      <h2>Response rate</h2>
      <p class="value" data-kpi="response-rate">
        {rate ? percent(rate.rate) : "…"}
      </p>
      <p class="sub">
        {rate?.low != null && rate.high != null ? (
          <>95 % CI {interval([rate.low, rate.high])}</>
        ) : (
          "surveys submitted of shown"
        )}
        <br />
        {rate && `${count(rate.submitted)} of ${count(rate.shown)} shown`}
      </p>
    </article>
  );
}

function CategoryCard(props: ViewProps & { category: Category; stats: CategoryStats | undefined }) {
  const { category, stats, state, navigate } = props;
  return (
    <article class={`kpi cat-${category}`} data-selected={state.category === category}>
      <h2>
        <button
          type="button"
          class="link"
          aria-pressed={state.category === category}
          onClick={() => navigate({ category })}
        >
          {CATEGORY_LABELS[category]} poor-rate
        </button>
      </h2>
      <p class="value" data-kpi={`poor-${category}`}>
        {stats ? percent(stats.poorRate) : "…"}
      </p>
      <p class="sub">
        {stats?.poorRateCi95 ? <>95 % CI {interval(stats.poorRateCi95)}</> : "no ratings"}
        <br />
        {stats && (
          <>
            {count(stats.poor)} of {count(stats.surveys)} · mean{" "}
            <span data-kpi={`mean-${category}`}>
              {stats.meanNormalizedScore === null ? "–" : Math.round(stats.meanNormalizedScore * 100)}
            </span>
            /100
          </>
        )}
      </p>
    </article>
  );
}

function TrendTable({
  series,
  tz,
}: {
  series: { category: Category; points: { start: string; poorRate: number | null; surveys: number }[] }[];
  tz: string;
}) {
  const first = series[0];
  if (!first) return null;
  return (
    <div class="scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">Bucket start</th>
            {series.map((s) => (
              <th key={s.category} scope="col" class="num">
                {CATEGORY_LABELS[s.category]}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {first.points.map((p, i) => (
            <tr key={p.start}>
              <th scope="row">{dateTime(p.start, tz)}</th>
              {series.map((s) => {
                const point = s.points[i];
                return (
                  <td key={s.category} class="num">
                    {point ? `${percent(point.poorRate)} (${point.surveys})` : "–"}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function CategoryDetail(props: ViewProps & { stats: CategoryStats | undefined }) {
  const { api, project, window, state, navigate, stats } = props;
  const category = state.category;
  const key = `${project}|${JSON.stringify(window.filters)}|${category}`;
  const tags = useResource(key, () => api.tags(project, window.filters));
  const breakdowns = useResource(key, () =>
    Promise.all(BREAKDOWNS.map(([by]) => api.breakdown(project, window.filters, category, by))),
  );
  const rows = tags.data?.categories[category] ?? [];
  return (
    <section class="grid" aria-label={`${CATEGORY_LABELS[category]} details`}>
      <div class="panel">
        <h2>{CATEGORY_LABELS[category]} score distribution</h2>
        {stats ? <DistributionBars distribution={stats.distribution} /> : <p class="empty">…</p>}
      </div>
      <div class="panel">
        <h2>Top {CATEGORY_LABELS[category].toLowerCase()} issues</h2>
        {rows.length === 0 ? (
          <p class="empty">No issue tags in this range.</p>
        ) : (
          <div class="scroll">
            <table class="tags">
              <thead>
                <tr>
                  <th scope="col">Tag</th>
                  <th scope="col" class="num">
                    Surveys
                  </th>
                  <th scope="col" class="num">
                    Share
                  </th>
                  <th scope="col" class="num">
                    Of poor
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.slice(0, 8).map((t) => (
                  <tr key={t.tag}>
                    <th scope="row">
                      <a href={`#view=explorer&${drill(state)}&tag=${category}:${t.tag}`} data-tag={t.tag}>
                        {t.tag}
                      </a>
                    </th>
                    <td class="num">{count(t.count)}</td>
                    <td class="num">{percent(t.shareOfCategory)}</td>
                    <td class="num">{percent(t.shareOfPoor)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
      {BREAKDOWNS.map(([by, label], i) => (
        <div class="panel" key={by}>
          <h2>
            {CATEGORY_LABELS[category]} poor-rate by {inSentence(label)}
          </h2>
          <BreakdownTable
            rows={breakdowns.data?.[i] ?? []}
            label={label}
            surveysOf={(value) => `#view=explorer&${drill(state)}&${new URLSearchParams({ [by]: value })}`}
            onCompare={(value) => navigate({ view: "compare", cmp: by, a: value, b: undefined })}
          />
        </div>
      ))}
      <DimensionBreakdown {...props} />
    </section>
  );
}
