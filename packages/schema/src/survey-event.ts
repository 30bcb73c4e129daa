import { DATE_TIME_PATTERN, LIMITS, UUID_PATTERN } from "./catalog.js";
import { type Result, textFault, textFaultMessage, type ValidationIssue } from "./validate.js";

/**
 * Survey lifecycle: the survey was `shown` to a participant, `dismissed` (skipped or closed unanswered),
 * or `submitted`. Shown versus submitted gives the response rate, which ACS web cannot measure.
 */
export const SURVEY_EVENT_TYPES = ["shown", "dismissed", "submitted"] as const;
export type SurveyEventType = (typeof SURVEY_EVENT_TYPES)[number];

/** One lifecycle event, as sent by clients to `POST /v1/events`. */
export interface SurveyEvent {
  /** Client-generated UUID; idempotency key of the event. */
  id: string;
  type: SurveyEventType;
  callId: string;
  participantId: string;
  /** The survey the event is about, when known (always for `submitted`). */
  surveyId?: string;
  clientTime: string;
}

export type SurveyEventResult = Result<SurveyEvent>;

const FIELDS = ["id", "type", "callId", "participantId", "surveyId", "clientTime"];

/** Validate one lifecycle event; paths are relative to the event. */
export function validateSurveyEvent(input: unknown): SurveyEventResult {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return {
      ok: false,
      errors: [{ code: "INVALID_TYPE", path: "", message: "Event must be a JSON object." }],
    };
  }
  const e = input as Record<string, unknown>;
  const errors: ValidationIssue[] = [];
  for (const key of Object.keys(e)) {
    if (!FIELDS.includes(key))
      errors.push({ code: "UNKNOWN_FIELD", path: key, message: `Unknown field "${key}".` });
  }
  const text = (key: string, required: boolean, max: number, pattern?: RegExp, format?: string) => {
    const v = e[key];
    if (v === undefined) {
      if (required) errors.push({ code: "REQUIRED", path: key, message: `${key} is required.` });
    } else if (typeof v !== "string" || v.length === 0 || v.length > max) {
      errors.push({
        code: "INVALID_TYPE",
        path: key,
        message: `${key} must be a string of 1 to ${max} characters.`,
      });
    } else if (textFault(v)) {
      const code = textFault(v) as NonNullable<ReturnType<typeof textFault>>;
      errors.push({ code, path: key, message: textFaultMessage(key, code) });
    } else if (pattern && !pattern.test(v)) {
      errors.push({ code: "INVALID_FORMAT", path: key, message: `${key} must be ${format}.` });
    }
  };
  text("id", true, 36, UUID_PATTERN, "a UUID");
  text("callId", true, LIMITS.identifier);
  text("participantId", true, LIMITS.identifier);
  text("surveyId", e.type === "submitted", 36, UUID_PATTERN, "a UUID");
  text("clientTime", true, 40, DATE_TIME_PATTERN, "an RFC 3339 date-time with offset");
  if (!(SURVEY_EVENT_TYPES as readonly unknown[]).includes(e.type)) {
    errors.push({
      code: "INVALID_FORMAT",
      path: "type",
      message: `type must be one of ${SURVEY_EVENT_TYPES.join(", ")}.`,
    });
  }
  if (errors.length > 0) return { ok: false, errors };
  const value: SurveyEvent = {
    id: (e.id as string).toLowerCase(),
    type: e.type as SurveyEventType,
    callId: e.callId as string,
    participantId: e.participantId as string,
    clientTime: e.clientTime as string,
  };
  if (e.surveyId !== undefined) value.surveyId = (e.surveyId as string).toLowerCase();
  return { ok: true, value };
}
