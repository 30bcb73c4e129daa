import type { ComponentChildren } from "preact";
import { CATEGORIES, type Category, type Comparison, type ContextField } from "./api.js";
import type { ViewProps } from "./app.js";
import { CATEGORY_LABELS, CONTEXT_LABELS, count, interval, percent, points, pValue } from "./format.js";
import { useResource } from "./hooks.js";
import { COMPARE_MODES, type CompareMode, timeWindow } from "./state.js";

const MODE_LABELS: Record<CompareMode, string> = {
  ...CONTEXT_LABELS,
  dimension: "Custom dimension",
  period: "Time period",
  project: "Project",
};

/** Two cohorts as `GET /v1/analytics/compare` parameters, their names, and the pickers that choose them. */
interface Cohorts {
  pickers: ComponentChildren;
  /** Undefined until both cohorts are known (the values of a dimension come from a breakdown). */
  params?: Record<string, string>;
  names: [string, string];
}

/**
 * Two cohorts side by side, compared by the server: two values of a context field (app version, platform,
 * browser, SDK version) in the selected range, two periods, or two projects; the poor-rate difference with
 * its 95 % interval, the p-value, and a verdict in words.
 */
export function Compare(props: ViewProps) {
  const { state, navigate } = props;
  const values = useValueCohorts(props);
  const cohorts =
    state.cmp === "period" ? periodCohorts(props) : state.cmp === "project" ? projectCohorts(props) : values;
  return (
    <>
      <h1 class="title">Compare cohorts</h1>
      <form class="panel filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          <span>Compare by</span>
          <select
            value={state.cmp}
            onChange={(e) =>
              navigate({ cmp: e.currentTarget.value as CompareMode, a: undefined, b: undefined })
            }
          >
            {COMPARE_MODES.map((m) => (
              <option key={m} value={m}>
                {MODE_LABELS[m]}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>Rating</span>
          <select
            value={state.category}
            onChange={(e) => navigate({ category: e.currentTarget.value as Category })}
          >
            {CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {CATEGORY_LABELS[c]}
              </option>
            ))}
          </select>
        </label>
        {cohorts.pickers}
      </form>
      <ServerComparison {...props} cohorts={cohorts} />
    </>
  );
}

/**
 * Two values of a context field or of a custom dimension within the range. The choices come from the
 * breakdown (most surveys first); A defaults to the first value and B to the next, so a breakdown row's
 * "compare" meets its runner-up. A custom dimension's key is chosen among the range's keys.
 */
function useValueCohorts(props: ViewProps): Cohorts {
  const { api, project, window, state, navigate } = props;
  const dimensionMode = state.cmp === "dimension";
  const keys = useResource(dimensionMode ? `${project}|${JSON.stringify(window.filters)}|keys` : null, () =>
    api.dimensions(project, window.filters),
  );
  const dimension = dimensionMode ? (state.dim ?? keys.data?.[0]?.key) : undefined;
  // The breakdown's `by` and the cohort filter's name.
  const [by, filter] =
    dimension !== undefined
      ? [`dimension:${dimension}`, `dimension.${dimension}`]
      : [state.cmp as ContextField, state.cmp as string];
  const byValue =
    state.cmp !== "period" && state.cmp !== "project" && (!dimensionMode || dimension !== undefined);
  const rows = useResource(
    byValue ? `${project}|${JSON.stringify(window.filters)}|${state.category}|${by}` : null,
    () => api.breakdown(project, window.filters, state.category, by),
  );
  const values = (rows.data ?? []).flatMap((r) => (r.value === null ? [] : [r]));
  const a = state.a ?? values[0]?.value ?? undefined;
  const b = state.b ?? values.find((r) => r.value !== a)?.value ?? undefined;
  const pick = (side: "a" | "b", label: string, chosen: string | undefined) => (
    <label>
      <span>{label}</span>
      <select value={chosen ?? ""} onChange={(e) => navigate({ [side]: e.currentTarget.value || undefined })}>
        {values.map((r) => (
          <option key={r.value} value={r.value ?? ""}>
            {r.value} ({count(r.surveys)})
          </option>
        ))}
      </select>
    </label>
  );
  const { from, to } = window.filters;
  const keyPicker = dimensionMode && (
    <label>
      <span>Dimension</span>
      <select
        value={dimension ?? ""}
        onChange={(e) => navigate({ dim: e.currentTarget.value || undefined, a: undefined, b: undefined })}
      >
        {(keys.data ?? []).map((k) => (
          <option key={k.key} value={k.key}>
            {k.key} ({count(k.surveys)})
          </option>
        ))}
      </select>
    </label>
  );
  const noKeys = dimensionMode && keys.data?.length === 0;
  return {
    pickers: (
      <>
        {keyPicker}
        {noKeys ? (
          <p class="empty">No survey in this range has custom dimensions.</p>
        ) : (
          <>
            {pick("a", "Cohort A", a)}
            {pick("b", "Cohort B", b)}
          </>
        )}
        {(rows.error ?? keys.error) && <p class="error">{(rows.error ?? keys.error)?.message}</p>}
      </>
    ),
    ...(a !== undefined &&
      b !== undefined && {
        params: withRange({ [`a.${filter}`]: a, [`b.${filter}`]: b }, from, to),
      }),
    names: [a ?? "", b ?? ""],
  };
}

/** The same `from`/`to` on both sides. */
function withRange(params: Record<string, string>, from?: string, to?: string): Record<string, string> {
  for (const side of ["a", "b"]) {
    if (from) params[`${side}.from`] = from;
    if (to) params[`${side}.to`] = to;
  }
  return params;
}

/** `YYYY-MM-DD..YYYY-MM-DD` ↔ a pair of dates. */
const splitPeriod = (raw: string | undefined, fallback: [string, string]): [string, string] => {
  const m = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/.exec(raw ?? "");
  return m ? [m[1] as string, m[2] as string] : fallback;
};
const day = (offset: number) => new Date(Date.now() - offset * 86_400_000).toISOString().slice(0, 10);

/** Two periods of whole days in the view's time zone (default: the last 7 days against the 7 before). */
function periodCohorts({ state, navigate }: ViewProps): Cohorts {
  const pairs = { a: splitPeriod(state.a, [day(6), day(0)]), b: splitPeriod(state.b, [day(13), day(7)]) };
  const params: Record<string, string> = {};
  for (const side of ["a", "b"] as const) {
    const [from, to] = pairs[side];
    const w = timeWindow({ ...state, range: "custom", from, to }).filters;
    params[`${side}.from`] = w.from ?? "";
    params[`${side}.to`] = w.to ?? "";
  }
  const field = (side: "a" | "b", index: 0 | 1, label: string) => {
    const pair = pairs[side];
    return (
      <label>
        <span>{label}</span>
        <input
          type="date"
          value={pair[index]}
          onChange={(e) => {
            const next: [string, string] = [...pair];
            next[index] = e.currentTarget.value;
            navigate({ [side]: `${next[0]}..${next[1]}` });
          }}
        />
      </label>
    );
  };
  return {
    pickers: (
      <>
        {field("a", 0, "A from")}
        {field("a", 1, "A to")}
        {field("b", 0, "B from")}
        {field("b", 1, "B to")}
      </>
    ),
    params,
    names: [`${pairs.a[0]} – ${pairs.a[1]}`, `${pairs.b[0]} – ${pairs.b[1]}`],
  };
}

/** Two projects over the selected range (more than the token's own project takes the operator token). */
function projectCohorts({ state, navigate, projects, project, window }: ViewProps): Cohorts {
  const a = state.a ?? project;
  const b = state.b ?? project;
  const pick = (side: "a" | "b", label: string, chosen: string) => (
    <label>
      <span>{label}</span>
      <select value={chosen} onChange={(e) => navigate({ [side]: e.currentTarget.value })}>
        {projects.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
          </option>
        ))}
      </select>
    </label>
  );
  const name = (id: string) => projects.find((p) => p.id === id)?.name ?? id;
  return {
    pickers: (
      <>
        {pick("a", "Project A", a)}
        {pick("b", "Project B", b)}
      </>
    ),
    params: withRange({ "a.projectId": a, "b.projectId": b }, window.filters.from, window.filters.to),
    names: [name(a), name(b)],
  };
}

