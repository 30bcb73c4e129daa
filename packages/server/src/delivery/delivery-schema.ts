import type { Dialect } from "../store/database.js";

/**
 * Routing to destinations (issue 4). `delivery_log` is the transactional outbox: a trigger appends one
 * entry per stored survey or lifecycle event in the inserting transaction, so an entry exists exactly when
 * its survey is committed. `seq` orders entries in commit order (PostgreSQL: see `postgresDeliveryLog`), and
 * each destination keeps a cursor into it; backfill moves a cursor back.
 */
function deliveryTables({ int, bigint, text }: Dialect): string[] {
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

const SQLITE_DELIVERY_LOG = [
  `CREATE TABLE delivery_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL,
  category TEXT NOT NULL,
  item_id TEXT NOT NULL,
  received_at INTEGER NOT NULL
)`,
  "CREATE INDEX delivery_log_project ON delivery_log (project_id, seq)",
  // One writer at a time (SQLite's write lock), so AUTOINCREMENT order is commit order.
  `CREATE TRIGGER surveys_delivery_log AFTER INSERT ON surveys BEGIN
  INSERT INTO delivery_log (project_id, category, item_id, received_at)
  VALUES (NEW.project_id, 'CallSurvey', NEW.id, NEW.received_at);
END`,
  `CREATE TRIGGER survey_events_delivery_log AFTER INSERT ON survey_events BEGIN
  INSERT INTO delivery_log (project_id, category, item_id, received_at)
  VALUES (NEW.project_id, 'CallSurveyEvent', NEW.id, NEW.received_at);
END`,
  "INSERT INTO delivery_log (project_id, category, item_id, received_at) SELECT project_id, 'CallSurvey', id, received_at FROM surveys ORDER BY received_at, id",
  "INSERT INTO delivery_log (project_id, category, item_id, received_at) SELECT project_id, 'CallSurveyEvent', id, received_at FROM survey_events ORDER BY received_at, id",
];

/** Key of the transaction-scoped advisory lock that orders delivery log entries (ASCII "acdlog"). */
export const DELIVERY_LOG_LOCK = 0x6163646c6f67;

/**
 * PostgreSQL hands out sequence values in call order, not commit order: a reader could pass seq 11 while
 * seq 10 is still uncommitted, and never see 10. The statement trigger therefore takes a transaction-scoped
 * advisory lock before drawing values, so transactions that append to the log commit one after the other
 * and a cursor never skips an entry. Only the log append and the commit are serialised, not validation or
 * the survey insert itself.
 */
function postgresDeliveryLog(): string[] {
  const trigger = (table: string, category: string) => [
    `CREATE FUNCTION ${table}_delivery_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(${DELIVERY_LOG_LOCK});
  INSERT INTO delivery_log (project_id, category, item_id, received_at)
  SELECT project_id, '${category}', id, received_at FROM inserted ORDER BY project_id, id;
  RETURN NULL;
END $$`,
    `CREATE TRIGGER ${table}_delivery_log AFTER INSERT ON ${table}
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION ${table}_delivery_log()`,
  ];
  return [
    `CREATE TABLE delivery_log (
  seq bigserial PRIMARY KEY,
  project_id text NOT NULL,
  category text NOT NULL,
  item_id text NOT NULL,
  received_at bigint NOT NULL
)`,
    "CREATE INDEX delivery_log_project ON delivery_log (project_id, seq)",
    ...trigger("surveys", "CallSurvey"),
    ...trigger("survey_events", "CallSurveyEvent"),
    "INSERT INTO delivery_log (project_id, category, item_id, received_at) SELECT project_id, 'CallSurvey', id, received_at FROM surveys ORDER BY received_at, id",
    "INSERT INTO delivery_log (project_id, category, item_id, received_at) SELECT project_id, 'CallSurveyEvent', id, received_at FROM survey_events ORDER BY received_at, id",
  ];
}

/** Migration 3: diagnostic settings, destinations, parked batches and the delivery log with its triggers. */
export function deliveryMigration(dialect: Dialect): string[] {
  return [
    ...deliveryTables(dialect),
    ...(dialect.engine === "sqlite" ? SQLITE_DELIVERY_LOG : postgresDeliveryLog()),
  ];
}
