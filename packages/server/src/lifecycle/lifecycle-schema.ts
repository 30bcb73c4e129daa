import type { Dialect } from "../store/database.js";

/**
 * Migration 9 (part): erasure receipts, the free-text sweeper's progress, and the indexes erasure needs
 * to find one participant's or one call's lifecycle events without scanning the project.
 */
export function lifecycleTables({ int, bigint, text }: Dialect): string[] {
  return [
    `CREATE TABLE erasures (
  project_id ${text} NOT NULL REFERENCES projects(id),
  id ${text} NOT NULL,
  selector ${text} NOT NULL,
  selector_hash ${text} NOT NULL,
  requested_by ${text} NOT NULL,
  requested_at ${bigint} NOT NULL,
  surveys ${int} NOT NULL,
  events ${int} NOT NULL,
  pending_deliveries ${int} NOT NULL,
  erased_ids ${text} NOT NULL,
  PRIMARY KEY (project_id, id)
)`,
    "CREATE INDEX erasures_project_time ON erasures (project_id, requested_at DESC, id DESC)",
    `CREATE TABLE lifecycle_progress (
  project_id ${text} PRIMARY KEY REFERENCES projects(id),
  free_text_cleared_at ${bigint} NOT NULL,
  free_text_cleared_id ${text} NOT NULL
)`,
    "CREATE INDEX survey_events_project_participant ON survey_events (project_id, participant_id)",
    "CREATE INDEX survey_events_project_call ON survey_events (project_id, call_id)",
  ];
}

/**
 * Migration 11 (part): how far the outbox was pruned per project (entries received before this time may
 * be gone, so a backfill from earlier is refused).
 */
export function outboxPruningColumns({ bigint }: Dialect): string[] {
  return [`ALTER TABLE lifecycle_progress ADD COLUMN log_pruned_before_ms ${bigint} NOT NULL DEFAULT 0`];
}
