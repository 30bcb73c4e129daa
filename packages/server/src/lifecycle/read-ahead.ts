import {
  coarsen,
  countBatch,
  FOLD_COLUMN_NAMES,
  FOLD_COLUMNS,
  sqliteRowLookup,
} from "../analytics/rollup-fold.js";
import type { Database, SqlFragment } from "../store/database.js";

/**
 * SQLite: the pages a sweep batch is about to touch, read first on the store's reader thread. The sweep
 * deletes the oldest surveys, whose pages have long left the page cache: the table rows, their entries
 * in the random-ordered indexes (id, call, participant) and the rollup rows of their old slots. Read
 * inside the batch, those misses run on the event loop while the batch holds the write lock, and at 10M
 * surveys one batch then held up ingestion for tens of ms (bench:lifecycle: ingestion p99 5.2× idle).
 * Read here first, off the event loop and without the lock, the batch finds them in the OS page cache.
 *
 * Only a hint: the batch selects its surveys again itself, so a survey that changed in between is
 * handled as without it. Reads go through the store's paced reader (`store/paced-reads.ts`) like
 * dashboard reads, so a sweep and dashboards share the reader's time.
 *
 * @module
 */

/** What a read-ahead read: surveys, their index entries, and the rollup rows looked up and found. */
export interface ReadAhead {
  surveys: number;
  indexEntries: number;
  rollupRows: number;
  rollupRowsFound: number;
}

/** Read the pages the sweep's next batch of at most `limit` surveys older than `beforeMs` will touch. */
export async function readAheadExpiredSurveys(
  db: Database,
  projectId: string,
  beforeMs: number,
  limit: number,
): Promise<ReadAhead> {
  const batch = await db.read<Record<string, unknown>>({
    sql: `SELECT id AS ahead_id, call_id AS ahead_call, participant_id AS ahead_participant, ${FOLD_COLUMNS.join(", ")}
FROM surveys WHERE project_id = ? AND received_at < ? ORDER BY received_at, id LIMIT ?`,
    params: [projectId, beforeMs, limit],
  });
  if (batch.length === 0) return { surveys: 0, indexEntries: 0, rollupRows: 0, rollupRowsFound: 0 };
  const inList = (column: string) => JSON.stringify(batch.map((row) => row[column]));
  const reads: SqlFragment[] = [
    // count(*) reads only the index's own pages: the entries the batch's DELETE will remove.
    {
      sql: "SELECT count(*) AS n FROM surveys WHERE project_id = ? AND id IN (SELECT value FROM json_each(?))",
      params: [projectId, inList("ahead_id")],
    },
    {
      sql: "SELECT count(*) AS n FROM surveys INDEXED BY surveys_project_call WHERE project_id = ? AND call_id IN (SELECT value FROM json_each(?))",
      params: [projectId, inList("ahead_call")],
    },
    {
      sql: "SELECT count(*) AS n FROM surveys INDEXED BY surveys_project_participant WHERE project_id = ? AND participant_id IN (SELECT value FROM json_each(?))",
      params: [projectId, inList("ahead_participant")],
    },
  ];
  // The rollup rows the batch will subtract from, found the way the batch counts them.
  const counted = batch.map((row) => FOLD_COLUMN_NAMES.map((name) => row[name]));
  for (const [table, rows] of coarsen(countBatch(projectId, counted)))
    for (const row of rows) reads.push({ sql: sqliteRowLookup(table), params: row.slice(0, -1) });
  // Asked in one tick: one message to the reader thread, one read transaction.
  const answers = await Promise.all(reads.map((read) => db.read<{ n: number }>(read)));
  return {
    surveys: batch.length,
    indexEntries: answers.slice(0, 3).reduce((sum, [row]) => sum + Number(row?.n ?? 0), 0),
    rollupRows: reads.length - 3,
    rollupRowsFound: answers.slice(3).filter((rows) => rows.length > 0).length,
  };
}
