import {
  CONTEXT_FIELDS,
  DATE_TIME_PATTERN,
  DEFAULT_SCALE,
  DIMENSION_KEY_PATTERN,
  LIMITS,
  RATING_CATEGORIES,
  SCALE_LIMITS,
  UUID_PATTERN,
} from "./catalog.js";
import type { CallRating, RatingScale, SurveySubmission } from "./types.js";

/**
 * Stable codes of survey validation problems. Codes never change meaning; messages may be reworded,
 * except the ACS ones (V1–V5), which are kept word for word.
 */
export const VALIDATION_CODES = [
  /** A value has the wrong JSON type. */
  "INVALID_TYPE",
  /** A required field is missing. */
  "REQUIRED",
  /** A field this schema does not define. */
  "UNKNOWN_FIELD",
  /** A string is not in the expected format (UUID, date-time, dimension key). */
  "INVALID_FORMAT",
  /** A string or list is longer than allowed. */
  "TOO_LONG",
  /** ACS V1: the survey has no rating at all. */
  "SURVEY_EMPTY",
  /** Ratings were given but not the overall one, and the project requires it. */
  "OVERALL_RATING_REQUIRED",
  /** ACS V2: a score without a scale is outside 1–5. */
  "SCORE_OUT_OF_DEFAULT_SCALE",
  /** ACS V3: a score is outside its custom scale. */
  "SCORE_OUT_OF_SCALE",
  /** ACS V4: a threshold is outside its scale. */
  "THRESHOLD_OUT_OF_SCALE",
  /** ACS V5: a bound is outside 0–100. */
  "SCALE_OUT_OF_RANGE",
  /** lowerBound is not below upperBound. */
  "SCALE_BOUNDS_INVERTED",
  /** A score, bound or threshold is not a whole number. */
  "NOT_INTEGER",
  /** An issue tag not in the category's catalogue. */
  "UNKNOWN_ISSUE_TAG",
  /** The same issue tag twice in one category. */
  "DUPLICATE_ISSUE_TAG",
] as const;

export type ValidationCode = (typeof VALIDATION_CODES)[number];

/** One problem with a submitted survey. */
export interface ValidationIssue {
  code: ValidationCode;
  /** Dotted path of the offending field, e.g. `audioRating.issues[1]`; empty for the whole survey. */
  path: string;
  /** Human-readable sentence naming the field. */
  message: string;
}

/** Project-level switches that change what is accepted. */
export interface ValidateOptions {
  /**
   * Require `overallRating` whenever any rating is given (ACS native rule). Default `true`;
   * set `false` for ACS-web compatibility, where any single category is enough.
   */
  requireOverallRating?: boolean;
}

export type ValidationResult =
  | { ok: true; value: SurveySubmission }
  | { ok: false; errors: ValidationIssue[] };

const MAX_ISSUES_REPORTED = 50;
const SUBMISSION_FIELDS = new Set<string>([
  "id",
  "callId",
  "participantId",
  "clientTime",
  "dimensions",
  ...CONTEXT_FIELDS,
  ...RATING_CATEGORIES.map((c) => c.field),
]);
const RATING_FIELDS = new Set(["score", "scale", "issues", "improvementSuggestion"]);
const SCALE_FIELDS = ["lowerBound", "upperBound", "lowScoreThreshold"] as const;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const typeName = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

class IssueList {
  readonly items: ValidationIssue[] = [];
  add(code: ValidationCode, path: string, message: string): void {
    if (this.items.length < MAX_ISSUES_REPORTED) this.items.push({ code, path, message });
  }
  get count(): number {
    return this.items.length;
  }
}

/**
 * Check an untrusted value against the survey schema and return either a clean, typed copy
 * (unknown fields never survive) or every problem found.
 *
 * The checks reproduce ACS End of Call Survey validation, messages V1–V5 word for word, and add
 * stricter rules: whole-number scores and bounds, `lowerBound < upperBound`, catalogue-only and
 * unique issue tags, overall rating required (unless disabled), bounded free text and context.
 *
 * @example
 * ```ts
 * const result = validateSurvey(JSON.parse(body));
 * if (!result.ok) console.log(result.errors[0].message);
 * // "In default scale overallRating.score should be 1 to 5."
 * ```
 */
