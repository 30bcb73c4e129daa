import type { Logger } from "pino";
import type { AnalyticsReads } from "../analytics/analytics-reads.js";
import { summarize, timeSlots } from "../analytics/rollup-query.js";
import { appendOne } from "../outbox/outbox.js";
import type { Database } from "../store/database.js";
import { change, transaction } from "../store/transaction.js";
import { buildAlertRecord, type CallSurveyAlert } from "./alert-record.js";
import type { AlertTransition } from "./alert-state.js";
import { notifies } from "./alert-state.js";
import { baselinePeriod, type DetectorState, type Evaluation, evaluateRule } from "./detector.js";
import { explainAlert } from "./explain-inputs.js";
import { listRules, STATE_SLOT_MS, type StateSummary, type StoredRule } from "./rule-store.js";

/**
 * The alert evaluator: every tick, each enabled rule's detector is fed the counts of its cohort (the
 * analytics' 15-minute slots of the window, and the baseline period's totals), and its new state, the
 * transition (if any) with its `CallSurveyAlert` record, and the record's outbox entry are committed in
 * one transaction.
 *
 * **Once per tick across servers.** Evaluation times are tick boundaries (`floor(now / interval)`), so
 * every server evaluates a rule at the same instant. The state row carries a `version`; the commit is an
 * `UPDATE … WHERE version = <read version>`, and history and outbox are written only when it changed a
 * row. Of several servers evaluating a tick at once exactly one commits; the others' updates match no
 * row (PostgreSQL re-checks the condition after the winner commits) and they write nothing. A server
 * that reads a state already evaluated at this tick skips the rule without reading analytics.
 *
 * @module
 */

/** The outbox category of alert records. */
export const ALERT_CATEGORY = "CallSurveyAlert";

export interface EvaluatorOptions {
  db: Database;
  reads: AnalyticsReads;
  logger?: Logger;
  /** Length of a tick, ms; default 60 000 (AFTERCALL_ALERT_INTERVAL_SECONDS). */
  intervalMs?: number;
  /** Clock, injectable for tests. */
  now?: () => number;
  /** Called after a commit appended an alert record (wakes the delivery engine). */
  onAppended?: () => void;
  /** Public URL of the dashboard, for the records' links. */
  dashboardUrl?: string;
}

/** What one rule's evaluation did. */
export type RuleOutcome = "evaluated" | "skipped" | "lost-race";

interface StateRow {
  version: number | string;
  evaluated_at: number | string | null;
  detector: string;
}

function summaryOf(e: Evaluation): StateSummary {
  const w = e.statistics.window;
  return {
    held: e.decision.held,
    window: { surveys: w.surveys, poor: w.poor, poorRate: w.poorRate },
    statistic: e.statistics.test.statistic,
    threshold: e.statistics.test.threshold,
  };
}

