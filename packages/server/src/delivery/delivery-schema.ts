import type { Dialect } from "../store/database.js";

/**
 * Routing to destinations (issue 4): diagnostic settings, their destinations (each with its cursor into
 * the outbox, `outbox/`) and parked batches.
 */
function settingTables({ int, bigint, text }: Dialect): string[] {
  return [
    `CREATE TABLE diagnostic_settings (
  id ${text} PRIMARY KEY,
  project_id ${text} NOT NULL REFERENCES projects(id),
  name ${text} NOT NULL,
  categories ${text} NOT NULL,
  format ${text} NOT NULL,
  created_at ${bigint} NOT NULL,
  updated_at ${bigint} NOT NULL,
  UNIQUE (project_id, name)
)`,
    `CREATE TABLE destinations (
  id ${text} PRIMARY KEY,
  setting_id ${text} NOT NULL REFERENCES diagnostic_settings(id) ON DELETE CASCADE,
  project_id ${text} NOT NULL,
  type ${text} NOT NULL,
  config ${text} NOT NULL,
  format ${text} NOT NULL,
  cursor_seq ${bigint} NOT NULL,
  paused ${int} NOT NULL DEFAULT 0,
  lease_owner ${text},
  lease_until ${bigint} NOT NULL DEFAULT 0,
  failed_attempts ${int} NOT NULL DEFAULT 0,
  next_attempt_at ${bigint} NOT NULL DEFAULT 0,
  delivered_records ${bigint} NOT NULL DEFAULT 0,
  last_success_at ${bigint},
  last_error ${text},
  last_error_at ${bigint},
  UNIQUE (setting_id, type)
)`,
    `CREATE TABLE parked_batches (
  id ${text} PRIMARY KEY,
  destination_id ${text} NOT NULL REFERENCES destinations(id) ON DELETE CASCADE,
  from_seq ${bigint} NOT NULL,
  to_seq ${bigint} NOT NULL,
  records ${int} NOT NULL,
  attempts ${int} NOT NULL,
  error ${text} NOT NULL,
  parked_at ${bigint} NOT NULL,
  retry_requested ${int} NOT NULL DEFAULT 0,
  UNIQUE (destination_id, from_seq)
)`,
  ];
}

/** Migration 3 (part): diagnostic settings, destinations and parked batches. */
export function deliveryTables(dialect: Dialect): string[] {
  return settingTables(dialect);
}

/**
 * Migration 11 (part): a backfill's selection per destination (see `inBackfill`): up to
 * `backfill_until_seq`, only entries received at or after `backfill_from_ms` are delivered again.
 */
export function backfillColumns({ bigint }: Dialect): string[] {
  return [
    `ALTER TABLE destinations ADD COLUMN backfill_from_ms ${bigint}`,
    `ALTER TABLE destinations ADD COLUMN backfill_until_seq ${bigint}`,
  ];
}