/** The server's comparison of the chosen cohorts (`GET /v1/analytics/compare`). */
function ServerComparison({ api, project, state, cohorts }: ViewProps & { cohorts: Cohorts }) {
  const { params, names } = cohorts;
  // The names travel with the answer: while the next comparison loads, the previous numbers stay under
  // the names they were computed for, not under the newly chosen cohorts.
  const result = useResource(params ? `${project}|${state.category}|${JSON.stringify(params)}` : null, () =>
    api.compare(project, state.category, params ?? {}).then((comparison) => ({ comparison, names })),
  );
  if (result.error)
    return (
      <p class="error" role="alert">
        {result.error.message}
      </p>
    );
  if (!params) return null;
  return result.data ? (
    <Verdict
      result={result.data.comparison}
      nameA={result.data.names[0]}
      nameB={result.data.names[1]}
      busy={result.loading}
    />
  ) : (
    <p class="empty">…</p>
  );
}

/** Both cohorts, the difference and what it means, in plain words. */
export function Verdict({
  result,
  nameA,
  nameB,
  busy = false,
}: {
  result: Comparison;
  nameA: string;
  nameB: string;
  /** The next comparison is loading; this one stays until it arrives. */
  busy?: boolean;
}) {
  const { a, b, difference, differenceCi95: ci, pValue: p } = result;
  const category = CATEGORY_LABELS[result.category].toLowerCase();
  const significant = p !== null && p < 0.05 && ci !== null && (ci[0] > 0 || ci[1] < 0);
  const words =
    difference === null
      ? "One of the cohorts has no ratings in this category, so there is nothing to compare."
      : significant
        ? `${nameA} has a ${difference > 0 ? "higher" : "lower"} ${category} poor-rate than ${nameB}: ${points(difference)} (95 % CI ${points(ci?.[0] ?? null)} to ${points(ci?.[1] ?? null)}). This difference is statistically significant (p ${p < 0.0001 ? "< 0.0001" : `= ${pValue(p)}`}).`
        : `No significant difference in the ${category} poor-rate between ${nameA} and ${nameB} (${points(difference)}, p ${p !== null && p < 0.0001 ? "< 0.0001" : `= ${pValue(p)}`}); the data is consistent with no real change.`;
  return (
    <section class="verdict" aria-live="polite" aria-busy={busy} data-significant={significant}>
      <div class="cohorts">
        {[
          [nameA, a],
          [nameB, b],
        ].map(([name, r], i) => {
          const rates = r as Comparison["a"];
          return (
            <article class="kpi" key={i === 0 ? "a" : "b"}>
              <h2>
                {i === 0 ? "A" : "B"}: {name as string}
              </h2>
              <p class="value">{percent(rates.poorRate)}</p>
              <p class="sub">
                {count(rates.poor)} poor of {count(rates.surveys)}
                <br />
                95 % CI {interval(rates.poorRateCi95)}
              </p>
            </article>
          );
        })}
        <article class="kpi">
          <h2>Difference A − B</h2>
          <p class="value">{points(difference)}</p>
          <p class="sub">
            95 % CI {ci ? `${points(ci[0])} to ${points(ci[1])}` : "–"}
            <br />p {pValue(p).startsWith("<") ? "" : "= "}
            {pValue(p)}
          </p>
        </article>
      </div>
      <p class="words" data-verdict>
        {words}
      </p>
    </section>
  );
}
