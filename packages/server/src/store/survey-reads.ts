import type { SurveyEventType, SurveyRecord } from "@aftercall/schema";
import { decodeCursor, encodeCursor, surveyFilter } from "./list-query.js";
import type { RunSql } from "./rollup-split.js";
import { eventCounts } from "./rows.js";
import type { SurveyPage, SurveyQuery } from "./store.js";
import { rowToSurvey, type SurveyRow } from "./survey-row.js";

/**
 * The dashboard's reads of raw surveys (the explorer's list, the export, the response rate), written
 * once for both engines and run by the store's reader (`run`): on SQLite the analytics thread, on
 * PostgreSQL the read pool, both paced while surveys arrive (see PacedReads). A list filtered on a rare
 * text may scan a whole range; on SQLite's main thread it would hold up every commit meanwhile.
 *
 * @module
 */

/** Surveys per statement of an export: memory stays flat whatever the size of the export. */
const EXPORT_CHUNK = 1000;

/** One page of the list, newest first, continuing after `page.cursor`. */
export async function listSurveys(
  run: RunSql,
  projectId: string,
  query: SurveyQuery,
  page: { limit: number; cursor?: string },
): Promise<SurveyPage> {
  const filter = surveyFilter(projectId, query);
  let sql = `SELECT * FROM surveys WHERE ${filter.sql}`;
  const params = [...filter.params];
  const after = page.cursor ? decodeCursor(page.cursor) : undefined;
  if (after) {
    sql += " AND (received_at < ? OR (received_at = ? AND id < ?))";
    params.push(after.receivedAtMs, after.receivedAtMs, after.id);
  }
  // One row more than the page tells whether another page follows.
  sql += " ORDER BY received_at DESC, id DESC LIMIT ?";
  params.push(page.limit + 1);
  const rows = await run<SurveyRow>({ sql, params });
  const items = rows.slice(0, page.limit).map(rowToSurvey);
  const last = rows.length > page.limit ? rows[page.limit - 1] : undefined;
  return last ? { items, nextCursor: encodeCursor(Number(last.received_at), String(last.id)) } : { items };
}

/** Every survey of the query, oldest first, read in chunks by keyset (never an OFFSET). */
export async function* exportSurveys(
  run: RunSql,
  projectId: string,
  query: SurveyQuery,
): AsyncIterable<SurveyRecord> {
  const filter = surveyFilter(projectId, query);
  let after: { at: number; id: string } | undefined;
  for (;;) {
    const params = [...filter.params];
    let sql = `SELECT * FROM surveys WHERE ${filter.sql}`;
    if (after) {
      sql += " AND (received_at > ? OR (received_at = ? AND id > ?))";
      params.push(after.at, after.at, after.id);
    }
    sql += ` ORDER BY received_at ASC, id ASC LIMIT ${EXPORT_CHUNK}`;
    const rows = await run<SurveyRow>({ sql, params });
    for (const row of rows) yield rowToSurvey(row);
    if (rows.length < EXPORT_CHUNK) return;
    const last = rows[rows.length - 1] as SurveyRow;
    after = { at: Number(last.received_at), id: String(last.id) };
  }
}

/** Lifecycle events of the project received in the range, per type. */
export async function countEvents(
  run: RunSql,
  projectId: string,
  range: { fromMs?: number; toMs?: number },
): Promise<Record<SurveyEventType, number>> {
  const rows = await run<{ type: string; n: number | string }>({
    sql: "SELECT type, count(*) AS n FROM survey_events WHERE project_id = ? AND received_at >= ? AND received_at < ? GROUP BY type",
    params: [projectId, range.fromMs ?? 0, range.toMs ?? Number.MAX_SAFE_INTEGER],
  });
  return eventCounts(rows);
}
