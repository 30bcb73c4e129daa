import type { Dialect } from "../store/database.js";

/**
 * The outbox's table, `delivery_log`, and its history.
 *
 * Migration 3 created it with insert triggers on `surveys` and `survey_events` and ordered PostgreSQL's
 * entries with an advisory lock taken by every committing transaction. Migration 6 drops the triggers:
 * the commit appends its entries itself, in one statement per group commit, and PostgreSQL positions
 * them by transaction id (see `outbox.ts`), without a lock that serialises commits.
 *
 * @module
 */

const SQLITE_LOG_V3 = [
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

/** Migration 3 (part): the log and the triggers that filled it then, in the dialect's form. */
export function outboxTableV3(dialect: Dialect): string[] {
  return dialect.engine === "sqlite" ? SQLITE_LOG_V3 : postgresDeliveryLog();
}

/**
 * Migration 6 (part): commits append to the log themselves. The triggers go; on PostgreSQL positions
 * come from transaction ids from now on (see `outbox.ts`): every entry written so far (numbered by the
 * old sequence) lies below every one written after, since a transaction id times the stride exceeds
 * the number of entries any earlier transactions can have appended.
 */
export function outboxAppendedByCommits(dialect: Dialect): string[] {
  return dialect.engine === "sqlite"
    ? ["DROP TRIGGER surveys_delivery_log", "DROP TRIGGER survey_events_delivery_log"]
    : [
        "DROP TRIGGER surveys_delivery_log ON surveys",
        "DROP FUNCTION surveys_delivery_log()",
        "DROP TRIGGER survey_events_delivery_log ON survey_events",
        "DROP FUNCTION survey_events_delivery_log()",
        "ALTER TABLE delivery_log ALTER COLUMN seq DROP DEFAULT",
      ];
}