export function validateSurvey(input: unknown, options: ValidateOptions = {}): ValidationResult {
  const issues = new IssueList();
  if (!isObject(input)) {
    issues.add("INVALID_TYPE", "", `Survey must be a JSON object, got ${typeName(input)}.`);
    return { ok: false, errors: issues.items };
  }
  for (const key of Object.keys(input)) {
    if (!SUBMISSION_FIELDS.has(key)) issues.add("UNKNOWN_FIELD", key, `Unknown field "${key}".`);
  }
  checkIdentity(input, issues);
  checkContext(input, issues);
  checkRatings(input, issues, options.requireOverallRating ?? true);
  if (issues.count > 0) return { ok: false, errors: issues.items };
  return { ok: true, value: cleanCopy(input) };
}

function checkString(
  input: Json,
  field: string,
  issues: IssueList,
  rule: { required: boolean; max: number; pattern?: RegExp; format?: string },
  path = field,
): void {
  const value = input[field];
  if (value === undefined) {
    if (rule.required) issues.add("REQUIRED", path, `${path} is required.`);
    return;
  }
  if (typeof value !== "string") {
    issues.add("INVALID_TYPE", path, `${path} must be a string, got ${typeName(value)}.`);
  } else if (rule.required && value.length === 0) {
    issues.add("REQUIRED", path, `${path} must not be empty.`);
  } else if (value.length > rule.max) {
    issues.add("TOO_LONG", path, `${path} must be at most ${rule.max} characters, got ${value.length}.`);
  } else if (rule.pattern && !rule.pattern.test(value)) {
    issues.add("INVALID_FORMAT", path, `${path} must be ${rule.format}.`);
  }
}

function checkIdentity(input: Json, issues: IssueList): void {
  checkString(input, "id", issues, { required: true, max: 36, pattern: UUID_PATTERN, format: "a UUID" });
  checkString(input, "callId", issues, { required: true, max: LIMITS.identifier });
  checkString(input, "participantId", issues, { required: true, max: LIMITS.identifier });
  checkString(input, "clientTime", issues, {
    required: true,
    max: 40,
    pattern: DATE_TIME_PATTERN,
    format: "an RFC 3339 date-time with offset, e.g. 2026-11-23T10:15:00Z",
  });
  const time = input.clientTime;
  if (typeof time === "string" && DATE_TIME_PATTERN.test(time) && !isCalendarDateTime(time)) {
    issues.add("INVALID_FORMAT", "clientTime", "clientTime is not a real calendar date-time.");
  }
}

/** Date.parse rolls 2026-02-30 over to March; check each field against the real calendar instead. */
function isCalendarDateTime(text: string): boolean {
  const [y, mo, d, h, mi, se] = text.match(/\d+/g)?.slice(0, 6).map(Number) ?? [];
  if (
    y === undefined ||
    mo === undefined ||
    d === undefined ||
    h === undefined ||
    mi === undefined ||
    se === undefined
  )
    return false;
  const offset = /([+-])(\d{2}):(\d{2})$/.exec(text);
  if (offset && (Number(offset[2]) > 23 || Number(offset[3]) > 59)) return false;
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth && h <= 23 && mi <= 59 && se <= 59;
}

function checkContext(input: Json, issues: IssueList): void {
  for (const field of CONTEXT_FIELDS) {
    checkString(input, field, issues, { required: false, max: LIMITS.contextValue });
  }
  const dimensions = input.dimensions;
  if (dimensions === undefined) return;
  if (!isObject(dimensions)) {
    issues.add("INVALID_TYPE", "dimensions", `dimensions must be an object, got ${typeName(dimensions)}.`);
    return;
  }
  const keys = Object.keys(dimensions);
  if (keys.length > LIMITS.dimensions) {
    issues.add(
      "TOO_LONG",
      "dimensions",
      `dimensions may have at most ${LIMITS.dimensions} keys, got ${keys.length}.`,
    );
  }
  for (const key of keys) {
    const path = `dimensions.${key}`;
    if (key.length > LIMITS.dimensionKey || !DIMENSION_KEY_PATTERN.test(key)) {
      issues.add(
        "INVALID_FORMAT",
        path,
        `Dimension key "${key}" must start with a letter, use only letters, digits, "_", "." or "-", and be at most ${LIMITS.dimensionKey} characters.`,
      );
      continue;
    }
    checkString(dimensions, key, issues, { required: false, max: LIMITS.dimensionValue }, path);
  }
}

