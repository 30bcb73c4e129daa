import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import type { FiringPeriod } from "./alert-periods.js";
import { NewRuleForm, RuleActions } from "./alert-rule-form.js";
import type {
  Alert,
  AlertContribution,
  AlertExplanation,
  AlertRecord,
  AlertRule,
  AlertStatus,
  AlertTransition,
} from "./api.js";
import type { ViewProps } from "./app.js";
import { drill } from "./breakdown.js";
import { CATEGORY_LABELS, CONTEXT_LABELS, count, dateTime, interval, percent } from "./format.js";
import { useResource } from "./hooks.js";

/**
 * The project's alerts (one per rule, firing first) with the current window's poor-rate beside the
 * baseline, and for the alert selected in the URL (`alert=<rule id>`) what its latest firing or resolving
 * record says: the numbers behind it, the values that carry the excess poor ratings (ranked, with 95 %
 * intervals, as the server computed them) and the rule's transitions.
 *
 * @module
 */

export const STATUS_LABELS: Record<AlertStatus, string> = {
  ok: "OK",
  firing: "Firing",
  resolved: "Resolved",
};

/** The status as a badge: a word, not only a colour. */
export function StatusBadge({ status }: { status: AlertStatus }) {
  return (
    <span class={`badge status-${status}`} data-status={status}>
      {STATUS_LABELS[status]}
    </span>
  );
}

/** An instant in the view's time zone, machine-readable too. */
const Time = ({ iso, tz }: { iso: string; tz: string }) => <time dateTime={iso}>{dateTime(iso, tz)}</time>;

/**
 * A table that scrolls sideways on a narrow screen, as a labelled region that keyboard users can focus
 * and scroll (WCAG 2.1.1; axe's scrollable-region-focusable).
 */
function ScrollRegion(props: { label: string; children: ComponentChildren } & Record<string, unknown>) {
  const { label, children, ...rest } = props;
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a region that scrolls must take focus to be scrolled by keyboard.
    <section class="scroll" aria-label={label} tabIndex={0} {...rest}>
      {children}
    </section>
  );
}

/** The link to one alert's explanation, keeping the project, range and time zone. */
export const alertHref = (state: ViewProps["state"], ruleId: string): string =>
  `#view=alerts&${drill(state)}&${new URLSearchParams({ alert: ruleId })}`;

const REASONS: Record<string, string> = {
  "poor-rate-above-baseline": "Poor-rate above the baseline",
  "poor-rate-back-to-baseline": "Poor-rate back to the baseline",
};
const reasonText = (reason: string) => REASONS[reason] ?? reason.replaceAll("-", " ");

/** The baseline rate an alert is held against: the fixed rate, or its latest record's trailing rate. */
function baselineOf(
  alert: Alert,
  rule: AlertRule | undefined,
): { rate: number | null; ci?: [number, number] } {
  if (rule?.baseline.type === "fixed") return { rate: rule.baseline.poorRate };
  const b = alert.latest?.record?.statistics.baseline;
  return b ? { rate: b.poorRate, ...(b.poorRateCi95 ? { ci: b.poorRateCi95 } : {}) } : { rate: null };
}

export function AlertsView(props: ViewProps) {
  const { api, project, state } = props;
  // Bumped after every change of a rule, so both lists are asked again.
  const [version, setVersion] = useState(0);
  const refresh = () => setVersion((v) => v + 1);
  const alerts = useResource(`${project}|${version}`, () => api.alerts(project));
  const rules = useResource(`${project}|${version}`, () => api.alertRules(project));
  const list = alerts.data ?? [];
  const selected = list.find((a) => a.ruleId === state.alert);
  return (
    <>
      <h1 class="title">Alerts</h1>
      <p class="lede">
        Each rule watches one category's poor-rate and fires when it has risen above its baseline by at least
        the rule's minimum effect. Rules are created below, or over the API and the command line
        (docs/alerts.md).
      </p>
      {(alerts.error ?? rules.error) && (
        <p class="error" role="alert">
          {(alerts.error ?? rules.error)?.message}
        </p>
      )}
      <section class="panel" aria-labelledby="alerts-h" aria-busy={alerts.loading || rules.loading}>
        <h2 id="alerts-h">Alerts of this project</h2>
        {alerts.data && list.length === 0 ? (
          <p class="empty">
            No alert rules yet: create one below, over the API or with <code>aftercall alerts create</code>.
          </p>
        ) : (
          <AlertTable {...props} alerts={list} rules={rules.data ?? []} onChanged={refresh} />
        )}
      </section>
      {state.alert && alerts.data && !selected && (
        <p class="error" role="alert">
          No alert rule {state.alert} in this project.
        </p>
      )}
      {selected && <AlertDetail {...props} key={selected.ruleId} alert={selected} />}
      <NewRuleForm api={api} project={project} onCreated={refresh} key={project} />
    </>
  );
}

