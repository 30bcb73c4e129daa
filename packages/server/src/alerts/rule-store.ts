import { randomUUID } from "node:crypto";
import {
  type Alert,
  type AlertHistoryEntry,
  type AlertRecord,
  type AlertRuleView,
  MAX_ALERT_RULES_PER_PROJECT,
} from "@aftercall/api";
import type { ValidationIssue } from "@aftercall/schema";
import { AftercallError } from "../errors.js";
import type { Database } from "../store/database.js";
import { change, rows, transaction } from "../store/transaction.js";
import { type AlertRule, validateAlertRule } from "./alert-rule.js";
import type { AlertStatus } from "./alert-state.js";
import { newDetectorState } from "./detector.js";

/**
 * Storage of a project's alert rules, their state rows and their history (tables of alerts-schema.ts).
 * A rule is stored as the validator's output (every default filled), so what is evaluated is exactly
 * what was checked.
 *
 * @module
 */

/** What the state row shows of the last evaluation (the full detector state stays internal). */
export interface StateSummary {
  held: string | null;
  window: { surveys: number; poor: number; poorRate: number | null } | null;
  statistic: number;
  threshold: number | null;
}

export const EMPTY_SUMMARY: StateSummary = { held: null, window: null, statistic: 0, threshold: null };

/** A stored rule with its id and switches. */
export interface StoredRule {
  projectId: string;
  id: string;
  rule: AlertRule;
  enabled: boolean;
  createdAtMs: number;
  updatedAtMs: number;
}

/** Fields of a rule that change what is watched: changing one restarts the detector. */
const WATCHED_FIELDS = [
  "category",
  "filter",
  "windowMinutes",
  "baseline",
  "minimumSurveys",
  "minimumEffect",
  "falseAlarmsPerWeek",
] as const;

/** Check a rule body (without `enabled`), or throw VALIDATION_FAILED listing every problem. */
export function checkRule(body: Record<string, unknown>): AlertRule {
  const { enabled: _enabled, ...fields } = body;
  const result = validateAlertRule(fields);
  if (result.ok) return result.value;
  // The alert-rule codes are in the contract's list of issue codes (ALERT_RULE_ISSUE_CODES).
  const issues = result.errors as unknown as ValidationIssue[];
  throw new AftercallError("VALIDATION_FAILED", (issues[0] as ValidationIssue).message, issues);
}

function enabledOf(body: Record<string, unknown>, current: boolean): boolean {
  if (body.enabled === undefined) return current;
  if (typeof body.enabled !== "boolean")
    throw new AftercallError("VALIDATION_FAILED", "enabled must be true or false.", [
      { code: "INVALID_TYPE", path: "enabled", message: "enabled must be true or false." },
    ]);
  return body.enabled;
}

const ruleFromRow = (row: Record<string, unknown>): StoredRule => ({
  projectId: String(row.project_id),
  id: String(row.id),
  rule: JSON.parse(String(row.rule)) as AlertRule,
  enabled: Number(row.enabled) === 1,
  createdAtMs: Number(row.created_at),
  updatedAtMs: Number(row.updated_at),
});

function* resetState(projectId: string, ruleId: string, nowMs: number, insert: boolean) {
  const detector = JSON.stringify(newDetectorState(nowMs, STATE_SLOT_MS));
  const summary = JSON.stringify(EMPTY_SUMMARY);
  if (insert)
    yield* change(
      `INSERT INTO alert_state (project_id, rule_id, version, status, status_since, evaluated_at, detector, summary)
VALUES (?, ?, 0, 'ok', ?, NULL, ?, ?)`,
      [projectId, ruleId, nowMs, detector, summary],
    );
  else
    yield* change(
      `UPDATE alert_state SET version = version + 1, status = 'ok', status_since = ?, evaluated_at = NULL, detector = ?, summary = ?
WHERE project_id = ? AND rule_id = ?`,
      [nowMs, detector, summary, projectId, ruleId],
    );
}

/** The evaluator reads 15-minute rollup slots (see evaluator.ts). */
export const STATE_SLOT_MS = 15 * 60_000;

