import { type SurveyEvent, type SurveyRecord, toAzureResourceLogRecord } from "@aftercall/schema";
import type { DeliveryStore, LogEntry, Tombstone } from "./delivery-types.js";
import type { DeliveryRecord } from "./destination.js";
import type { RecordFormat } from "./settings.js";

type StoredEvent = SurveyEvent & { receivedAtMs: number };

/** Stable id of a record, the same on every delivery, for receivers to de-duplicate. */
export const recordId = (entry: Pick<LogEntry, "category" | "itemId">): string =>
  `${entry.category}:${entry.itemId}`;

/** A lifecycle event as an Azure resource-log record (Azure has no such category; the shape follows CallSurvey's). */
function eventResourceLogRecord(event: StoredEvent, resourceId: string): Record<string, unknown> {
  return {
    time: new Date(event.receivedAtMs).toISOString(),
    resourceId,
    operationName: "CallSurveyEvent",
    operationVersion: "1.0",
    category: "CallSurveyEvent",
    correlationId: event.participantId,
    properties: {
      EventId: event.id,
      EventType: event.type,
      CallId: event.callId,
      ParticipantId: event.participantId,
      SurveyId: event.surveyId ?? null,
      ClientTime: event.clientTime,
    },
  };
}

function nativeEvent(event: StoredEvent, projectId: string): Record<string, unknown> {
  const { receivedAtMs, ...fields } = event;
  return { ...fields, projectId, receivedAt: new Date(receivedAtMs).toISOString() };
}

/**
 * An erasure's tombstone (`CallSurveyDeleted`): the ids of the surveys and lifecycle events erased, never
 * their content. Native: a flat object; `acs`: shaped like the other resource-log records.
 */
export function renderTombstone(
  tombstone: Tombstone,
  format: RecordFormat,
  projectId: string,
  resourceId: string,
): Record<string, unknown> {
  const erasedAt = new Date(tombstone.erasedAtMs).toISOString();
  if (format === "native")
    return {
      type: "CallSurveyDeleted",
      erasureId: tombstone.erasureId,
      projectId,
      surveyIds: tombstone.surveyIds,
      eventIds: tombstone.eventIds,
      erasedAt,
    };
  return {
    time: erasedAt,
    resourceId,
    operationName: "CallSurveyDeleted",
    operationVersion: "1.0",
    category: "CallSurveyDeleted",
    properties: {
      ErasureId: tombstone.erasureId,
      SurveyIds: tombstone.surveyIds,
      EventIds: tombstone.eventIds,
    },
  };
}

/**
 * An alert record: native, the `CallSurveyAlert` record itself; acs, wrapped as an Azure resource-log
 * record (Azure has no such category; the envelope follows CallSurvey's, the record is `properties`).
 */
export function renderAlert(
  alert: Record<string, unknown>,
  format: RecordFormat,
  resourceId: string,
): Record<string, unknown> {
  if (format !== "acs") return alert;
  return {
    time: alert.time,
    resourceId,
    operationName: "CallSurveyAlert",
    operationVersion: "1.0",
    category: "CallSurveyAlert",
    correlationId: alert.id,
    properties: alert,
  };
}

/** Render a survey record in a setting's format. */
export function renderSurvey(
  record: SurveyRecord,
  format: RecordFormat,
  resourceId: string,
): Record<string, unknown> {
  return format === "acs"
    ? (toAzureResourceLogRecord(record, resourceId) as unknown as Record<string, unknown>)
    : (record as unknown as Record<string, unknown>);
}

/**
 * Load and render the surveys, events and erasure tombstones of log entries. Entries whose item cannot be
 * found (erased or expired meanwhile) are left out.
 */
export async function renderRecords(
  store: DeliveryStore,
  projectId: string,
  resourceId: string,
  format: RecordFormat,
  entries: readonly LogEntry[],
): Promise<DeliveryRecord[]> {
  const ids = (category: LogEntry["category"]) =>
    entries.filter((e) => e.category === category).map((e) => e.itemId);
  const [surveys, events, tombstones, alerts] = await Promise.all([
    store.loadSurveys(projectId, ids("CallSurvey")),
    store.loadEvents(projectId, ids("CallSurveyEvent")),
    store.loadTombstones(projectId, ids("CallSurveyDeleted")),
    store.loadAlerts(projectId, ids("CallSurveyAlert")),
  ]);
  const records: DeliveryRecord[] = [];
  for (const entry of entries) {
    let body: Record<string, unknown> | undefined;
    if (entry.category === "CallSurveyAlert") {
      const alert = alerts.get(entry.itemId);
      if (alert) body = renderAlert(alert, format, resourceId);
    } else if (entry.category === "CallSurvey") {
      const survey = surveys.get(entry.itemId);
      if (survey) body = renderSurvey(survey, format, resourceId);
    } else if (entry.category === "CallSurveyEvent") {
      const event = events.get(entry.itemId);
      if (event)
        body = format === "acs" ? eventResourceLogRecord(event, resourceId) : nativeEvent(event, projectId);
    } else {
      const tombstone = tombstones.get(entry.itemId);
      if (tombstone) body = renderTombstone(tombstone, format, projectId, resourceId);
    }
    if (body)
      records.push({ id: recordId(entry), category: entry.category, timeMs: entry.receivedAtMs, body });
  }
  return records;
}
