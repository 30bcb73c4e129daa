import type { SurveyRecord } from "@aftercall/schema";
import type { Database } from "../store/database.js";
import { decodeCursor, encodeCursor, surveyFilter } from "./survey-filter.js";
import type { SurveyPage, SurveyQuery } from "./survey-query.js";
import { rowToSurvey, type SurveyRow } from "./survey-row.js";

/**
 * Reads of stored surveys. The dashboard's (the explorer's list and the export) run on the store's
 * reader (`db.read`): on SQLite the analytics thread, on PostgreSQL the read pool, both paced while
 * surveys arrive (see PacedReads). A list filtered on a rare text may scan a whole range; on SQLite's
 * main thread it would hold up every commit meanwhile. Point reads use the primary connection.
 *
 * @module
 */

/** Surveys per statement of an export: memory stays flat whatever the size of the export. */
const EXPORT_CHUNK = 1000;

/** One page of the list, newest first, continuing after `page.cursor`. */
export async function listSurveys(
  db: Pick<Database, "read">,
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
  const rows = await db.read<SurveyRow>({ sql, params });
  const items = rows.slice(0, page.limit).map(rowToSurvey);
  const last = rows.length > page.limit ? rows[page.limit - 1] : undefined;
  return last ? { items, nextCursor: encodeCursor(Number(last.received_at), String(last.id)) } : { items };
}

/** Every survey of the query, oldest first, read in chunks by keyset (never an OFFSET). */
export async function* exportSurveys(
  db: Pick<Database, "read">,
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
    const rows = await db.read<SurveyRow>({ sql, params });
    for (const row of rows) yield rowToSurvey(row);
    if (rows.length < EXPORT_CHUNK) return;
    const last = rows[rows.length - 1] as SurveyRow;
    after = { at: Number(last.received_at), id: String(last.id) };
  }
}

/** One survey by id, or undefined. */
export async function getSurvey(
  db: Database,
  projectId: string,
  id: string,
): Promise<SurveyRecord | undefined> {
  const [row] = await db.all<SurveyRow>("SELECT * FROM surveys WHERE project_id = ? AND id = ?", [
    projectId,
    id,
  ]);
  return row ? rowToSurvey(row) : undefined;
}

/** How many surveys a project holds. */
export async function countSurveys(db: Database, projectId: string): Promise<number> {
  const [row] = await db.all<{ n: number | string }>(
    "SELECT count(*) AS n FROM surveys WHERE project_id = ?",
    [projectId],
  );
  return Number(row?.n ?? 0);
}
