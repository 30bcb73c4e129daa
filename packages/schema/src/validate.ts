import { checkCallQuality, copyCallQuality } from "./call-quality-check.js";
import {
  CONTEXT_FIELDS,
  DATE_TIME_PATTERN,
  DEFAULT_SCALE,
  DIMENSION_KEY_PATTERN,
  MAX_CONTEXT_LENGTH,
  MAX_DIMENSION_KEY_LENGTH,
  MAX_DIMENSION_VALUE_LENGTH,
  MAX_DIMENSIONS,
  MAX_IDENTIFIER_LENGTH,
  MAX_SUGGESTION_LENGTH,
  MIN_ASK_PROBABILITY,
  RATING_ISSUES,
  SCALE_MAX,
  SCALE_MIN,
  UUID_PATTERN,
} from "./catalog.js";
import type { RatingScale, SurveySubmission } from "./types.js";

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
  /** A string is not in the expected format (UUID, date-time, dimension key), or holds NUL or a lone surrogate. */
  "INVALID_FORMAT",
  /**
   * A string holds a character refused in it: a control character (C0, DEL, C1), U+2028/U+2029 or a
   * Unicode noncharacter in an identifier, context field or dimension value; in free text the same except
   * tab, line feed, carriage return, U+2028 and U+2029.
   */
  "INVALID_CHARACTER",
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
  /** A score, bound, threshold or count is not a whole number. */
  "NOT_INTEGER",
  /** An issue tag not in the category's catalogue. */
  "UNKNOWN_ISSUE_TAG",
  /** The same issue tag twice in one category. */
  "DUPLICATE_ISSUE_TAG",
  /** A number outside its allowed range (a call-quality metric, `askProbability`, a band threshold). */
  "OUT_OF_RANGE",
  /** A median above its 95th percentile (`callQuality`). */
  "PERCENTILES_INVERTED",
  /** A network band's fair threshold is worse than its poor one (survey configuration). */
  "BAND_THRESHOLDS_INVERTED",
  /**
   * `clientTime` is too far from the time the server received the survey or event (checked by the server
   * at ingestion, relative to its receive time; see the server's configuration).
   */
  "CLIENT_TIME_OUT_OF_WINDOW",
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

/**
 * The outcome of checking untrusted input: the clean value, or every problem found. One shape for every
 * validator of this package (surveys, lifecycle events, survey configurations).
 */
export type Result<T> = { ok: true; value: T } | { ok: false; errors: ValidationIssue[] };

export type ValidationResult = Result<SurveySubmission>;

const MAX_ISSUES_REPORTED = 50;
/** Top-level fields, in the order a clean copy lists them. */
const SUBMISSION_FIELDS: readonly string[] = [
  "id",
  "callId",
  "participantId",
  "clientTime",
  ...CONTEXT_FIELDS,
  "dimensions",
  ...Object.keys(RATING_ISSUES),
  "callQuality",
  "askProbability",
];
const RATING_FIELDS: readonly string[] = ["score", "scale", "issues", "improvementSuggestion"];
const SCALE_FIELDS = ["lowerBound", "upperBound", "lowScoreThreshold"] as const;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * A NUL or a lone UTF-16 surrogate. With the `u` flag a surrogate pair is one code point, so `\p{Cs}`
 * (surrogate) matches lone halves only. No `g` flag: `test` keeps no state between calls.
 */
const ILL_FORMED = /[\0\p{Cs}]/u;

/**
 * Characters refused in identifiers, context fields and dimension values: control characters (`\p{Cc}`:
 * C0, DEL, C1), the line and paragraph separators U+2028/U+2029 (`\p{Zl}`, `\p{Zp}`) and the 66 Unicode
 * noncharacters (`\p{NChar}`: U+FDD0–U+FDEF and the last two code points of every plane), besides the
 * ill-formed text of {@link ILL_FORMED} (`\p{Cs}`, and NUL, a control character). They have no business in
 * a label: they break log lines, CSV cells and terminals, and can make two labels look alike.
 */
const NOT_LABEL = /[\p{Cc}\p{Cs}\p{Zl}\p{Zp}\p{NChar}]/u;
/**
 * Free text (an improvement suggestion) keeps tab, line feed, carriage return and U+2028/U+2029: a
 * participant's text keeps its lines. Everything else of {@link NOT_LABEL} is refused.
 */
