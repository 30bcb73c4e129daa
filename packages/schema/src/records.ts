import type { CallQualitySummary } from "./call-quality.js";
import { CONTEXT_FIELDS, DEFAULT_SCALE, RATING_CATEGORIES } from "./catalog.js";
import type {
  CallRating,
  CallSurveyResponse,
  RatingScale,
  RecordedRating,
  SurveyRecord,
  SurveySubmission,
} from "./types.js";

/** The scale a rating is judged on: its own, or {@link DEFAULT_SCALE}. */
export function effectiveScale(rating: Pick<CallRating, "scale">): RatingScale {
  return rating.scale ?? { ...DEFAULT_SCALE };
}

/** `(score - lowerBound) / (upperBound - lowerBound)`: 0 is the worst answer, 1 the best. */
export function normalizedScore(score: number, scale: RatingScale): number {
  return (score - scale.lowerBound) / (scale.upperBound - scale.lowerBound);
}

/** A score is poor when it is at or below the scale's low-score threshold (ACS semantics). */
export function isPoor(score: number, scale: RatingScale): boolean {
  return score <= scale.lowScoreThreshold;
}

/** Materialise scale and derived values of one rating. */
export function recordRating(rating: CallRating): RecordedRating {
  const scale = effectiveScale(rating);
  const recorded: RecordedRating = {
    score: rating.score,
    scale,
    issues: rating.issues ? [...rating.issues] : [],
    normalizedScore: normalizedScore(rating.score, scale),
    poor: isPoor(rating.score, scale),
  };
  if (rating.improvementSuggestion !== undefined)
    recorded.improvementSuggestion = rating.improvementSuggestion;
  return recorded;
}

/** Build the native record of a validated submission accepted at `receivedAt`. */
export function toSurveyRecord(
  submission: SurveySubmission,
  server: { projectId: string; receivedAt: Date },
): SurveyRecord {
  const record: SurveyRecord = {
    schemaVersion: 1,
    id: submission.id,
    projectId: server.projectId,
    receivedAt: server.receivedAt.toISOString(),
    clientTime: submission.clientTime,
    callId: submission.callId,
    participantId: submission.participantId,
    ratings: {},
    dimensions: { ...(submission.dimensions ?? {}) },
  };
  for (const field of CONTEXT_FIELDS) {
    const value = submission[field];
    if (value !== undefined) record[field] = value;
  }
  for (const category of RATING_CATEGORIES) {
    const rating = submission[category.field];
    if (rating) record.ratings[category.key] = recordRating(rating);
  }
  if (submission.callQuality !== undefined)
    record.callQuality = JSON.parse(JSON.stringify(submission.callQuality)) as CallQualitySummary;
  if (submission.askProbability !== undefined) record.askProbability = submission.askProbability;
  return record;
}

/** Recover the submission a record was made from (used by import and idempotency checks). */
export function toSubmission(record: SurveyRecord): SurveySubmission {
  const submission: SurveySubmission = {
    id: record.id,
    callId: record.callId,
    participantId: record.participantId,
    clientTime: record.clientTime,
  };
  for (const field of CONTEXT_FIELDS) {
    const value = record[field];
    if (value !== undefined) submission[field] = value;
  }
  if (Object.keys(record.dimensions).length > 0) submission.dimensions = { ...record.dimensions };
  for (const category of RATING_CATEGORIES) {
    const r = record.ratings[category.key];
    if (!r) continue;
    const rating: CallRating = { score: r.score, scale: { ...r.scale } };
    if (r.issues.length > 0) rating.issues = [...r.issues];
    if (r.improvementSuggestion !== undefined) rating.improvementSuggestion = r.improvementSuggestion;
    (submission as unknown as Record<string, CallRating>)[category.field] = rating;
  }
  if (record.callQuality !== undefined)
    submission.callQuality = JSON.parse(JSON.stringify(record.callQuality)) as CallQualitySummary;
  if (record.askProbability !== undefined) submission.askProbability = record.askProbability;
  return submission;
}

