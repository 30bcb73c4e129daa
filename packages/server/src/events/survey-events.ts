import type { SurveyEvent, SurveyEventType } from "@aftercall/schema";
import { type Database, marks, type SqlParam } from "../store/database.js";

/**
 * Survey lifecycle events (`shown`, `dismissed`, `submitted`): stored once per id, counted for the
 * response rate.
 *
 * @module
 */

const EVENT_COLUMNS = 8;

/** Durably store lifecycle events, ignoring ids already stored; resolves with how many were new. */
export async function recordEvents(
  db: Database,
  projectId: string,
  events: readonly SurveyEvent[],
  receivedAtMs: number,
): Promise<number> {
  if (events.length === 0) return 0;
  const params: SqlParam[] = events.flatMap((e) => [
    projectId,
    e.id,
    e.type,
    e.callId,
    e.participantId,
    e.surveyId ?? null,
    e.clientTime,
    receivedAtMs,
  ]);
  const rows = events.map(() => `(${marks(EVENT_COLUMNS)})`).join(", ");
  const inserted = await db.all(
    `INSERT INTO survey_events (project_id, id, type, call_id, participant_id, survey_id, client_time, received_at)
     VALUES ${rows} ON CONFLICT (project_id, id) DO NOTHING RETURNING id`,
    params,
  );
  return inserted.length;
}

/** Lifecycle events of the project received in `[fromMs, toMs)`, per type, on the store's reader. */
export async function countEvents(
  db: Pick<Database, "read">,
  projectId: string,
  range: { fromMs?: number; toMs?: number } = {},
): Promise<Record<SurveyEventType, number>> {
  const rows = await db.read<{ type: string; n: number | string }>({
    sql: "SELECT type, count(*) AS n FROM survey_events WHERE project_id = ? AND received_at >= ? AND received_at < ? GROUP BY type",
    params: [projectId, range.fromMs ?? 0, range.toMs ?? Number.MAX_SAFE_INTEGER],
  });
  return eventCounts(rows);
}

/** Event type counts with every type present. */
export function eventCounts(
  rows: Array<{ type: unknown; n: unknown }>,
): Record<"shown" | "dismissed" | "submitted", number> {
  const counts = { shown: 0, dismissed: 0, submitted: 0 };
  for (const row of rows) {
    const type = String(row.type);
    if (type === "shown" || type === "dismissed" || type === "submitted") counts[type] = Number(row.n);
  }
  return counts;
}
