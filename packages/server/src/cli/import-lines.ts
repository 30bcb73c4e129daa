import { RATING_CATEGORIES, type SurveyRecord, toSubmission } from "@aftercall/schema";

/** What one NDJSON line of an import is, before validation. */
export interface ImportCandidate {
  /** The submission to validate (untrusted). */
  submission: unknown;
  /** Original acceptance time, when the line carries one (native and ACS records). */
  receivedAt?: Date;
  /**
   * ACS records lack the client time and the free text, so the same survey imported again cannot be
   * recognised by its content: a stored id then counts as already present, not as a conflict.
   */
  lossy?: boolean;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Recognise an import line: an Aftercall native record (`schemaVersion`), an Azure resource-log record
 * (`category: "CallSurvey"` with `properties`, as ACS wrote to storage accounts), a flat `ACSCallSurvey`
 * row (as exported from Log Analytics), or a plain submission. Throws a readable Error for shapes it
 * cannot read; everything it returns is still validated by the caller.
 */
export function readImportLine(value: unknown): ImportCandidate {
  if (!isObject(value)) throw new Error("line is not a JSON object");
  if (value.schemaVersion === 1) {
    const record = value as unknown as SurveyRecord;
    if (!isObject(record.ratings) || typeof record.receivedAt !== "string")
      throw new Error("native record lacks ratings or receivedAt");
    return {
      submission: toSubmission({
        ...record,
        dimensions: isObject(record.dimensions) ? (record.dimensions as Record<string, string>) : {},
      }),
      receivedAt: date(record.receivedAt),
    };
  }
  if (value.category === "CallSurvey" && isObject(value.properties)) {
    const time = typeof value.time === "string" ? value.time : undefined;
    return fromAcsRow(value.properties, time);
  }
  if (typeof value.SurveyId === "string") {
    return fromAcsRow(value, typeof value.TimeGenerated === "string" ? value.TimeGenerated : undefined);
  }
  return { submission: value };
}

function date(text: string): Date {
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) throw new Error(`"${text}" is not a date-time`);
  return d;
}

function fromAcsRow(row: Json, time: string | undefined): ImportCandidate {
  const submission: Json = {
    id: row.SurveyId,
    callId: row.CallId,
    participantId: row.ParticipantId,
    clientTime: time,
  };
  for (const category of RATING_CATEGORIES) {
    const prefix = `${category.column}RatingScore`;
    const score = row[prefix];
    if (score === null || score === undefined || score === "") continue;
    const rating: Json = { score: Number(score) };
    const lower = row[`${prefix}LowerBound`];
    if (lower !== null && lower !== undefined && lower !== "") {
      rating.scale = {
        lowerBound: Number(lower),
        upperBound: Number(row[`${prefix}UpperBound`]),
        lowScoreThreshold: Number(row[`${prefix}Threshold`]),
      };
    }
    const issues = row[category.issuesColumn];
    if (typeof issues === "string" && issues !== "") rating.issues = issues.split(",");
    submission[category.field] = rating;
  }
  return time ? { submission, receivedAt: date(time), lossy: true } : { submission, lossy: true };
}
