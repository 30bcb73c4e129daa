import type { Dialect } from "../store/database.js";

/**
 * Migration 14: alert rules, each rule's detector state (one row, written only by a fenced update keyed
 * by its `version`, so that of several servers evaluating at once exactly one commits a tick), and the
 * history of transitions with the `CallSurveyAlert` record delivered for each (read by the delivery
 * engine by id, as the outbox entry's item).
 */
export function alertTables({ int, bigint, text }: Dialect): string[] {
  return [
    `CREATE TABLE alert_rules (
  project_id ${text} NOT NULL REFERENCES projects(id),
  id ${text} NOT NULL,
  rule ${text} NOT NULL,
  enabled ${int} NOT NULL,
  created_at ${bigint} NOT NULL,
  updated_at ${bigint} NOT NULL,
  PRIMARY KEY (project_id, id)
)`,
    `CREATE TABLE alert_state (
  project_id ${text} NOT NULL,
  rule_id ${text} NOT NULL,
  version ${bigint} NOT NULL,
  status ${text} NOT NULL,
  status_since ${bigint} NOT NULL,
  evaluated_at ${bigint},
  detector ${text} NOT NULL,
  summary ${text} NOT NULL,
  PRIMARY KEY (project_id, rule_id)
)`,
    `CREATE TABLE alert_history (
  project_id ${text} NOT NULL,
  id ${text} NOT NULL,
  rule_id ${text} NOT NULL,
  from_status ${text} NOT NULL,
  to_status ${text} NOT NULL,
  reason ${text} NOT NULL,
  at ${bigint} NOT NULL,
  record ${text},
  PRIMARY KEY (project_id, id)
)`,
    "CREATE INDEX alert_history_project_time ON alert_history (project_id, at DESC, id DESC)",
  ];
}
