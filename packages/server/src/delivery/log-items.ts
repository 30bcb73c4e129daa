import type { SurveyEvent, SurveyEventType, SurveyRecord } from "@aftercall/schema";
import { type Database, marks } from "../store/database.js";
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

/** The erasure tombstones of `ids` (erasure receipts' ids), with the survey and event ids they erased. */
export async function loadTombstones(
  db: Database,
  projectId: string,
  ids: readonly string[],
): Promise<Map<string, Tombstone>> {
  const out = new Map<string, Tombstone>();
  if (ids.length === 0) return out;
  const rows = await db.all(
    `SELECT id, requested_at, erased_ids FROM erasures WHERE project_id = ? AND id IN (${marks(ids.length)})`,
    [projectId, ...ids],
  );
  for (const row of rows) {
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
  if (ids.length === 0) return out;
  const rows = await db.all(`SELECT * FROM surveys WHERE project_id = ? AND id IN (${marks(ids.length)})`, [
    projectId,
    ...ids,
  ]);
  for (const row of rows) out.set(String(row.id), rowToSurvey(row as unknown as SurveyRow));
  return out;
}

/** The alert records of `ids` (alert history entries), as they were delivered when logged. */
export async function loadAlerts(db: Database, projectId: string, ids: readonly string[]) {
  const out = new Map<string, Record<string, unknown>>();
  if (ids.length === 0) return out;
  const rows = await db.all<{ id: string; record: string | null }>(
    `SELECT id, record FROM alert_history WHERE project_id = ? AND id IN (${marks(ids.length)})`,
    [projectId, ...ids],
  );
  for (const row of rows) if (row.record) out.set(row.id, JSON.parse(row.record) as Record<string, unknown>);
  return out;
}

/** The lifecycle events of `ids`, with the time each was received. */
export async function loadEvents(db: Database, projectId: string, ids: readonly string[]) {
  const out = new Map<string, SurveyEvent & { receivedAtMs: number }>();
  if (ids.length === 0) return out;
  const rows = await db.all(
    `SELECT * FROM survey_events WHERE project_id = ? AND id IN (${marks(ids.length)})`,
    [projectId, ...ids],
  );
  for (const row of rows) {
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