function checkRatings(input: Json, issues: IssueList, requireOverall: boolean): void {
  let given = 0;
  for (const category of RATING_CATEGORIES) {
    const rating = input[category.field];
    if (rating === undefined) continue;
    given++;
    if (!isObject(rating)) {
      issues.add(
        "INVALID_TYPE",
        category.field,
        `${category.field} must be an object, got ${typeName(rating)}.`,
      );
      continue;
    }
    checkRating(category.field, rating, category.issues, issues);
  }
  if (given === 0) {
    issues.add("SURVEY_EMPTY", "", "At least one survey rating is required.");
  } else if (requireOverall && input.overallRating === undefined) {
    issues.add("OVERALL_RATING_REQUIRED", "overallRating", "Overall survey rating is required.");
  }
}

function checkRating(field: string, rating: Json, catalogue: readonly string[], issues: IssueList): void {
  for (const key of Object.keys(rating)) {
    if (!RATING_FIELDS.has(key))
      issues.add("UNKNOWN_FIELD", `${field}.${key}`, `Unknown field "${field}.${key}".`);
  }
  checkScoreAndScale(field, rating, issues);
  checkIssueTags(field, rating.issues, catalogue, issues);
  checkString(
    rating,
    "improvementSuggestion",
    issues,
    { required: false, max: LIMITS.improvementSuggestion },
    `${field}.improvementSuggestion`,
  );
}

function isNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function checkScoreAndScale(field: string, rating: Json, issues: IssueList): void {
  const score = rating.score;
  const scorePath = `${field}.score`;
  const scoreOk = isNumber(score);
  if (score === undefined) issues.add("REQUIRED", scorePath, `${scorePath} is required.`);
  else if (!scoreOk)
    issues.add("INVALID_TYPE", scorePath, `${scorePath} must be a finite number, got ${typeName(score)}.`);

  if (rating.scale === undefined) {
    if (!scoreOk) return;
    if (score < DEFAULT_SCALE.lowerBound || score > DEFAULT_SCALE.upperBound) {
      // ACS V2, word for word, including its capitalised "ScreenshareRating" so messages match.
      const name = field === "screenshareRating" ? "ScreenshareRating" : field;
      issues.add("SCORE_OUT_OF_DEFAULT_SCALE", scorePath, `In default scale ${name}.score should be 1 to 5.`);
    } else if (!Number.isInteger(score)) {
      issues.add("NOT_INTEGER", scorePath, `${scorePath}: ${score} should be a whole number.`);
    }
    return;
  }
  const scale = checkScale(field, rating.scale, issues);
  if (!scale || !scoreOk) return;
  if (score < scale.lowerBound || score > scale.upperBound) {
    issues.add(
      "SCORE_OUT_OF_SCALE",
      scorePath,
      `${field}: ${score} should be between ${scale.lowerBound} and ${scale.upperBound}.`,
    );
  } else if (!Number.isInteger(score)) {
    issues.add("NOT_INTEGER", scorePath, `${scorePath}: ${score} should be a whole number.`);
  }
}

