import type { DimensionKey } from "./api.js";
import type { ViewProps } from "./app.js";
import { CATEGORY_LABELS, count, interval, percent } from "./format.js";
import { useResource } from "./hooks.js";

/** The project, range and time-zone part of a link to another view. */
export function drill(state: ViewProps["state"]): string {
  const p = new URLSearchParams({ project: state.project ?? "", range: state.range, tz: state.tz });
  if (state.from) p.set("from", state.from);
  if (state.to) p.set("to", state.to);
  return p.toString();
}

export function BreakdownTable(props: {
  rows: {
    value: string | null;
    surveys: number;
    poorRate: number | null;
    poorRateCi95: [number, number] | null;
  }[];
  label: string;
  /** The explorer link listing the surveys with this value. */
  surveysOf: (value: string) => string;
  onCompare: (value: string) => void;
}) {
  if (props.rows.length === 0) return <p class="empty">No data.</p>;
  const max = Math.max(...props.rows.map((r) => r.poorRate ?? 0), 0.01);
  return (
    <div class="scroll">
      <table class="breakdown">
        <thead>
          <tr>
            <th scope="col">{props.label}</th>
            <th scope="col" class="num">
              Surveys
            </th>
            <th scope="col">Poor-rate (95 % CI)</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.slice(0, 8).map((r) => (
            <tr key={r.value ?? "(none)"}>
              <th scope="row">
                {r.value === null ? (
                  <span class="muted">(not set)</span>
                ) : (
                  <>
                    <a href={props.surveysOf(r.value)} title="Show these surveys" data-drill={r.value}>
                      {r.value}
                    </a>{" "}
                    <button
                      type="button"
                      class="link compare"
                      onClick={() => props.onCompare(r.value as string)}
                      aria-label={`Compare ${r.value}`}
                      title="Compare with another value"
                    >
                      ⇄
                    </button>
                  </>
                )}
              </th>
              <td class="num">{count(r.surveys)}</td>
              <td class="rate">
                <span class="meter" aria-hidden="true">
                  <span style={{ width: `${((r.poorRate ?? 0) / max) * 100}%` }} />
                </span>
                {percent(r.poorRate)} <small>{interval(r.poorRateCi95)}</small>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * The category's poor-rate by one custom dimension, chosen among the keys the range's surveys carry (most
 * common first); hidden when no survey has any.
 */
export function DimensionBreakdown(props: ViewProps) {
  const { api, project, window, state, navigate } = props;
  const key = `${project}|${JSON.stringify(window.filters)}`;
  const keys = useResource(key, () => api.dimensions(project, window.filters));
  const list: DimensionKey[] = keys.data ?? [];
  const dimension = state.dim && list.some((k) => k.key === state.dim) ? state.dim : list[0]?.key;
  const rows = useResource(dimension === undefined ? null : `${key}|${state.category}|${dimension}`, () =>
    api.breakdown(project, window.filters, state.category, `dimension:${dimension}`),
  );
  if (keys.error)
    return (
      <p class="error" role="alert">
        {keys.error.message}
      </p>
    );
  if (dimension === undefined) return null;
  return (
    <div class="panel" data-dimension={dimension}>
      <h2>
        <label>
          {CATEGORY_LABELS[state.category]} poor-rate by{" "}
          <select value={dimension} onChange={(e) => navigate({ dim: e.currentTarget.value }, true)}>
            {list.map((k) => (
              <option key={k.key} value={k.key}>
                {k.key} ({count(k.surveys)})
              </option>
            ))}
          </select>
        </label>
      </h2>
      <BreakdownTable
        rows={rows.data ?? []}
        label={dimension}
        surveysOf={(value) =>
          `#view=explorer&${drill(state)}&${new URLSearchParams({ [`dimension.${dimension}`]: value })}`
        }
        onCompare={(value) =>
          navigate({ view: "compare", cmp: "dimension", dim: dimension, a: value, b: undefined })
        }
      />
    </div>
  );
}