function AlertTable(props: ViewProps & { alerts: Alert[]; rules: AlertRule[]; onChanged: () => void }) {
  const { alerts, rules, state, api, project, onChanged } = props;
  return (
    <ScrollRegion label="Alerts">
      <table class="alerts">
        <caption class="sr-only">Alerts, firing first</caption>
        <thead>
          <tr>
            <th scope="col">Rule</th>
            <th scope="col">Category</th>
            <th scope="col">Status</th>
            <th scope="col">Since</th>
            <th scope="col" class="num">
              Window poor-rate
            </th>
            <th scope="col" class="num">
              Baseline
            </th>
            <th scope="col">Manage</th>
          </tr>
        </thead>
        <tbody>
          {alerts.map((a) => {
            const rule = rules.find((r) => r.id === a.ruleId);
            const window = rule?.state.window;
            const baseline = baselineOf(a, rule);
            return (
              <tr
                key={a.ruleId}
                data-rule={a.ruleId}
                data-status={a.status}
                aria-current={a.ruleId === state.alert ? "true" : undefined}
              >
                <th scope="row">
                  <a href={alertHref(state, a.ruleId)}>{a.name}</a>
                </th>
                <td>{CATEGORY_LABELS[a.category]}</td>
                <td>
                  <StatusBadge status={a.status} />
                  {rule && !rule.enabled && <small class="muted"> disabled</small>}
                </td>
                <td data-cell="since">
                  <Time iso={a.since} tz={state.tz} />
                </td>
                <td class="num" data-cell="window">
                  {window ? (
                    <>
                      {percent(window.poorRate)}{" "}
                      <small>
                        {count(window.poor)} of {count(window.surveys)}
                      </small>
                    </>
                  ) : (
                    "–"
                  )}
                </td>
                <td class="num" data-cell="baseline">
                  {percent(baseline.rate)} {baseline.ci && <small>95 % CI {interval(baseline.ci)}</small>}
                </td>
                <td data-cell="actions">
                  {rule && <RuleActions api={api} project={project} rule={rule} onChanged={onChanged} />}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </ScrollRegion>
  );
}

function AlertDetail(props: ViewProps & { alert: Alert }) {
  const { api, project, alert, state } = props;
  const history = useResource(`${project}|${alert.ruleId}|${alert.since}`, () =>
    api.alertHistory(project, { ruleId: alert.ruleId, limit: 100 }),
  );
  const record = alert.latest?.record ?? null;
  return (
    <section class="panel alert-detail" aria-labelledby="alert-h" data-alert={alert.ruleId}>
      <h2 id="alert-h">
        {alert.name} <StatusBadge status={alert.status} />
      </h2>
      <p class="muted">
        {CATEGORY_LABELS[alert.category]} · {STATUS_LABELS[alert.status].toLowerCase()} since{" "}
        <Time iso={alert.since} tz={state.tz} />
        {alert.latest && <> · {reasonText(alert.latest.reason)}</>}
      </p>
      {record ? (
        <>
          <RecordFacts record={record} tz={state.tz} />
          <Explanation {...props} record={record} />
        </>
      ) : (
        <p class="empty">This rule has not fired yet: there is nothing to explain.</p>
      )}
      <h3 id="history-h">History</h3>
      {history.error && <p class="error">{history.error.message}</p>}
      <HistoryTable entries={history.data ?? []} tz={state.tz} busy={history.loading} />
    </section>
  );
}

function RecordFacts({ record, tz }: { record: AlertRecord; tz: string }) {
  const { window, baseline, evidence, test } = record.statistics;
  return (
    <dl class="facts" data-facts>
      <div>
        <dt>Window</dt>
        <dd data-fact="window">
          {percent(window.poorRate)} poor ({count(window.poor)} of {count(window.surveys)}), 95 % CI{" "}
          {interval(window.poorRateCi95)} · {dateTime(window.from, tz)} – {dateTime(window.to, tz)}
        </dd>
      </div>
      <div>
        <dt>Baseline</dt>
        <dd data-fact="baseline">
          {percent(baseline.poorRate)} poor ({count(baseline.poor)} of {count(baseline.surveys)})
          {baseline.poorRateCi95 && <>, 95 % CI {interval(baseline.poorRateCi95)}</>} ·{" "}
          {baseline.type === "fixed"
            ? "fixed"
            : `${dateTime(baseline.from, tz)} – ${dateTime(baseline.to, tz)}`}
        </dd>
      </div>
      {evidence && (
        <div>
          <dt>Since the rise</dt>
          <dd data-fact="evidence">
            {percent(evidence.poorRate)} poor ({count(evidence.poor)} of {count(evidence.surveys)}) since{" "}
            {dateTime(evidence.since, tz)}
          </dd>
        </div>
      )}
      <div>
        <dt>Evidence</dt>
        <dd data-fact="test">
          {test.statistic.toFixed(2)} of {test.threshold === null ? "–" : test.threshold.toFixed(2)} needed to
          fire (boundary {percent(test.boundaryRate)})
        </dd>
      </div>
    </dl>
  );
}

/** "appVersion" → "App version", "dimension.region" → "Dimension region", "tag" → "Issue tag". */
export function dimensionLabel(dimension: string): string {
  if (dimension === "tag") return "Issue tag";
  if (dimension === "networkBand") return "Network band";
  if (dimension.startsWith("dimension.")) return `Dimension ${dimension.slice("dimension.".length)}`;
  return (CONTEXT_LABELS as Record<string, string>)[dimension] ?? dimension;
}

const excess = (value: number) => value.toFixed(1);

function Explanation(props: ViewProps & { record: AlertRecord }) {
  const shown = props.record.explanations.filter((e) => e.contributions.length > 0);
  return (
    <>
      <h3 id="explanation-h">What carries the excess poor ratings</h3>
      <p class="muted">
        Per breakdown, the values whose poor-rate in the window is above their baseline, largest excess first:
        observed minus expected poor ratings, with its 95 % interval. Bold: the interval excludes 0.
      </p>
      {shown.length === 0 && <p class="empty">No value carries an excess.</p>}
      {shown.map((e) => (
        <ExplanationTable key={e.dimension} explanation={e} />
      ))}
    </>
  );
}

function ExplanationTable({ explanation: e }: { explanation: AlertExplanation }) {
  const label = dimensionLabel(e.dimension);
  return (
    <ScrollRegion label={label} data-explanation={e.dimension}>
      <table class="excess">
        <caption>
          {label}
          {e.totalExcessPoor !== null && (
            <small>
              {" "}
              · total excess {excess(e.totalExcessPoor)}
              {e.composition !== null && <>, mix {excess(e.composition)}</>}
            </small>
          )}
        </caption>
        <thead>
          <tr>
            <th scope="col" class="num">
              #
            </th>
            <th scope="col">{label}</th>
            <th scope="col" class="num">
              Window
            </th>
            <th scope="col" class="num">
              Baseline
            </th>
            <th scope="col" class="num">
              Excess poor (95 % CI)
            </th>
            <th scope="col" class="num">
              Share
            </th>
          </tr>
        </thead>
        <tbody>
          {e.contributions.map((c, i) => (
            <ContributionRow key={c.value} rank={i + 1} c={c} />
          ))}
        </tbody>
      </table>
      {e.omitted > 0 && <p class="muted">{e.omitted} more values with a smaller excess.</p>}
    </ScrollRegion>
  );
}

function ContributionRow({ rank, c }: { rank: number; c: AlertContribution }) {
  return (
    <tr data-value={c.value} data-significant={c.significant}>
      <td class="num">{rank}</td>
      <th scope="row">{c.significant ? <strong>{c.value}</strong> : c.value}</th>
      <td class="num">
        {percent(c.window.poorRate)}{" "}
        <small>
          {count(c.window.poor)} of {count(c.window.surveys)}
        </small>
      </td>
      <td class="num">
        {percent(c.baseline.poorRate)}
        {c.baseline.source === "overall" && <small> overall</small>}
      </td>
      <td class="num" data-cell="excess">
        {excess(c.excessPoor)}{" "}
        <small>
          ({excess(c.excessPoorCi95[0])} – {excess(c.excessPoorCi95[1])})
        </small>
      </td>
      <td class="num">{percent(c.shareOfExcess, 0)}</td>
    </tr>
  );
}

function HistoryTable({ entries, tz, busy }: { entries: AlertTransition[]; tz: string; busy: boolean }) {
  if (!busy && entries.length === 0) return <p class="empty">No transitions yet.</p>;
  return (
    <ScrollRegion label="History" aria-busy={busy}>
      <table class="history" aria-labelledby="history-h">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Change</th>
            <th scope="col">Why</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((h) => (
            <tr key={h.id} data-transition={`${h.from}:${h.to}`}>
              <th scope="row">
                <Time iso={h.at} tz={tz} />
              </th>
              <td>
                <StatusBadge status={h.from} /> <span aria-hidden="true">→</span>
                <span class="sr-only">to</span> <StatusBadge status={h.to} />
              </td>
              <td>{reasonText(h.reason)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}

/** The text equivalent of the chart's alert bands, each linking to its alert. */
export function FiringList(props: { periods: FiringPeriod[]; state: ViewProps["state"] }) {
  const { periods, state } = props;
  if (periods.length === 0) return null;
  return (
    <div class="alert-marks">
      <h3 id="alert-marks-h">Alerts fired in this range (shaded on the chart)</h3>
      <ul aria-labelledby="alert-marks-h">
        {periods.map((p) => (
          <li key={`${p.ruleId}:${p.fromMs}`} data-firing={p.ruleId}>
            <span class={`swatch cat-${p.category}`} aria-hidden="true" />
            <a href={alertHref(state, p.ruleId)}>{p.name}</a> ({CATEGORY_LABELS[p.category]}) firing from{" "}
            <Time iso={new Date(p.fromMs).toISOString()} tz={state.tz} />{" "}
            {p.toMs === null ? (
              "and still firing"
            ) : (
              <>
                to <Time iso={new Date(p.toMs).toISOString()} tz={state.tz} />
              </>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
