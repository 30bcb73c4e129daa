import { RATING_CATEGORIES } from "@aftercall/schema";
import { useState } from "preact/hooks";
import { CATEGORIES, CONTEXT_FIELDS, NETWORK_BANDS, type NetworkBand, type SurveyRecord } from "./api.js";
import type { ViewProps } from "./app.js";
import { CATEGORY_LABELS, CONTEXT_LABELS, count, dateTime, inSentence } from "./format.js";
import { useResource } from "./hooks.js";
import { BAND_LABELS } from "./quality-panels.js";
import { QualitySummary } from "./quality-summary.js";
import { explorerFilters, toHash } from "./state.js";

const POOR_CHOICES = [
  ["", "All surveys"],
  [CATEGORIES.join(","), "Poor in any rating"],
  ...CATEGORIES.map((c) => [c, `Poor ${CATEGORY_LABELS[c].toLowerCase()}`]),
] as const;

/**
 * The filtered survey list with cursor paging, and export of the same filter. A context field or custom
 * dimension filter (`appVersion=…`, `dimension.region=…`, from a breakdown row) shows as a removable chip.
 * How many surveys match comes from the summary of the same filters, so a drill-down from a rate can be
 * checked against the number it was clicked on.
 */
export function Explorer(props: ViewProps) {
  const { api, project, window, state, navigate } = props;
  const filters = explorerFilters(state, window.filters);
  const page = useResource(`${project}|${JSON.stringify(filters)}|${state.cursor ?? ""}`, () =>
    api.surveys(project, filters, state.cursor),
  );
  const matching = useResource(`${project}|${JSON.stringify(filters)}`, () => api.summary(project, filters));
  const apply = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const value = (k: string) => String(form.get(k) ?? "").trim() || undefined;
    navigate({
      poor: value("poor"),
      tag: value("tag"),
      q: value("q"),
      callId: value("callId"),
      networkBand: value("networkBand") as NetworkBand | undefined,
      cursor: undefined,
    });
  };
  return (
    <>
      <h1 class="title">Surveys</h1>
      {/* Uncontrolled fields, remounted when the filters in the URL change: a controlled value would be
          reset to the URL's on every re-render (the matching count arriving, say), losing what was typed. */}
      <form
        class="panel filters"
        onSubmit={apply}
        aria-label="Survey filters"
        key={JSON.stringify([state.poor, state.tag, state.networkBand, state.q, state.callId])}
      >
        <label>
          <span>Show</span>
          <select name="poor">
            {POOR_CHOICES.map(([value, label]) => (
              <option key={value} value={value} selected={value === (state.poor ?? "")}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>Issue tag</span>
          <select name="tag">
            <option value="" selected={!state.tag}>
              Any
            </option>
            {RATING_CATEGORIES.map((c) => (
              <optgroup key={c.key} label={CATEGORY_LABELS[c.key]}>
                {c.issues.map((tag) => (
                  <option key={tag} value={`${c.key}:${tag}`} selected={state.tag === `${c.key}:${tag}`}>
                    {tag}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </label>
        <label>
          <span>Network</span>
          <select name="networkBand">
            <option value="" selected={!state.networkBand}>
              Any
            </option>
            {NETWORK_BANDS.map((band) => (
              <option key={band} value={band} selected={state.networkBand === band}>
                {BAND_LABELS[band]}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>Text in suggestions</span>
          <input name="q" type="search" defaultValue={state.q ?? ""} maxLength={256} />
        </label>
        <label>
          <span>Call id</span>
          <input name="callId" type="search" defaultValue={state.callId ?? ""} maxLength={256} />
        </label>
        {CONTEXT_FIELDS.map((field) => {
          const value = state[field];
          return (
            value && (
              <p class="chip filter" key={field} data-filter={field}>
                {CONTEXT_LABELS[field]}: {value}{" "}
                <button
                  type="button"
                  class="ghost"
                  aria-label={`Remove the ${inSentence(CONTEXT_LABELS[field])} filter`}
                  onClick={() => navigate({ [field]: undefined, cursor: undefined })}
                >
                  ×
                </button>
              </p>
            )
          );
        })}
        {Object.entries(state.dimensions ?? {}).map(([key, value]) => (
          <p class="chip filter" key={`dimension.${key}`} data-filter={`dimension.${key}`}>
            {key}: {value}{" "}
            <button
              type="button"
              class="ghost"
              aria-label={`Remove the ${key} filter`}
              onClick={() => {
                const { [key]: _, ...rest } = state.dimensions ?? {};
                navigate({ dimensions: rest, cursor: undefined });
              }}
            >
              ×
            </button>
          </p>
        ))}
        <button type="submit" class="primary">
          Apply
        </button>
        <ExportButtons {...props} />
      </form>
      {page.error && (
        <p class="error" role="alert">
          {page.error.message}
        </p>
      )}
      <section class="panel" aria-label="Matching surveys" aria-busy={page.loading}>
        <p class="muted matching" data-matching={matching.data?.surveys}>
          {matching.data ? `${count(matching.data.surveys)} matching surveys` : "\u00a0"}
        </p>
        {page.data && page.data.items.length === 0 && <p class="empty">No surveys match these filters.</p>}
        {page.data && page.data.items.length > 0 && <SurveyTable items={page.data.items} {...props} />}
        <div class="pager">
          <button type="button" disabled={!state.cursor} onClick={() => navigate({ cursor: undefined })}>
            First page
          </button>
          <button
            type="button"
            disabled={!page.data?.nextCursor}
            onClick={() => navigate({ cursor: page.data?.nextCursor })}
          >
            Next page
          </button>
        </div>
      </section>
    </>
  );
}

function SurveyTable({ items, state }: ViewProps & { items: SurveyRecord[] }) {
  return (
    <div class="scroll">
      <table class="surveys">
        <thead>
          <tr>
            <th scope="col">Received</th>
            <th scope="col">Ratings</th>
            <th scope="col">Issues</th>
            <th scope="col">Suggestion</th>
            <th scope="col">Network</th>
            <th scope="col">Version</th>
          </tr>
        </thead>
        <tbody>
          {items.map((s) => (
            <tr key={s.id}>
              <th scope="row">
                <a href={toHash({ ...state, view: "survey", survey: s.id })} data-survey={s.id}>
                  {dateTime(s.receivedAt, state.tz)}
                </a>
              </th>
              <td>
                {CATEGORIES.filter((c) => s.ratings[c]).map((c) => {
                  const r = s.ratings[c];
                  return (
                    <span
                      key={c}
                      class={`chip ${r?.poor ? "poor" : ""}`}
                      title={`${CATEGORY_LABELS[c]} ${r?.score} of ${r?.scale.upperBound}`}
                    >
                      {CATEGORY_LABELS[c][0]} {r?.score}/{r?.scale.upperBound}
                    </span>
                  );
                })}
              </td>
              <td class="issues">{CATEGORIES.flatMap((c) => s.ratings[c]?.issues ?? []).join(", ")}</td>
              <td class="text">{suggestions(s).join(" · ")}</td>
              <td>
                {s.networkBand && <span class={`chip band band-${s.networkBand}`}>{s.networkBand}</span>}
              </td>
              <td>{s.appVersion ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const suggestions = (s: SurveyRecord) =>
  CATEGORIES.map((c) => s.ratings[c]?.improvementSuggestion).filter((t): t is string => !!t);

/** Export the filtered set: fetched with the token header, then saved from a Blob URL. */
function ExportButtons({ api, project, window, state }: ViewProps) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState<string>();
  const download = async (format: "native" | "csv") => {
    setError(undefined);
    setBusy(format);
    try {
      const blob = await api.exportBlob(project, explorerFilters(state, window.filters), format);
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = `aftercall-${project}-surveys.${format === "csv" ? "csv" : "ndjson"}`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(undefined);
    }
  };
  return (
    <div class="exports">
      <button type="button" onClick={() => download("csv")} disabled={busy !== undefined}>
        {busy === "csv" ? "Exporting…" : "Export CSV"}
      </button>
      <button type="button" onClick={() => download("native")} disabled={busy !== undefined}>
        {busy === "native" ? "Exporting…" : "Export NDJSON"}
      </button>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** One survey, every field as text. */
export function SurveyDetail({ api, project, state }: ViewProps) {
  const id = state.survey ?? "";
  const survey = useResource(id ? `${project}|${id}` : null, () => api.survey(project, id));
  const { survey: _, ...rest } = state;
  const back = toHash({ ...rest, view: "explorer" });
  const s = survey.data;
  return (
    <>
      <p>
        <a href={back}>← Back to surveys</a>
      </p>
      <h1 class="title">Survey</h1>
      {survey.error && (
        <p class="error" role="alert">
          {survey.error.message}
        </p>
      )}
      {s && (
        <div class="grid">
          <section class="panel">
            <h2>Call</h2>
            <dl class="facts">
              {(
                [
                  ["Survey id", s.id],
                  ["Call id", s.callId],
                  ["Participant", s.participantId],
                  ["Received", dateTime(s.receivedAt, state.tz)],
                  ["Client time", s.clientTime],
                  ["App version", s.appVersion],
                  ["Platform", s.platform],
                  ["Browser", s.browser],
                  ["SDK version", s.sdkVersion],
                  ...Object.entries(s.dimensions),
                ] as [string, string | undefined][]
              )
                .filter(([, v]) => v !== undefined)
                .map(([k, v]) => (
                  <div key={k}>
                    <dt>{k}</dt>
                    <dd>{v}</dd>
                  </div>
                ))}
            </dl>
          </section>
          {CATEGORIES.filter((c) => s.ratings[c]).map((c) => {
            const r = s.ratings[c];
            if (!r) return null;
            return (
              <section class="panel" key={c} data-rating={c}>
                <h2>
                  {CATEGORY_LABELS[c]}: {r.score} of {r.scale.lowerBound}–{r.scale.upperBound}{" "}
                  {r.poor && <span class="chip poor">poor</span>}
                </h2>
                <p class="muted">Poor at or below {r.scale.lowScoreThreshold}.</p>
                {r.issues.length > 0 && <p>Issues: {r.issues.join(", ")}</p>}
                {r.improvementSuggestion && (
                  <blockquote class="suggestion">{r.improvementSuggestion}</blockquote>
                )}
              </section>
            );
          })}
          <QualitySummary survey={s} />
        </div>
      )}
    </>
  );
}