const NOT_FREE_TEXT = /(?![\t\n\r\u2028\u2029])[\p{Cc}\p{Cs}\p{Zl}\p{Zp}\p{NChar}]/u;

/**
 * Text a database can store and give back unchanged: no NUL (PostgreSQL rejects it) and no lone UTF-16
 * surrogate (it would come back as U+FFFD, so a retry would no longer match the first answer).
 */
export function isWellFormedText(text: string): boolean {
  return !ILL_FORMED.test(text);
}

/**
 * Whether `text` may be an identifier, context field or dimension value as far as its characters go:
 * well-formed ({@link isWellFormedText}) and without the characters `INVALID_CHARACTER` refuses.
 */
export const isLabelText = (text: string): boolean => !NOT_LABEL.test(text);

/**
 * What is wrong with the characters of `text`, if anything: `INVALID_FORMAT` for NUL or a lone surrogate
 * (text no store can keep unchanged), `INVALID_CHARACTER` for any other character refused in a label, or
 * in free text when `free` (see {@link VALIDATION_CODES}).
 *
 * @example
 * ```ts
 * textFault("call\u0007"); // "INVALID_CHARACTER"
 * textFault("line one\nline two", true); // undefined
 * ```
 */
export const textFault = (
  text: string,
  free?: boolean,
): "INVALID_FORMAT" | "INVALID_CHARACTER" | undefined =>
  ILL_FORMED.test(text)
    ? "INVALID_FORMAT"
    : (free ? NOT_FREE_TEXT : NOT_LABEL).test(text)
      ? "INVALID_CHARACTER"
      : undefined;

/** The message of a {@link textFault} of the field at `path`. */
export const textFaultMessage = (path: string, fault: "INVALID_FORMAT" | "INVALID_CHARACTER") =>
  fault === "INVALID_FORMAT"
    ? `${path} must be valid Unicode text without NUL characters.`
    : `${path} must not contain control characters or noncharacters.`;

/**
 * Check an untrusted value against the survey schema and return either a clean, typed copy
 * (unknown fields never survive) or every problem found (the first 50), in field order.
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
  return validate(input, options, checkStampFormats, checkMeasurements, checkCharacters);
}

/**
 * {@link validateSurvey} for a survey whose `id` and `clientTime` the caller has just generated itself
 * (the client SDK: `crypto.randomUUID()` and `new Date().toISOString()`): the same checks and messages,
 * except the formats of those two values (UUID, RFC 3339 and a real calendar date-time), which such a
 * stamp always has. They are still required, strings and bounded. Every field the app supplies is
 * checked exactly as the server checks it, and the server checks the stamp as well. Leaving the format
 * checks out keeps them (two patterns and a calendar check) out of the SDK bundle.
 *
 * Characters refused in labels (`INVALID_CHARACTER`: control characters, U+2028/U+2029, noncharacters) are
 * left to the server too, which answers them with a 400 naming the field: keeping the rule out of the
 * bundle keeps the SDK within its size budget. (The SDK checks its call identity with {@link isLabelText}
 * itself, to drop events the server would refuse.) NUL and lone surrogates are reported here as well.
 *
 * `callQuality` and `askProbability` are stamps of the same kind: the SDK sets them itself (from its
 * collector and its sampling decision, always in range), replacing anything the app passed, so they are
 * copied here unchecked and checked by the server.
 */
export const validateStampedSurvey: (input: unknown, options?: ValidateOptions) => ValidationResult = (
  input,
  options = {},
) => validate(input, options);

/** Reports (through `add`) whether a present, bounded `id` or `clientTime` has its format. */
type StampFormatCheck = (
  key: "id" | "clientTime",
  value: string,
  add: (code: ValidationCode, path: string, message: string) => false,
) => boolean;

const TIME_FORMAT = "an RFC 3339 date-time with offset, e.g. 2026-11-23T10:15:00Z";

/** `id` is a UUID; `clientTime` is RFC 3339 with an offset and names a real instant. */
const checkStampFormats: StampFormatCheck = (key, value, add) =>
  key === "id"
    ? UUID_PATTERN.test(value) || add("INVALID_FORMAT", key, `${key} must be a UUID.`)
    : !DATE_TIME_PATTERN.test(value)
      ? add("INVALID_FORMAT", key, `${key} must be ${TIME_FORMAT}.`)
      : isCalendarDateTime(value) || add("INVALID_FORMAT", key, `${key} is not a real calendar date-time.`);

