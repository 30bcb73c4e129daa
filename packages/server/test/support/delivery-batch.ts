/** Delivery batches for destination tests, with hand-picked times on either side of an hour boundary. */
import type { DeliveryBatch, DeliveryRecord } from "../../src/delivery/destination.js";

/** The resource id of the test project, mixed case as an operator might type it. */
export const TEST_RESOURCE_ID =
  "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/calls/providers/Microsoft.Communication/CommunicationServices/acme";

/** `resourceId=` path segment Azure writes for TEST_RESOURCE_ID: upper-cased. */
export const TEST_RESOURCE_PATH =
  "resourceId=/SUBSCRIPTIONS/11111111-2222-3333-4444-555555555555/RESOURCEGROUPS/CALLS/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/ACME";

/** 2026-11-01T13:59:58.500Z and one second later, 14:00:00.000Z (next hour). */
export const LATE_IN_13H = Date.UTC(2026, 10, 1, 13, 59, 58, 500);
export const START_OF_14H = Date.UTC(2026, 10, 1, 14, 0, 0, 0);

export const HOUR_13_PREFIX = `${TEST_RESOURCE_PATH}/y=2026/m=11/d=01/h=13/m=00`;
export const HOUR_14_PREFIX = `${TEST_RESOURCE_PATH}/y=2026/m=11/d=01/h=14/m=00`;
export const HOUR_13_NAME = `${HOUR_13_PREFIX}/PT1H.json`;
export const HOUR_14_NAME = `${HOUR_14_PREFIX}/PT1H.json`;

/** An erasure's tombstone record (native format) listing `surveyIds`. */
export function tombstoneRecord(erasureId: string, timeMs: number, surveyIds: string[]): DeliveryRecord {
  return {
    id: `CallSurveyDeleted:${erasureId}`,
    category: "CallSurveyDeleted",
    timeMs,
    body: {
      type: "CallSurveyDeleted",
      erasureId,
      projectId: "acme",
      surveyIds,
      eventIds: [],
      erasedAt: new Date(timeMs).toISOString(),
    },
  };
}

/** A CallSurvey record whose body carries its number, id and time (and `extra` fields). */
export function surveyRecord(n: number, timeMs: number, extra: Record<string, unknown> = {}): DeliveryRecord {
  const id = `CallSurvey:00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
  return {
    id,
    category: "CallSurvey",
    timeMs,
    body: { time: new Date(timeMs).toISOString(), category: "CallSurvey", n, note: "ünïcode ✓", ...extra },
  };
}

/** Records 1–3 late in hour 13, records 4–5 at the start of hour 14. */
export function twoHourBatch(id = "dest-1:1-5"): DeliveryBatch {
  return {
    id,
    projectId: "acme",
    resourceId: TEST_RESOURCE_ID,
    records: [
      surveyRecord(1, LATE_IN_13H),
      surveyRecord(2, LATE_IN_13H + 1),
      surveyRecord(3, START_OF_14H - 1),
      surveyRecord(4, START_OF_14H),
      surveyRecord(5, START_OF_14H + 1000),
    ],
  };
}

/** The JSON lines a file should hold after `records` were appended: one object per line. */
export function linesOf(text: string | undefined): unknown[] {
  if (text === undefined) throw new Error("the object does not exist");
  if (!text.endsWith("\n")) throw new Error("the object does not end with a newline");
  return text
    .slice(0, -1)
    .split("\n")
    .map((line) => JSON.parse(line));
}

/** A signal that never fires, for deliveries without a deadline. */
export function noDeadline(): AbortSignal {
  return new AbortController().signal;
}