/** Evaluate one rule at `nowMs` and commit it, unless another server already did this tick. */
export async function evaluateStoredRule(
  options: Pick<EvaluatorOptions, "db" | "reads" | "dashboardUrl">,
  stored: StoredRule,
  nowMs: number,
): Promise<{ outcome: RuleOutcome; transition: AlertTransition | null; record: CallSurveyAlert | null }> {
  const { db, reads } = options;
  const { projectId, id: ruleId, rule } = stored;
  const none = { transition: null, record: null };
  const [row] = await db.all<StateRow>(
    "SELECT version, evaluated_at, detector FROM alert_state WHERE project_id = ? AND rule_id = ?",
    [projectId, ruleId],
  );
  if (!row) return { outcome: "skipped", ...none };
  if (row.evaluated_at !== null && Number(row.evaluated_at) >= nowMs) return { outcome: "skipped", ...none };
  const state = JSON.parse(row.detector) as DetectorState;
  const windowMs = rule.windowMinutes * 60_000;
  const windowFrom = Math.floor((nowMs - windowMs) / STATE_SLOT_MS) * STATE_SLOT_MS;
  const period = baselinePeriod(rule, state, nowMs);
  const [slots, baseline] = await Promise.all([
    timeSlots(reads, projectId, { ...rule.filter, fromMs: windowFrom, toMs: nowMs }, rule.category),
    summarize(reads, projectId, { ...rule.filter, fromMs: period.fromMs, toMs: period.toMs }),
  ]);
  const base = baseline.categories.find((c) => c.category === rule.category);
  const evaluation = evaluateRule(rule, state, {
    nowMs,
    slotMs: STATE_SLOT_MS,
    slots: slots.map((s) => ({ startMs: s.startMs, surveys: s.surveys, poor: s.poor })),
    baseline: { ...period, surveys: base?.surveys ?? 0, poor: base?.poor ?? 0 },
  });
  const { transition, statistics } = evaluation;
  let record: CallSurveyAlert | null = null;
  if (transition && notifies(transition)) {
    const s = statistics;
    const explanations = await explainAlert(reads, projectId, rule, {
      window: { fromMs: s.window.fromMs, toMs: s.window.toMs },
      baseline: { fromMs: s.baseline.fromMs, toMs: s.baseline.toMs },
      totals: {
        window: { surveys: s.window.surveys, poor: s.window.poor },
        baseline: { surveys: s.baseline.surveys, poor: s.baseline.poor },
      },
    });
    record = buildAlertRecord({
      projectId,
      rule: { ...rule, id: ruleId },
      transition,
      statistics,
      explanations,
      firingSinceMs: evaluation.state.firing?.sinceMs ?? null,
      dashboardUrl: options.dashboardUrl
        ? // The dashboard's view state lives in its hash: the alerts view with this rule's alert selected.
          `${options.dashboardUrl.replace(/\/$/, "")}/#${new URLSearchParams({ view: "alerts", project: projectId, alert: ruleId })}`
        : null,
    });
  }
  const next = evaluation.state;
  const committed = await transaction(db, function* () {
    const changed = yield* change(
      `UPDATE alert_state SET version = version + 1, status = ?, status_since = ?, evaluated_at = ?, detector = ?, summary = ?
WHERE project_id = ? AND rule_id = ? AND version = ?`,
      [
        next.status,
        next.statusSinceMs,
        nowMs,
        JSON.stringify(next),
        JSON.stringify(summaryOf(evaluation)),
        projectId,
        ruleId,
        Number(row.version),
      ],
    );
    if (changed !== 1) return false;
    if (transition) {
      yield* change(
        `INSERT INTO alert_history (project_id, id, rule_id, from_status, to_status, reason, at, record)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          projectId,
          `${ruleId}:${transition.to}:${transition.atMs}`,
          ruleId,
          transition.from,
          transition.to,
          transition.reason,
          transition.atMs,
          record ? JSON.stringify(record) : null,
        ],
      );
      if (record) yield* appendOne(db.engine, projectId, ALERT_CATEGORY, record.id, nowMs);
    }
    return true;
  });
  return committed
    ? { outcome: "evaluated", transition, record }
    : { outcome: "lost-race", transition: null, record: null };
}

/** The evaluating loop of a server; several servers may run one on a shared store. */
export class AlertEvaluator {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;
  readonly intervalMs: number;

  constructor(private readonly options: EvaluatorOptions) {
    this.intervalMs = options.intervalMs ?? 60_000;
  }

  start(): void {
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    const now = (this.options.now ?? Date.now)();
    // Wake just after the next tick boundary, so that servers evaluate the same tick.
    const delay = this.intervalMs - (now % this.intervalMs) + 50;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((error: unknown) => this.options.logger?.warn({ err: error }, "alert evaluation failed"))
        .finally(() => {
          this.running = undefined;
          this.schedule();
        });
    }, delay);
    this.timer.unref();
  }

  /** Evaluate every enabled rule at the tick containing `nowMs`; one rule's failure does not stop the others. */
  async tick(nowMs = (this.options.now ?? Date.now)()): Promise<Record<RuleOutcome | "failed", number>> {
    const at = Math.floor(nowMs / this.intervalMs) * this.intervalMs;
    const counts = { evaluated: 0, skipped: 0, "lost-race": 0, failed: 0 };
    let appended = false;
    for (const stored of await listRules(this.options.db)) {
      if (this.stopped) break;
      if (!stored.enabled) continue;
      try {
        const result = await evaluateStoredRule(this.options, stored, at);
        counts[result.outcome]++;
        if (result.record) {
          appended = true;
          this.options.logger?.info(
            { projectId: stored.projectId, ruleId: stored.id, to: result.record.transition.to },
            "alert transition",
          );
        }
      } catch (error) {
        counts.failed++;
        this.options.logger?.warn(
          { err: error, projectId: stored.projectId, ruleId: stored.id },
          "alert rule evaluation failed",
        );
      }
    }
    if (appended) this.options.onAppended?.();
    return counts;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