type Report = (code: ValidationCode, path: string, message: string) => false;

/** Reports (through `add`) whether the well-formed text `value` at `path` has only allowed characters. */
type TextCheck = (value: string, path: string, add: Report) => boolean;

/**
 * `INVALID_CHARACTER` (see {@link textFault}): an improvement suggestion is free text, every other string
 * of a survey (identifiers, context, dimension values, the stamp) a label.
 */
const checkCharacters: TextCheck = (value, path, add) =>
  !(path.endsWith(".improvementSuggestion") ? NOT_FREE_TEXT : NOT_LABEL).test(value) ||
  add("INVALID_CHARACTER", path, textFaultMessage(path, "INVALID_CHARACTER"));

/**
 * `callQuality` (every metric in range, no unknown key) and `askProbability` (from
 * {@link MIN_ASK_PROBABILITY} to 1) of a survey, reported through `add`; returns the clean copy of
 * `callQuality` to keep.
 */
function checkMeasurements(input: Json, add: Report): unknown {
  const { callQuality, askProbability } = input;
  if (callQuality !== undefined) checkCallQuality(callQuality, add);
  if (askProbability !== undefined) {
    typeof askProbability !== "number" || !Number.isFinite(askProbability)
      ? add("INVALID_TYPE", "askProbability", "askProbability must be a finite number.")
      : (askProbability >= MIN_ASK_PROBABILITY && askProbability <= 1) ||
        add(
          "OUT_OF_RANGE",
          "askProbability",
          `askProbability must be from ${MIN_ASK_PROBABILITY} to 1, got ${askProbability}.`,
        );
  }
  return callQuality === undefined ? undefined : copyCallQuality(callQuality);
}

/**
 * Both validators: every check, the stamp's formats only when `checkFormat` is given and the
 * measurements (`callQuality`, `askProbability`) only when `checkMeasured` is.
 */
