import type { Database } from "../store/database.js";
import { commitPostgres } from "./commit-postgres.js";
import { commitSqlite } from "./commit-sqlite.js";
import type { GroupOutcome, SurveyGroup } from "./pending-survey.js";

/**
 * Commit the groups in one durable transaction. Retries of stored surveys are answered from the stored
 * record; a group with any conflicting survey writes nothing. Resolves only after the commit is durable.
 * The engines commit differently (SQLite: one synchronous IMMEDIATE transaction; PostgreSQL: optimistic
 * with retries under concurrent servers), with the same outcomes.
 */
export async function commitSurveyGroups(
  db: Database,
  groups: readonly SurveyGroup[],
): Promise<GroupOutcome[]> {
  db.noteCommit();
  if (db.engine === "postgres") return commitPostgres(db, groups);
  const outcomes = commitSqlite(db, groups);
  // Also after a commit that wrote nothing: a replayed retry's original may not be on disk yet.
  await db.durable();
  return outcomes;
}