/** Create a rule (state ok) or throw ALERT_RULE_LIMIT_REACHED. */
export async function createRule(
  db: Database,
  projectId: string,
  body: Record<string, unknown>,
  nowMs: number,
): Promise<StoredRule> {
  const rule = checkRule(body);
  const stored: StoredRule = {
    projectId,
    id: randomUUID(),
    rule,
    enabled: enabledOf(body, true),
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  };
  const created = await transaction(db, function* () {
    const [count] = yield* rows<{ n: number | string }>(
      "SELECT count(*) AS n FROM alert_rules WHERE project_id = ?",
      [projectId],
    );
    if (Number(count?.n ?? 0) >= MAX_ALERT_RULES_PER_PROJECT) return false;
    yield* change(
      "INSERT INTO alert_rules (project_id, id, rule, enabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
      [projectId, stored.id, JSON.stringify(rule), stored.enabled ? 1 : 0, nowMs, nowMs],
    );
    yield* resetState(projectId, stored.id, nowMs, true);
    return true;
  });
  if (!created)
    throw new AftercallError(
      "ALERT_RULE_LIMIT_REACHED",
      `A project may have at most ${MAX_ALERT_RULES_PER_PROJECT} alert rules.`,
    );
  return stored;
}

export async function getRule(db: Database, projectId: string, id: string): Promise<StoredRule | undefined> {
  const [row] = await db.all("SELECT * FROM alert_rules WHERE project_id = ? AND id = ?", [projectId, id]);
  return row ? ruleFromRow(row) : undefined;
}

export async function requireRule(db: Database, projectId: string, id: string): Promise<StoredRule> {
  const rule = await getRule(db, projectId, id);
  if (!rule) throw new AftercallError("NOT_FOUND", `Alert rule ${id} was not found.`);
  return rule;
}

/** Rules of a project, oldest first; or of every project (the evaluator). */
export async function listRules(db: Database, projectId?: string): Promise<StoredRule[]> {
  const found =
    projectId === undefined
      ? await db.all("SELECT * FROM alert_rules ORDER BY project_id, created_at, id")
      : await db.all("SELECT * FROM alert_rules WHERE project_id = ? ORDER BY created_at, id", [projectId]);
  return found.map(ruleFromRow);
}

/** Apply a patch: the result is checked as a whole; a change of what is watched restarts the detector. */
export async function updateRule(
  db: Database,
  projectId: string,
  id: string,
  patch: Record<string, unknown>,
  nowMs: number,
): Promise<StoredRule> {
  const current = await requireRule(db, projectId, id);
  const rule = checkRule({ ...current.rule, ...patch });
  const enabled = enabledOf(patch, current.enabled);
  const restart = WATCHED_FIELDS.some(
    (field) => JSON.stringify(rule[field]) !== JSON.stringify(current.rule[field]),
  );
  const updated = await transaction(db, function* () {
    const n = yield* change(
      "UPDATE alert_rules SET rule = ?, enabled = ?, updated_at = ? WHERE project_id = ? AND id = ?",
      [JSON.stringify(rule), enabled ? 1 : 0, nowMs, projectId, id],
    );
    if (n === 1 && restart) yield* resetState(projectId, id, nowMs, false);
    return n === 1;
  });
  if (!updated) throw new AftercallError("NOT_FOUND", `Alert rule ${id} was not found.`);
  return { ...current, rule, enabled, updatedAtMs: nowMs };
}

/** Delete a rule and its state; its history stays (the records were delivered). */
export async function deleteRule(db: Database, projectId: string, id: string): Promise<boolean> {
  return transaction(db, function* () {
    yield* change("DELETE FROM alert_state WHERE project_id = ? AND rule_id = ?", [projectId, id]);
    return (yield* change("DELETE FROM alert_rules WHERE project_id = ? AND id = ?", [projectId, id])) === 1;
  });
}

interface StateRow {
  rule_id: string;
  status: AlertStatus;
  status_since: number | string;
  evaluated_at: number | string | null;
  summary: string;
}