/** Returns the scale when it is usable for checking the score, otherwise `undefined`. */
function checkScale(field: string, value: unknown, issues: IssueList): RatingScale | undefined {
  const path = `${field}.scale`;
  if (!isObject(value)) {
    issues.add("INVALID_TYPE", path, `${path} must be an object, got ${typeName(value)}.`);
    return undefined;
  }
  let complete = true;
  for (const key of Object.keys(value)) {
    if (!(SCALE_FIELDS as readonly string[]).includes(key))
      issues.add("UNKNOWN_FIELD", `${path}.${key}`, `Unknown field "${path}.${key}".`);
  }
  for (const key of SCALE_FIELDS) {
    const v = value[key];
    if (v === undefined) {
      issues.add("REQUIRED", `${path}.${key}`, `${path}.${key} is required when a scale is given.`);
      complete = false;
    } else if (!isNumber(v)) {
      issues.add(
        "INVALID_TYPE",
        `${path}.${key}`,
        `${path}.${key} must be a finite number, got ${typeName(v)}.`,
      );
      complete = false;
    }
  }
  if (!complete) return undefined;
  const scale = value as unknown as RatingScale;
  const { lowerBound: lb, upperBound: ub, lowScoreThreshold: th } = scale;
  if (lb < SCALE_LIMITS.min || lb > SCALE_LIMITS.max || ub < SCALE_LIMITS.min || ub > SCALE_LIMITS.max) {
    issues.add(
      "SCALE_OUT_OF_RANGE",
      path,
      `${field} lowerBound: ${lb} and upperBound: ${ub} should be between 0 and 100.`,
    );
    return undefined;
  }
  let usable = true;
  for (const key of SCALE_FIELDS) {
    if (!Number.isInteger(scale[key])) {
      issues.add("NOT_INTEGER", `${path}.${key}`, `${path}.${key}: ${scale[key]} should be a whole number.`);
      usable = false;
    }
  }
  if (!usable) return undefined;
  if (lb >= ub) {
    issues.add(
      "SCALE_BOUNDS_INVERTED",
      path,
      `${field} lowerBound: ${lb} should be less than upperBound: ${ub}.`,
    );
    return undefined;
  }
  if (th < lb || th > ub) {
    issues.add(
      "THRESHOLD_OUT_OF_SCALE",
      `${path}.lowScoreThreshold`,
      `${field}: ${th} should be between ${lb} and ${ub}.`,
    );
  }
  return scale;
}

function checkIssueTags(
  field: string,
  value: unknown,
  catalogue: readonly string[],
  issues: IssueList,
): void {
  const path = `${field}.issues`;
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    issues.add("INVALID_TYPE", path, `${path} must be an array of issue tags, got ${typeName(value)}.`);
    return;
  }
  const seen = new Set<string>();
  value.forEach((tag: unknown, i) => {
    const at = `${path}[${i}]`;
    if (typeof tag !== "string") {
      issues.add("INVALID_TYPE", at, `${at} must be a string, got ${typeName(tag)}.`);
    } else if (!catalogue.includes(tag)) {
      issues.add(
        "UNKNOWN_ISSUE_TAG",
        at,
        `${at}: "${tag.slice(0, 64)}" is not a ${field} issue tag; expected one of ${catalogue.join(", ")}.`,
      );
    } else if (seen.has(tag)) {
      issues.add("DUPLICATE_ISSUE_TAG", at, `${at}: "${tag}" is listed more than once.`);
    } else {
      seen.add(tag);
    }
  });
}

/** Copy only known fields, so nothing unvalidated travels further. Called on valid input only. */
function cleanCopy(input: Json): SurveySubmission {
  const out: Json = {
    id: (input.id as string).toLowerCase(),
    callId: input.callId,
    participantId: input.participantId,
    clientTime: input.clientTime,
  };
  for (const field of CONTEXT_FIELDS) if (input[field] !== undefined) out[field] = input[field];
  if (input.dimensions !== undefined) out.dimensions = { ...(input.dimensions as Json) };
  for (const { field } of RATING_CATEGORIES) {
    const rating = input[field] as Json | undefined;
    if (rating === undefined) continue;
    const copy: CallRating = { score: rating.score as number };
    if (rating.scale !== undefined) {
      const s = rating.scale as unknown as RatingScale;
      copy.scale = {
        lowerBound: s.lowerBound,
        upperBound: s.upperBound,
        lowScoreThreshold: s.lowScoreThreshold,
      };
    }
    if (rating.issues !== undefined) copy.issues = [...(rating.issues as string[])];
    if (rating.improvementSuggestion !== undefined)
      copy.improvementSuggestion = rating.improvementSuggestion as string;
    out[field] = copy;
  }
  return out as unknown as SurveySubmission;
}
