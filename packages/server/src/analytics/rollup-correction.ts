import { change, rows, type Step, values } from "../store/transaction.js";
import {
  batchQuery,
  coarsen,
  countBatch,
  negate,
  postgresDeleteEmpty,
  postgresUpsert,
  sqliteDeleteEmpty,
  sqliteUpsert,
} from "./rollup-fold.js";
import type { Engine } from "./rollup-tables.js";

/**
 * Taking surveys out of the rollups, for retention and erasure (`lifecycle/`). A survey is in the
 * rollups when it is folded (its outbox position is at or below the project's watermark); then deleting
 * its row must also subtract its counts, or the rollups would count a survey that no longer exists. An
 * unfolded survey is counted only from its raw row (the tail), so deleting the row is enough. Both run
 * in the deleting transaction while it holds the watermark, so a fold can neither run in between nor
 * fold a survey already gone.
 *
 * @module
 */

/**
 * Hold the project's watermark for the rest of the transaction and return it. On PostgreSQL the row is
 * locked (a fold in progress finishes first; the folders of other servers skip the project meanwhile);
 * on SQLite the transaction's write lock already excludes folds.
 */
export function* holdWatermark(engine: Engine, projectId: string): Generator<Step, number, unknown> {
  if (engine === "postgres") {
    yield* change(
      "INSERT INTO rollup_watermarks (project_id, seq, folded_at) VALUES (?, 0, 0) ON CONFLICT (project_id) DO NOTHING",
      [projectId],
    );
  }
  const lock = engine === "postgres" ? " FOR UPDATE" : "";
  const [row] = yield* rows<{ seq: number | string }>(
    `SELECT seq FROM rollup_watermarks WHERE project_id = ?${lock}`,
    [projectId],
  );
  return Number(row?.seq ?? 0);
}

/**
 * Subtract the counts of `surveyIds` (folded surveys of the project, still stored) from every rollup
 * table, and delete the rollup rows left at zero so the rollups hold exactly what a fold of the
 * remaining surveys would.
 */
export function* subtractFromRollups(
  engine: Engine,
  projectId: string,
  surveyIds: readonly string[],
): Generator<Step, void, unknown> {
  if (surveyIds.length === 0) return;
  const read = batchQuery(engine, projectId, surveyIds);
  const surveys = yield* values(read.sql, read.params);
  const deltas = negate(coarsen(countBatch(projectId, surveys)));
  for (const [table, tableRows] of deltas) {
    if (tableRows.length === 0) continue;
    if (engine === "sqlite") {
      for (const row of tableRows) yield* change(sqliteUpsert(table), row);
      for (const row of tableRows) yield* change(sqliteDeleteEmpty(table), row.slice(0, -1));
    } else {
      const upsert = postgresUpsert(table, tableRows);
      yield { sql: upsert.sql, params: upsert.params, result: "changes", numbered: true };
      const empty = postgresDeleteEmpty(table, tableRows);
      yield { sql: empty.sql, params: empty.params, result: "changes", numbered: true };
    }
  }
}
