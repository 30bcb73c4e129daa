import type postgres from "postgres";
import { postgresAppendSql } from "../outbox/outbox.js";
import type { PostgresDatabase } from "../store/database.js";
import { sqlState } from "../store/postgres/postgres-database.js";
import {
  rowToSurvey,
  SURVEY_COLUMN_TYPES,
  SURVEY_COLUMNS,
  type SurveyRow,
  surveyToRow,
} from "../surveys/survey-row.js";
import type { GroupOutcome, PendingSurvey, SurveyGroup } from "./pending-survey.js";
import { type CommitPlan, groupKeys, planCommit, type StoredSurvey, surveyKey } from "./plan-commit.js";

const COMMIT_ATTEMPTS = 5;
/** SQLSTATEs after which the whole commit is simply retried. */
const RETRYABLE = new Set(["40001", "40P01"]); // serialization_failure, deadlock_detected

type Tx = postgres.TransactionSql<{ bigint: number }>;

/** Another server inserted one of our surveys between our lookup and our insert: redo the commit. */
class RaceError extends Error {
  constructor() {
    super("A concurrent commit stored one of the surveys first");
    this.name = "RaceError";
  }
}

/**
 * The optimistic insert wrote surveys of a group that turns out to conflict with a stored survey: roll
 * back, so nothing of that group stays written, and redo the commit planning first.
 */
class PlanFirst extends Error {
  constructor() {
    super("A group conflicts with a stored survey; redo the commit with the plan first");
    this.name = "PlanFirst";
  }
}

/**
 * One statement inserts a whole batch and appends what it inserted to the outbox: one array parameter
 * per column, whatever the batch size (46, not 46 per survey), prepared once per connection. Returns the
 * keys it inserted; a key already stored is skipped (`ON CONFLICT DO NOTHING`), and a key another
 * transaction is inserting waits for its outcome. Nothing else happens in the commit: rollups are
 * folded after it (`analytics/rollup-folder.ts`), and the outbox needs no lock (`outbox/outbox.ts`).
 */
const INSERT_AND_LOG = `WITH inserted AS (
  INSERT INTO surveys (${SURVEY_COLUMNS.join(", ")})
  SELECT * FROM unnest(${SURVEY_COLUMN_TYPES.map((type, i) => `$${i + 1}::${type}[]`).join(", ")})
  ON CONFLICT (project_id, id) DO NOTHING RETURNING project_id, id, received_at
), logged AS (${postgresAppendSql("inserted", "CallSurvey")})`;
const INSERT_SURVEYS = `${INSERT_AND_LOG}
SELECT project_id, id FROM inserted`;
/**
 * {@link INSERT_SURVEYS} as one statement in its own transaction (autocommit: one round trip instead of
 * BEGIN, insert, COMMIT), all or nothing: the last parameter is how many surveys it must insert, and when
 * fewer were inserted (some were stored already) the division by zero aborts the statement, so nothing
 * of it stays written and the commit is redone in a transaction that can look at the stored ones.
 */
const INSERT_ALL_NEW = `${INSERT_AND_LOG}
SELECT count(*) / (CASE WHEN count(*) = $${SURVEY_COLUMNS.length + 1}::bigint THEN 1 ELSE 0 END) AS inserted FROM inserted`;
/** SQLSTATE of {@link INSERT_ALL_NEW}'s refusal: division_by_zero. */
const NOT_ALL_NEW = "22012";

const SELECT_SURVEYS =
  "SELECT * FROM surveys WHERE (project_id, id) IN (SELECT * FROM unnest($1::text[], $2::text[]))";

/** The surveys as one array per column, in `SURVEY_COLUMNS` order, for {@link INSERT_SURVEYS}. */
function insertColumns(surveys: readonly PendingSurvey[]): Array<Array<string | number | null>> {
  const columns = SURVEY_COLUMNS.map(() => new Array<string | number | null>(surveys.length));
  surveys.forEach(({ record, contentHash, rollupDimensions }, r) => {
    const row = surveyToRow(record, contentHash, rollupDimensions);
    SURVEY_COLUMNS.forEach((column, c) => {
      (columns[c] as Array<string | number | null>)[r] = row[column] ?? null;
    });
  });
  return columns;
}

const conflictFree = (outcomes: readonly GroupOutcome[]): boolean =>
  outcomes.every((o) => o.status === "committed");

/**
 * PostgreSQL's commit. Commits are optimistic: almost every survey is new, so the batch is first
 * inserted by one statement in a transaction of its own ({@link INSERT_ALL_NEW}: one round trip), which
 * writes everything or, if any survey is stored already, nothing. Then it is inserted again in a
 * transaction, and the surveys not inserted are looked up in it: retries (same content) are answered
 * from the stored record; a conflict (other content under a stored id) rolls back, and the commit is
 * redone the careful way — look up, plan, insert only what the plan allows — so a conflicting group
 * writes nothing. If another server stored one of the surveys in between, the transaction is rolled
 * back and redone, so each survey is written exactly once. Inserts run in (project, id) order, so
 * concurrent commits, here or on other servers, take row locks in the same order and do not deadlock.
 */