async function stateRows(db: Database, projectId: string): Promise<Map<string, StateRow>> {
  const found = await db.all<StateRow>(
    "SELECT rule_id, status, status_since, evaluated_at, summary FROM alert_state WHERE project_id = ?",
    [projectId],
  );
  return new Map(found.map((r) => [r.rule_id, r]));
}

const iso = (ms: number | string) => new Date(Number(ms)).toISOString();

function ruleView(stored: StoredRule, state: StateRow | undefined): AlertRuleView {
  const summary = state ? (JSON.parse(state.summary) as StateSummary) : EMPTY_SUMMARY;
  return {
    id: stored.id,
    projectId: stored.projectId,
    ...stored.rule,
    enabled: stored.enabled,
    createdAt: iso(stored.createdAtMs),
    updatedAt: iso(stored.updatedAtMs),
    state: {
      status: state?.status ?? "ok",
      since: iso(state?.status_since ?? stored.createdAtMs),
      lastEvaluatedAt: state?.evaluated_at == null ? null : iso(state.evaluated_at),
      ...summary,
    },
  } as AlertRuleView;
}

/** Rules of a project with their state, as the API shows them. */
export async function ruleViews(db: Database, projectId: string, only?: string): Promise<AlertRuleView[]> {
  const [rules, states] = await Promise.all([listRules(db, projectId), stateRows(db, projectId)]);
  return rules.filter((r) => only === undefined || r.id === only).map((r) => ruleView(r, states.get(r.id)));
}

const historyFromRow = (row: Record<string, unknown>): AlertHistoryEntry => ({
  id: String(row.id),
  ruleId: String(row.rule_id),
  from: String(row.from_status) as AlertStatus,
  to: String(row.to_status) as AlertStatus,
  reason: String(row.reason),
  at: iso(Number(row.at)),
  record: row.record == null ? null : (JSON.parse(String(row.record)) as AlertRecord),
});

/** Transitions, newest first. */
export async function listHistory(
  db: Database,
  projectId: string,
  page: { limit: number; beforeMs?: number; ruleId?: string },
): Promise<AlertHistoryEntry[]> {
  const byRule = page.ruleId === undefined ? "" : " AND rule_id = ?";
  const found = await db.all(
    `SELECT * FROM alert_history WHERE project_id = ? AND at < ?${byRule} ORDER BY at DESC, id DESC LIMIT ?`,
    [
      projectId,
      page.beforeMs ?? Number.MAX_SAFE_INTEGER,
      ...(page.ruleId === undefined ? [] : [page.ruleId]),
      page.limit,
    ],
  );
  return found.map(historyFromRow);
}

/** One history entry by its record id (the delivery engine renders CallSurveyAlert from it). */
export async function historyEntries(
  db: Database,
  projectId: string,
  ids: readonly string[],
): Promise<Map<string, AlertHistoryEntry>> {
  const out = new Map<string, AlertHistoryEntry>();
  for (const id of ids) {
    const [row] = await db.all("SELECT * FROM alert_history WHERE project_id = ? AND id = ?", [
      projectId,
      id,
    ]);
    if (row) out.set(id, historyFromRow(row));
  }
  return out;
}

const STATUS_ORDER: Record<AlertStatus, number> = { firing: 0, resolved: 1, ok: 2 };

/** Every rule's status with its latest notifying transition, firing first. */
export async function listAlerts(db: Database, projectId: string): Promise<Alert[]> {
  const [rules, states] = await Promise.all([listRules(db, projectId), stateRows(db, projectId)]);
  const alerts: Alert[] = [];
  for (const stored of rules) {
    const state = states.get(stored.id);
    const [latest] = await db.all(
      "SELECT * FROM alert_history WHERE project_id = ? AND rule_id = ? AND record IS NOT NULL ORDER BY at DESC, id DESC LIMIT 1",
      [projectId, stored.id],
    );
    alerts.push({
      ruleId: stored.id,
      name: stored.rule.name,
      category: stored.rule.category,
      status: state?.status ?? "ok",
      since: iso(state?.status_since ?? stored.createdAtMs),
      latest: latest ? historyFromRow(latest) : null,
    });
  }
  return alerts.sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status]);
}
