import { sqliteAppend } from "../outbox/outbox.js";
import type { SqliteDatabase } from "../store/database.js";
import { rowToSurvey, SURVEY_COLUMNS, type SurveyRow, surveyToRow } from "../surveys/survey-row.js";
import type { GroupOutcome, PendingSurvey, SurveyGroup } from "./pending-survey.js";
import { groupKeys, planCommit, type StoredSurvey, surveyKey } from "./plan-commit.js";

const INSERT_SURVEY = `INSERT INTO surveys (${SURVEY_COLUMNS.join(", ")}) VALUES (${SURVEY_COLUMNS.map((c) => `@${c}`).join(", ")}) ON CONFLICT (project_id, id) DO NOTHING`;
const SELECT_SURVEY = "SELECT * FROM surveys WHERE project_id = ? AND id = ?";

/** The optimistic commit met a stored survey: undo it and commit the careful way. */
class AlreadyStored extends Error {}

/**
 * SQLite's commit: one synchronous IMMEDIATE transaction that inserts the surveys and appends them to the
 * outbox — and nothing else: rollups are folded after the commit (`analytics/rollup-folder.ts`).
 * IMMEDIATE takes the write lock up front, so no other process can write meanwhile; the driver is
 * synchronous, so no other statement of this process can either.
 *
 * Almost every survey is new, so the commit is optimistic: it inserts without looking anything up. If a
 * survey turns out to be stored already (a retry, or the same id with other content), that transaction
 * is rolled back and the commit redone the careful way: look the ids up, plan (retries replay, conflicts
 * write nothing of their group), insert what the plan allows.
 */
export function commitSqlite(db: SqliteDatabase, groups: readonly SurveyGroup[]): GroupOutcome[] {
  const insert = db.prepare(INSERT_SURVEY);
  const append = sqliteAppend(db);
  const write = (surveys: readonly PendingSurvey[], mustBeNew: boolean) => {
    for (const { record, contentHash, rollupDimensions } of surveys) {
      if (insert.run(surveyToRow(record, contentHash, rollupDimensions)).changes === 0) {
        if (mustBeNew) throw new AlreadyStored();
        continue;
      }
      append(record.projectId, "CallSurvey", record.id, Date.parse(record.receivedAt));
    }
  };
  const optimistic = planCommit(groups, new Map());
  if (optimistic.outcomes.every((o) => o.status === "committed")) {
    try {
      return db.connection
        .transaction(() => {
          write(optimistic.inserts, true);
          return optimistic.outcomes;
        })
        .immediate();
    } catch (error) {
      if (!(error instanceof AlreadyStored)) throw error;
    }
  }
  const select = db.prepare(SELECT_SURVEY);
  const careful = db.connection.transaction(() => {
    const existing = new Map<string, StoredSurvey>();
    for (const { projectId, id } of groupKeys(groups)) {
      const row = select.get(projectId, id) as SurveyRow | undefined;
      if (row)
        existing.set(surveyKey(projectId, id), {
          contentHash: String(row.content_hash),
          record: rowToSurvey(row),
        });
    }
    const plan = planCommit(groups, existing);
    write(plan.inserts, false);
    return plan.outcomes;
  });
  return careful.immediate();
}
