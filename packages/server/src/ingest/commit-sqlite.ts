import { sqliteAppend } from "../outbox/outbox.js";
import type { SqliteDatabase } from "../store/database.js";
import { rowToSurvey, SURVEY_COLUMNS, type SurveyRow, surveyToRow } from "../surveys/survey-row.js";
import type { GroupOutcome, SurveyGroup } from "./pending-survey.js";
import { groupKeys, planCommit, type StoredSurvey, surveyKey } from "./plan-commit.js";

const INSERT_SURVEY = `INSERT INTO surveys (${SURVEY_COLUMNS.join(", ")}) VALUES (${SURVEY_COLUMNS.map((c) => `@${c}`).join(", ")}) ON CONFLICT (project_id, id) DO NOTHING`;
const SELECT_SURVEY = "SELECT * FROM surveys WHERE project_id = ? AND id = ?";

/**
 * SQLite's commit: one synchronous IMMEDIATE transaction that looks up the ids, plans (retries replay,
 * conflicts write nothing of their group), inserts the surveys and appends them to the outbox — and
 * nothing else: rollups are folded after the commit (`analytics/rollup-folder.ts`). IMMEDIATE takes the write lock up front, so no
 * other process can insert between lookup and insert; the driver is synchronous, so no other statement
 * of this process can either.
 */
export function commitSqlite(db: SqliteDatabase, groups: readonly SurveyGroup[]): GroupOutcome[] {
  const select = db.prepare(SELECT_SURVEY);
  const insert = db.prepare(INSERT_SURVEY);
  const append = sqliteAppend(db);
  const commit = db.connection.transaction(() => {
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
    for (const { record, contentHash } of plan.inserts) {
      insert.run(surveyToRow(record, contentHash));
      append(record.projectId, "CallSurvey", record.id, Date.parse(record.receivedAt));
    }
    return plan.outcomes;
  });
  return commit.immediate();
}