export async function commitPostgres(
  db: PostgresDatabase,
  groups: readonly SurveyGroup[],
): Promise<GroupOutcome[]> {
  const optimistic = planCommit(groups, new Map());
  if (optimistic.inserts.length === 0) return optimistic.outcomes;
  // Two different surveys under one id within this commit: no insert can help, plan first.
  let planFirst = !conflictFree(optimistic.outcomes);
  // Almost always every survey is new: then one statement commits them.
  if (!planFirst && (await insertAllNew(db, optimistic.inserts))) return optimistic.outcomes;
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.sql.begin((tx) =>
        planFirst ? commitPlanned(tx, groups) : commitOptimistic(tx, groups, optimistic),
      );
    } catch (error) {
      if (error instanceof PlanFirst) {
        planFirst = true;
        attempt--; // not a failed attempt: the next one cannot take this path again
        continue;
      }
      if (!(error instanceof RaceError) && !RETRYABLE.has(sqlState(error))) throw error;
      if (attempt >= COMMIT_ATTEMPTS) {
        throw new Error(
          `Survey commit did not settle after ${COMMIT_ATTEMPTS} attempts under concurrent writes`,
          { cause: error },
        );
      }
    }
  }
}

/** Insert everything, then look up what was already stored; see {@link commitPostgres}. */
async function commitOptimistic(
  tx: Tx,
  groups: readonly SurveyGroup[],
  optimistic: CommitPlan,
): Promise<GroupOutcome[]> {
  const inserted = await insertSurveys(tx, optimistic.inserts);
  if (inserted.size === optimistic.inserts.length) return optimistic.outcomes;
  const missing = optimistic.inserts
    .map(({ record }) => ({ projectId: record.projectId, id: record.id }))
    .filter((k) => !inserted.has(surveyKey(k.projectId, k.id)));
  const existing = await lookUp(tx, missing);
  // Skipped by ON CONFLICT, yet not visible now: it was deleted in between. Start over.
  if (existing.size < missing.length) throw new RaceError();
  const plan = planCommit(groups, existing);
  if (!conflictFree(plan.outcomes)) throw new PlanFirst();
  return plan.outcomes;
}

/** Look up, plan, then insert exactly the plan's surveys. */
async function commitPlanned(tx: Tx, groups: readonly SurveyGroup[]): Promise<GroupOutcome[]> {
  const plan = planCommit(groups, await lookUp(tx, groupKeys(groups)));
  if (plan.inserts.length > 0) {
    const inserted = await insertSurveys(tx, plan.inserts);
    if (inserted.size < plan.inserts.length) throw new RaceError();
  }
  return plan.outcomes;
}

/**
 * Insert `surveys` (sorted by project and id) in one statement of its own, if none is stored yet: true
 * when it committed them all, false when it wrote nothing (one was stored, or a concurrent commit
 * deadlocked with it) and the commit must be redone in a transaction.
 */
async function insertAllNew(db: PostgresDatabase, surveys: readonly PendingSurvey[]): Promise<boolean> {
  try {
    await db.sql.unsafe(INSERT_ALL_NEW, [...insertColumns(surveys), surveys.length], { prepare: true });
    return true;
  } catch (error) {
    const state = sqlState(error);
    if (state === NOT_ALL_NEW || RETRYABLE.has(state)) return false;
    throw error;
  }
}

/** Insert `surveys` (sorted by project and id), skipping stored ones; the keys inserted. */
async function insertSurveys(tx: Tx, surveys: readonly PendingSurvey[]): Promise<Set<string>> {
  const rows = await tx.unsafe<Array<{ project_id: string; id: string }>>(
    INSERT_SURVEYS,
    insertColumns(surveys),
    { prepare: true },
  );
  return new Set(rows.map((row) => surveyKey(row.project_id, row.id)));
}

async function lookUp(
  tx: Tx,
  keys: ReadonlyArray<{ projectId: string; id: string }>,
): Promise<Map<string, StoredSurvey>> {
  const existing = new Map<string, StoredSurvey>();
  if (keys.length === 0) return existing;
  const rows = await tx.unsafe<SurveyRow[]>(
    SELECT_SURVEYS,
    [keys.map((k) => k.projectId), keys.map((k) => k.id)],
    { prepare: true },
  );
  for (const row of rows) {
    existing.set(surveyKey(String(row.project_id), String(row.id)), {
      contentHash: String(row.content_hash),
      record: rowToSurvey(row),
    });
  }
  return existing;
}
