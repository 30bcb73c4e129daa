import { CATEGORIES, type Category, type Comparison } from "./api.js";
import type { ViewProps } from "./app.js";
import { CATEGORY_LABELS, count, interval, percent, points, pValue } from "./format.js";
import { useResource } from "./hooks.js";
import { COMPARE_MODES, type CompareMode, timeWindow } from "./state.js";
import { compareCohorts } from "./stats.js";

const MODE_LABELS: Record<CompareMode, string> = {
  appVersion: "App version",
  platform: "Platform",
  browser: "Browser",
  sdkVersion: "SDK version",
  period: "Time period",
  project: "Project",
};
const REST = "";

/**
 * Two cohorts side by side: two values of a breakdown dimension (B may be "all others"), two periods, or
 * two projects; the poor-rate difference with its 95 % interval, the p-value, and a verdict in words.
 */
export function Compare(props: ViewProps) {
  const { state, navigate } = props;
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
        {state.cmp === "period" ? (
          <PeriodPickers {...props} />
        ) : state.cmp === "project" ? (
          <ProjectPickers {...props} />
        ) : (
          <ValuePickers {...props} />
        )}
      </form>
      {state.cmp === "period" || state.cmp === "project" ? <ServerComparison {...props} /> : null}
    </>
  );
}

function ValuePickers(props: ViewProps) {
  const { api, project, window, state, navigate } = props;
  const by = state.cmp;
  const rows = useResource(`${project}|${JSON.stringify(window.filters)}|${state.category}|${by}`, () =>
    api.breakdown(project, window.filters, state.category, by),
  );
  const values = (rows.data ?? []).filter((r) => r.value !== null);
  const a = state.a ?? values[0]?.value ?? undefined;
  const pick = (side: "a" | "b", label: string, withRest: boolean) => (
    <label>
      <span>{label}</span>
      <select
        value={side === "a" ? (a ?? "") : (state.b ?? REST)}
        onChange={(e) => navigate({ [side]: e.currentTarget.value || undefined })}
      >
        {withRest && <option value={REST}>All other values</option>}
        {values.map((r) => (
          <option key={r.value} value={r.value ?? ""}>
            {r.value} ({count(r.surveys)})
          </option>
        ))}
      </select>
    </label>
  );
  let result: Comparison | undefined;
  const rowA = values.find((r) => r.value === a);
  if (rows.data && rowA) {
    const others = (rows.data ?? []).filter((r) => (state.b ? r.value === state.b : r.value !== a));
    const sum = (key: "poor" | "surveys") => others.reduce((s, r) => s + r[key], 0);
    result = compareCohorts(
      state.category,
      { poor: rowA.poor, n: rowA.surveys },
      { poor: sum("poor"), n: sum("surveys") },
    );
  }
  return (
    <>
      {pick("a", "Cohort A", false)}
      {pick("b", "Cohort B", true)}
      {rows.error && <p class="error">{rows.error.message}</p>}
      {result && (
        <Verdict
          result={result}
          nameA={a ?? ""}
          nameB={state.b ?? `all other ${MODE_LABELS[by].toLowerCase()}s`}
        />
      )}
    </>
  );
}

/** `YYYY-MM-DD..YYYY-MM-DD` ↔ a pair of dates. */
const splitPeriod = (raw: string | undefined, fallback: [string, string]): [string, string] => {
  const m = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/.exec(raw ?? "");
  return m ? [m[1] as string, m[2] as string] : fallback;
};
const day = (offset: number) => new Date(Date.now() - offset * 86_400_000).toISOString().slice(0, 10);

function periods(state: ViewProps["state"]): { a: [string, string]; b: [string, string] } {
  return { a: splitPeriod(state.a, [day(6), day(0)]), b: splitPeriod(state.b, [day(13), day(7)]) };
}

function PeriodPickers({ state, navigate }: ViewProps) {
  const { a, b } = periods(state);
  const field = (side: "a" | "b", index: 0 | 1, label: string) => {
    const pair = side === "a" ? a : b;
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
  return (
    <>
      {field("a", 0, "A from")}
      {field("a", 1, "A to")}
      {field("b", 0, "B from")}
      {field("b", 1, "B to")}
    </>
  );
}

function ProjectPickers({ state, navigate, projects, project }: ViewProps) {
  const pick = (side: "a" | "b", label: string) => (
    <label>
      <span>{label}</span>
      <select value={state[side] ?? project} onChange={(e) => navigate({ [side]: e.currentTarget.value })}>
        {projects.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <>
      {pick("a", "Project A")}
      {pick("b", "Project B")}
    </>
  );
}

/** Periods and projects are compared by the server (`GET /v1/analytics/compare`). */
function ServerComparison(props: ViewProps) {
  const { api, project, state, window } = props;
  const params: Record<string, string> = {};
  let names: [string, string];
  if (state.cmp === "period") {
    const { a, b } = periods(state);
    for (const [side, pair] of [
      ["a", a],
      ["b", b],
    ] as const) {
      const w = timeWindow({ ...state, range: "custom", from: pair[0], to: pair[1] }).filters;
      params[`${side}.from`] = w.from ?? "";
      params[`${side}.to`] = w.to ?? "";
    }
    names = [`${a[0]} – ${a[1]}`, `${b[0]} – ${b[1]}`];
  } else {
    const a = state.a ?? project;
    const b = state.b ?? project;
    Object.assign(params, {
      "a.projectId": a,
      "b.projectId": b,
      "a.from": window.filters.from,
      "a.to": window.filters.to,
      "b.from": window.filters.from,
      "b.to": window.filters.to,
    });
    names = [a, b];
  }
  const result = useResource(`${project}|${state.category}|${JSON.stringify(params)}`, () =>
    api.compare(project, state.category, params),
  );
  if (result.error)
    return (
      <p class="error" role="alert">
        {state.cmp === "project" ? "This server cannot compare projects yet: " : ""}
        {result.error.message}
      </p>
    );
  return result.data ? (
    <Verdict result={result.data} nameA={names[0]} nameB={names[1]} />
  ) : (
    <p class="empty">…</p>
  );
}

/** Both cohorts, the difference and what it means, in plain words. */
export function Verdict({ result, nameA, nameB }: { result: Comparison; nameA: string; nameB: string }) {
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
    <section class="verdict" aria-live="polite" data-significant={significant}>
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
