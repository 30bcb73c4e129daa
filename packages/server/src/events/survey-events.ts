import type { SurveyEvent, SurveyEventType } from "@aftercall/schema";
import { postgresAppendSql, sqliteAppend } from "../outbox/outbox.js";
import type { Database } from "../store/database.js";

/**
 * Survey lifecycle events (`shown`, `dismissed`, `submitted`): stored once per id, counted for the
 * response rate.
 *
 * @module
 */

const SQLITE_INSERT_EVENT = `INSERT INTO survey_events (project_id, id, type, call_id, participant_id, survey_id, client_time, received_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, id) DO NOTHING`;

const POSTGRES_INSERT_EVENTS = `WITH inserted AS (
  INSERT INTO survey_events (project_id, id, type, call_id, participant_id, survey_id, client_time, received_at)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[])
  ON CONFLICT (project_id, id) DO NOTHING RETURNING project_id, id, received_at
), logged AS (${postgresAppendSql("inserted", "CallSurveyEvent")})
SELECT id FROM inserted`;
/** Events per call: one transaction, one log append. */
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
  if (db.engine === "postgres") {
    // One array per column, prepared once per connection: not a statement of 800 parameters parsed and
    // planned anew for every request of 100 events.
    const columns = [
      events.map(() => projectId),
      events.map((e) => e.id),
      events.map((e) => e.type),
      events.map((e) => e.callId),
      events.map((e) => e.participantId),
      events.map((e) => e.surveyId ?? null),
      events.map((e) => e.clientTime),
      events.map(() => receivedAtMs),
    ];
    const rows = await db.sql.unsafe(POSTGRES_INSERT_EVENTS, columns as never[], { prepare: true });
    return rows.length;
  }
  // One prepared single-row insert per event: SQLite re-runs it cheaply, and binding one statement of
  // 800 parameters cost about a third more CPU for 100 events (measured).
  const insert = db.prepare(SQLITE_INSERT_EVENT);
  const append = sqliteAppend(db);
  const write = db.connection.transaction(() => {
    let inserted = 0;
    for (const e of events) {
      const row = [
        projectId,
        e.id,
        e.type,
        e.callId,
        e.participantId,
        e.surveyId ?? null,
        e.clientTime,
        receivedAtMs,
      ];
      if (insert.run(row).changes === 0) continue; // stored already
      append(projectId, "CallSurveyEvent", e.id, receivedAtMs);
      inserted++;
    }
    return inserted;
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
