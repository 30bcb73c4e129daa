import type { SurveyEvent, SurveyEventType } from "@aftercall/schema";
import { postgresAppendSql, sqliteAppend } from "../outbox/outbox.js";
import { type Database, marks, type SqlParam } from "../store/database.js";

/**
 * Survey lifecycle events (`shown`, `dismissed`, `submitted`): stored once per id, counted for the
 * response rate.
 *
 * @module
 */

const EVENT_COLUMNS = 8;
/** Events per call: one statement's parameters on SQLite (32,766), one transaction's log append. */
export const MAX_EVENTS_PER_COMMIT = 2000;

/**
 * Durably store lifecycle events, ignoring ids already stored, and append the new ones to the outbox in
 * the same transaction; resolves with how many were new.
 */
export async function recordEvents(
  db: Database,
  projectId: string,
  events: readonly SurveyEvent[],
  receivedAtMs: number,
): Promise<number> {
  if (events.length === 0) return 0;
  if (events.length > MAX_EVENTS_PER_COMMIT)
    throw new RangeError(`At most ${MAX_EVENTS_PER_COMMIT} events per commit, got ${events.length}`);
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
  const insert = `INSERT INTO survey_events (project_id, id, type, call_id, participant_id, survey_id, client_time, received_at)
VALUES ${events.map(() => `(${marks(EVENT_COLUMNS)})`).join(", ")} ON CONFLICT (project_id, id) DO NOTHING`;
  if (db.engine === "postgres") {
    const rows = await db.all(
      `WITH inserted AS (${insert} RETURNING project_id, id, received_at), logged AS (${postgresAppendSql("inserted", "CallSurveyEvent")}) SELECT id FROM inserted`,
      params,
    );
    return rows.length;
  }
  const statement = db.prepare(`${insert} RETURNING id`);
  const append = sqliteAppend(db);
  const write = db.connection.transaction(() => {
    const inserted = statement.all(...params) as Array<{ id: string }>;
    for (const { id } of inserted) append(projectId, "CallSurveyEvent", id, receivedAtMs);
    return inserted.length;
  });
  const recorded = write.immediate();
  await db.durable();
  return recorded;
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