/**
 * The ACS-shaped answer to a submission: `id`, `callId`, `localParticipantId` and the ratings echoed,
 * so code written against `CallSurveyFeature.submitSurvey` keeps working.
 */
export function toSurveyResponse(record: SurveyRecord): CallSurveyResponse {
  const response: Record<string, unknown> = {
    id: record.id,
    callId: record.callId,
    localParticipantId: record.participantId,
  };
  for (const category of RATING_CATEGORIES) {
    const r = record.ratings[category.key];
    if (!r) continue;
    const rating: CallRating = { score: r.score, scale: { ...r.scale } };
    if (r.issues.length > 0) rating.issues = [...r.issues];
    response[category.field] = rating;
  }
  return response as unknown as CallSurveyResponse;
}

/**
 * One row of the Azure Monitor `ACSCallSurvey` table, with its exact column names: per category the
 * comma-separated issues and materialised score, bounds and threshold; `null` for unrated categories.
 * Free text is not part of the ACS schema and is never included.
 */
export type AcsCallSurveyRow = Record<string, string | number | null>;

/** Operation name written on ACS-format records (ACS docs show both this and `EndOfCallSurvey`). */
export const ACS_OPERATION_NAME = "CallSurvey";
/** Operation version written on ACS-format records, as in the ACS examples. */
export const ACS_OPERATION_VERSION = "0.0";
/** Log category name, as used by diagnostic settings. */
export const ACS_CATEGORY = "CallSurvey";

/** Build the `ACSCallSurvey` row of a record. */
export function toAcsCallSurveyRow(record: SurveyRecord): AcsCallSurveyRow {
  const row: AcsCallSurveyRow = {
    TimeGenerated: record.receivedAt,
    CorrelationId: record.participantId,
    CallId: record.callId,
    ParticipantId: record.participantId,
    SurveyId: record.id,
    OperationName: ACS_OPERATION_NAME,
    OperationVersion: ACS_OPERATION_VERSION,
    Category: ACS_CATEGORY,
  };
  for (const category of RATING_CATEGORIES) {
    const r = record.ratings[category.key];
    const prefix = `${category.column}RatingScore`;
    row[category.issuesColumn] = r ? r.issues.join(",") : null;
    row[prefix] = r ? r.score : null;
    row[`${prefix}LowerBound`] = r ? r.scale.lowerBound : null;
    row[`${prefix}UpperBound`] = r ? r.scale.upperBound : null;
    row[`${prefix}Threshold`] = r ? r.scale.lowScoreThreshold : null;
  }
  return row;
}

/** An Azure resource-log record as Azure Monitor writes it to storage accounts and event hubs. */
export interface AzureResourceLogRecord {
  time: string;
  resourceId: string;
  operationName: string;
  operationVersion: string;
  category: typeof ACS_CATEGORY;
  correlationId: string;
  properties: AcsCallSurveyRow;
}

/**
 * Default Azure-style resource id of a project, upper-cased like Azure Monitor writes it. Operators can
 * give a project its real ACS resource id instead, so migrated queries keep working.
 */
export function defaultResourceId(projectId: string): string {
  return `/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/RESOURCEGROUPS/AFTERCALL/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/${projectId.toUpperCase()}`;
}

/** Wrap a record in the Azure resource-log envelope (`properties` holds the `ACSCallSurvey` columns). */
export function toAzureResourceLogRecord(record: SurveyRecord, resourceId: string): AzureResourceLogRecord {
  const row = toAcsCallSurveyRow(record);
  const { TimeGenerated: _t, Category: _c, OperationName: _o, OperationVersion: _v, ...properties } = row;
  return {
    time: record.receivedAt,
    resourceId,
    operationName: ACS_OPERATION_NAME,
    operationVersion: ACS_OPERATION_VERSION,
    category: ACS_CATEGORY,
    correlationId: record.participantId,
    properties,
  };
}
