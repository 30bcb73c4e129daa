import type { Dialect } from "../store/database.js";

/** Migration 2 (part): survey lifecycle events (shown, dismissed, submitted). */
export function eventTable({ bigint, text }: Dialect): string[] {
  return [
    `CREATE TABLE survey_events (
  project_id ${text} NOT NULL REFERENCES projects(id),
  id ${text} NOT NULL,
  type ${text} NOT NULL,
  call_id ${text} NOT NULL,
  participant_id ${text} NOT NULL,
  survey_id ${text},
  client_time ${text} NOT NULL,
  received_at ${bigint} NOT NULL,
  PRIMARY KEY (project_id, id)
)`,
    "CREATE INDEX survey_events_project_time ON survey_events (project_id, received_at)",
  ];
}
