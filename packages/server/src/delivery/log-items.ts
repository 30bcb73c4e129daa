import type { SurveyEvent, SurveyEventType, SurveyRecord } from "@aftercall/schema";
import { type Database, marks, type SqlRow } from "../store/database.js";
import { rowToSurvey, type SurveyRow } from "../surveys/survey-row.js";
import { num } from "./delivery-rows.js";
import type { Tombstone } from "./delivery-types.js";

/**
 * What the outbox's entries refer to, loaded by id for a batch about to be delivered: surveys, lifecycle
 * events, erasure tombstones and alert records. An id with no row (erased since it was logged) is simply
 * absent from the map.
 *
 * @module
 */

/** The rows of `table` (columns `columns`) of the project with the given ids; none for no ids. */
function rowsByIds(
  db: Database,
  table: string,
  columns: string,
  projectId: string,
  ids: readonly string[],
): Promise<SqlRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.all(`SELECT ${columns} FROM ${table} WHERE project_id = ? AND id IN (${marks(ids.length)})`, [
    projectId,
    ...ids,
  ]);
}

/** The erasure tombstones of `ids` (erasure receipts' ids), with the survey and event ids they erased. */
export async function loadTombstones(
  db: Database,
  projectId: string,
  ids: readonly string[],
): Promise<Map<string, Tombstone>> {
  const out = new Map<string, Tombstone>();
  for (const row of await rowsByIds(db, "erasures", "id, requested_at, erased_ids", projectId, ids)) {
    const erased = JSON.parse(String(row.erased_ids)) as { surveys: string[]; events: string[] };
    out.set(String(row.id), {
      erasureId: String(row.id),
      erasedAtMs: num(row.requested_at),
      surveyIds: erased.surveys,
      eventIds: erased.events,
    });
  }
  return out;
}

/** The surveys of `ids`, as records. */
export async function loadSurveys(
  db: Database,
  projectId: string,
  ids: readonly string[],
): Promise<Map<string, SurveyRecord>> {
  const out = new Map<string, SurveyRecord>();
  for (const row of await rowsByIds(db, "surveys", "*", projectId, ids))
    out.set(String(row.id), rowToSurvey(row as unknown as SurveyRow));
  return out;
}

/** The alert records of `ids` (alert history entries), as they were delivered when logged. */
export async function loadAlerts(db: Database, projectId: string, ids: readonly string[]) {
  const out = new Map<string, Record<string, unknown>>();
  for (const row of await rowsByIds(db, "alert_history", "id, record", projectId, ids))
    if (row.record) out.set(String(row.id), JSON.parse(String(row.record)) as Record<string, unknown>);
  return out;
}

/** The lifecycle events of `ids`, with the time each was received. */
export async function loadEvents(db: Database, projectId: string, ids: readonly string[]) {
  const out = new Map<string, SurveyEvent & { receivedAtMs: number }>();
  for (const row of await rowsByIds(db, "survey_events", "*", projectId, ids)) {
    const event: SurveyEvent & { receivedAtMs: number } = {
      id: String(row.id),
      type: String(row.type) as SurveyEventType,
      callId: String(row.call_id),
      participantId: String(row.participant_id),
      clientTime: String(row.client_time),
      receivedAtMs: num(row.received_at),
    };
    if (row.survey_id !== null && row.survey_id !== undefined) event.surveyId = String(row.survey_id);
    out.set(event.id, event);
  }
  return out;
}