function validate(
  input: unknown,
  options: ValidateOptions,
  checkFormat?: StampFormatCheck,
  checkMeasured?: (input: Json, add: Report) => unknown,
  checkText?: TextCheck,
): ValidationResult {
  const errors: ValidationIssue[] = [];

  // Reporting. Each helper returns `false` when it reports, so a check reads `passes || report(...)`.

  const add = (code: ValidationCode, path: string, message: string): false => {
    errors.push({ code, path, message });
    return false;
  };

  /** INVALID_TYPE: "`name` must be `expected`, got `type`." */
  const wrongType = (path: string, expected: string, value: unknown, name = path) =>
    add(
      "INVALID_TYPE",
      path,
      `${name} must be ${expected}, got ${value === null ? "null" : Array.isArray(value) ? "array" : typeof value}.`,
    );

  /** UNKNOWN_FIELD for every key of `object` not in `known`, at `prefix` + key. */
  const unknownFields = (object: Json, known: readonly string[], prefix = "") => {
    for (const key of Object.keys(object)) {
      known.includes(key) || add("UNKNOWN_FIELD", prefix + key, `Unknown field "${prefix + key}".`);
    }
  };

  /** A finite number, else REQUIRED ("is required`when`") or INVALID_TYPE. */
  const checkNumber = (path: string, value: unknown, when = ""): value is number =>
    Number.isFinite(value) ||
    (value === undefined
      ? add("REQUIRED", path, `${path} is required${when}.`)
      : wrongType(path, "a finite number", value));

  /** A whole number, else NOT_INTEGER. */
  const checkWhole = (path: string, value: number) =>
    Number.isInteger(value) || add("NOT_INTEGER", path, `${path}: ${value} should be a whole number.`);

  /**
   * The string field `key` of `object`, reported at `prefix` + `key`: at most `max` UTF-16 units, valid
   * text, and when `required`, present and non-empty.
   */
  const checkString = (object: Json, key: string, max: number, prefix = "", required?: boolean): boolean => {
    const value = object[key];
    const path = prefix + key;
    return value === undefined
      ? !required || add("REQUIRED", path, `${path} is required.`)
      : typeof value !== "string"
        ? wrongType(path, "a string", value)
        : required && !value
          ? add("REQUIRED", path, `${path} must not be empty.`)
          : value.length > max
            ? add("TOO_LONG", path, `${path} must be at most ${max} characters, got ${value.length}.`)
            : ILL_FORMED.test(value)
              ? add("INVALID_FORMAT", path, `${path} must be valid Unicode text without NUL characters.`)
              : !checkText || checkText(value, path, add);
  };

  /** The custom scale of `field`'s rating: returned when usable for checking the score, else reported. */
  const checkScale = (field: string, scale: unknown): RatingScale | undefined => {
    const path = `${field}.scale`;
    /** Whether all three fields pass `check` (every failure is reported). */
    const all = (check: (path: string, value: never) => boolean) =>
      !SCALE_FIELDS.filter((key) => !check(`${path}.${key}`, (scale as Json)[key] as never)).length;
    if (!isObject(scale)) return void wrongType(path, "an object", scale);
    unknownFields(scale, SCALE_FIELDS, `${path}.`);
    if (!all((at, v) => checkNumber(at, v, " when a scale is given"))) return;
    const { lowerBound: lb, upperBound: ub, lowScoreThreshold: th } = scale as unknown as RatingScale;
    if (lb < SCALE_MIN || lb > SCALE_MAX || ub < SCALE_MIN || ub > SCALE_MAX) {
      add(
        "SCALE_OUT_OF_RANGE",
        path,
        `${field} lowerBound: ${lb} and upperBound: ${ub} should be between ${SCALE_MIN} and ${SCALE_MAX}.`,
      );
    } else if (all(checkWhole)) {
      if (lb >= ub) {
        add(
          "SCALE_BOUNDS_INVERTED",
          path,
          `${field} lowerBound: ${lb} should be less than upperBound: ${ub}.`,
        );
      } else {
        (th >= lb && th <= ub) ||
          add(
            "THRESHOLD_OUT_OF_SCALE",
            `${path}.lowScoreThreshold`,
            `${field}: ${th} should be between ${lb} and ${ub}.`,
          );
        return scale as unknown as RatingScale;
      }
    }
  };

  /**
   * One rating: its fields, score within its scale, issue tags from `catalogue`, free text. Returns its
   * clean copy (known fields only, in order, sharing nothing with the input), kept when all is valid.
   */
  const checkRating = (field: string, catalogue: readonly string[], rating: Json): Json => {
    unknownFields(rating, RATING_FIELDS, `${field}.`);
    const { score, scale: custom, issues } = rating;
    const copy = pick(rating, RATING_FIELDS);
    if (copy.scale) copy.scale = pick(copy.scale as Json, SCALE_FIELDS);
    const path = `${field}.score`;
    const scoreOk = checkNumber(path, score);
    const scale = custom === undefined ? DEFAULT_SCALE : checkScale(field, custom);
    if (scale && scoreOk) {
      const { lowerBound: lb, upperBound: ub } = scale;
      if (score >= lb && score <= ub) {
        checkWhole(path, score);
      } else if (custom !== undefined) {
        add("SCORE_OUT_OF_SCALE", path, `${field}: ${score} should be between ${lb} and ${ub}.`);
      } else {
        // ACS V2, word for word, including its capitalised "ScreenshareRating" so messages match.
        const name = field === "screenshareRating" ? "ScreenshareRating" : field;
        add("SCORE_OUT_OF_DEFAULT_SCALE", path, `In default scale ${name}.score should be 1 to 5.`);
      }
    }
    const issuesPath = `${field}.issues`;
    if (Array.isArray(issues)) {
      copy.issues = [...issues];
      issues.forEach((tag: unknown, i) => {
        const at = `${issuesPath}[${i}]`;
        if (typeof tag !== "string") {
          wrongType(at, "a string", tag);
        } else if (!catalogue.includes(tag)) {
          add(
            "UNKNOWN_ISSUE_TAG",
            at,
            `${at}: "${tag.slice(0, 64)}" is not a ${field} issue tag; expected one of ${catalogue.join(", ")}.`,
          );
        } else if (issues.indexOf(tag) < i) {
          add("DUPLICATE_ISSUE_TAG", at, `${at}: "${tag}" is listed more than once.`);
        }
      });
    } else if (issues !== undefined) {
      wrongType(issuesPath, "an array of issue tags", issues);
    }
    checkString(rating, "improvementSuggestion", MAX_SUGGESTION_LENGTH, `${field}.`);
    return copy;
  };

  if (!isObject(input)) {
    wrongType("", "a JSON object", input, "Survey");
    return { ok: false, errors };
  }
  unknownFields(input, SUBMISSION_FIELDS);

  // Identity and context.
  /** `id` or `clientTime`: required, bounded, and (unless the caller stamped it) well-formatted. */
  const checkStamp = (key: "id" | "clientTime", max: number) =>
    checkString(input, key, max, "", true) && checkFormat?.(key, input[key] as string, add);
  checkStamp("id", 36);
  for (const key of ["callId", "participantId"]) checkString(input, key, MAX_IDENTIFIER_LENGTH, "", true);
  checkStamp("clientTime", 40);
  for (const field of CONTEXT_FIELDS) checkString(input, field, MAX_CONTEXT_LENGTH);

  // Dimensions.
  const { dimensions } = input;
  if (isObject(dimensions)) {
    const keys = Object.keys(dimensions);
    if (keys.length > MAX_DIMENSIONS) {
      add(
        "TOO_LONG",
        "dimensions",
        `dimensions may have at most ${MAX_DIMENSIONS} keys, got ${keys.length}.`,
      );
    }
    for (const key of keys) {
      if (key.length <= MAX_DIMENSION_KEY_LENGTH && DIMENSION_KEY_PATTERN.test(key)) {
        checkString(dimensions, key, MAX_DIMENSION_VALUE_LENGTH, "dimensions.");
      } else {
        add(
          "INVALID_FORMAT",
          `dimensions.${key}`,
          `Dimension key "${key}" must start with a letter, use only letters, digits, "_", "." or "-", and be at most ${MAX_DIMENSION_KEY_LENGTH} characters.`,
        );
      }
    }
  } else if (dimensions !== undefined) {
    wrongType("dimensions", "an object", dimensions);
  }

  // Ratings: at least one (ACS V1), the overall one if required.
  let given = 0;
  const ratings: Json = {};
  for (const [field, catalogue] of Object.entries(RATING_ISSUES)) {
    const rating = input[field];
    if (rating === undefined) continue;
    given++;
    if (isObject(rating)) ratings[field] = checkRating(field, catalogue, rating);
    else wrongType(field, "an object", rating);
  }
  if (!given) {
    add("SURVEY_EMPTY", "", "At least one survey rating is required.");
  } else if ((options.requireOverallRating ?? true) && input.overallRating === undefined) {
    add("OVERALL_RATING_REQUIRED", "overallRating", "Overall survey rating is required.");
  }

  // What was measured during the call, and the probability the participant was asked with: checked by
  // the server; the SDK's own stamps are copied as JSON.
  const { callQuality } = input;
  const measured = checkMeasured
    ? checkMeasured(input, add)
    : callQuality && JSON.parse(JSON.stringify(callQuality));

  if (errors.length) return { ok: false, errors: errors.slice(0, MAX_ISSUES_REPORTED) };
  // The clean copy: only known fields, in a fixed order, sharing no object with the input, so nothing
  // unvalidated travels further.
  const clean = {
    ...input,
    ...ratings,
    id: (input.id as string).toLowerCase(),
    dimensions: dimensions && { ...dimensions },
    callQuality: measured,
  };
  return { ok: true, value: pick(clean, SUBMISSION_FIELDS) as unknown as SurveySubmission };
}

/**
 * Whether a {@link DATE_TIME_PATTERN} match names a real instant: its date and time survive a round trip
 * through `Date.UTC` (which rolls 2026-02-30 over to March and 24:00 to the next day), and its offset
 * is at most 23:59.
 */
function isCalendarDateTime(text: string): boolean {
  const [y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0] = text.match(/\d+/g)?.map(Number) ?? [];
  const [, offsetHours = 0, offsetMinutes = 0] = /[+-](\d\d):(\d\d)$/.exec(text) ?? [];
  const utc = new Date(Date.UTC(y, mo - 1, d, h, mi, s)).toISOString();
  // From the month on: Date.UTC reads years 0–99 as 1900–1999.
  return utc.slice(5, 19) === text.slice(5, 19) && +offsetHours < 24 && +offsetMinutes < 60;
}

/** The fields of `from` named in `keys` that are set, in that order. */
function pick(from: Json, keys: readonly string[]): Json {
  const out: Json = {};
  for (const key of keys) if (from[key] !== undefined) out[key] = from[key];
  return out;
}
