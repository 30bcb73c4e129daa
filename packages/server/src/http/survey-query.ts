import {
  DIMENSION_KEY_PATTERN,
  MAX_DIMENSION_KEY_LENGTH,
  MAX_DIMENSION_VALUE_LENGTH,
  MAX_DIMENSIONS,
  RATING_CATEGORIES,
  type RatingCategory,
} from "@aftercall/schema";
import { AftercallError } from "../errors.js";
import type { SurveyQuery } from "../store/store.js";

const CATEGORIES = RATING_CATEGORIES.map((c) => c.key) as readonly string[];

function time(name: string, raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  const ms = typeof raw === "string" ? Date.parse(raw) : Number.NaN;
  if (Number.isNaN(ms))
    throw new AftercallError(
      "INVALID_PARAMETER",
      `${name} must be an ISO 8601 date-time, got "${String(raw)}".`,
    );
  return ms;
}

function text(name: string, raw: unknown): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== "string" || raw.length === 0 || raw.length > 256) {
    throw new AftercallError(
      "INVALID_PARAMETER",
      `${name} must be a single non-empty value of at most 256 characters.`,
    );
  }
  return raw;
}

function category(name: string, raw: string): RatingCategory {
  if (!CATEGORIES.includes(raw)) {
    throw new AftercallError(
      "INVALID_PARAMETER",
      `${name}: "${raw}" is not a rating category; use one of ${CATEGORIES.join(", ")}.`,
    );
  }
  return raw as RatingCategory;
}

/** Context fields a survey list or an analytics query may be filtered on (exact match). */
const CONTEXT_FILTERS = ["appVersion", "platform", "browser", "sdkVersion"] as const;

/**
 * Parse the survey filters of a query string: `from`, `to` (ISO date-times; from inclusive, to exclusive),
 * `poor` (comma-separated categories, any of them poor), `tag` (`category:Tag`), `callId`, `participantId`,
 * `q` (case-insensitive substring of any improvement suggestion) and the context fields `appVersion`,
 * `platform`, `browser`, `sdkVersion` and `dimension.<key>` for custom dimensions (exact match).
 */
export const SURVEY_FILTERS: readonly string[] = [
  "from",
  "to",
  "poor",
  "tag",
  "callId",
  "participantId",
  "q",
  ...CONTEXT_FILTERS,
  "dimension.<key>",
];
const FILTERS = new Set(SURVEY_FILTERS);

export function parseSurveyQuery(query: Record<string, unknown>): SurveyQuery {
  // A misspelt filter (`?participantID=`) must not silently return everything.
  const unknown = Object.keys(query).find(
    (k) => !FILTERS.has(k) && !k.startsWith("dimension.") && query[k] !== undefined,
  );
  if (unknown) {
    throw new AftercallError(
      "INVALID_PARAMETER",
      `Unknown parameter "${unknown}"; filters are ${[...FILTERS].join(", ")}.`,
    );
  }
  const result: SurveyQuery = {};
  const from = time("from", query.from);
  const to = time("to", query.to);
  if (from !== undefined) result.fromMs = from;
  if (to !== undefined) result.toMs = to;
  const callId = text("callId", query.callId);
  const participantId = text("participantId", query.participantId);
  if (callId !== undefined) result.callId = callId;
  if (participantId !== undefined) result.participantId = participantId;
  const q = text("q", query.q);
  if (q !== undefined) result.q = q;
  for (const field of CONTEXT_FILTERS) {
    const value = text(field, query[field]);
    if (value !== undefined) result[field] = value;
  }
  const dimensions = dimensionFilters(query);
  if (dimensions) result.dimensions = dimensions;
  const poor = text("poor", query.poor);
  if (poor !== undefined) result.poor = poor.split(",").map((c) => category("poor", c.trim()));
  const tag = text("tag", query.tag);
  if (tag !== undefined) {
    const [cat, name, extra] = tag.split(":");
    if (!cat || !name || extra !== undefined)
      throw new AftercallError("INVALID_PARAMETER", `tag must look like "audio:Echo", got "${tag}".`);
    const key = category("tag", cat);
    const catalogue = RATING_CATEGORIES.find((c) => c.key === key)?.issues as readonly string[];
    if (!catalogue.includes(name)) {
      throw new AftercallError(
        "INVALID_PARAMETER",
        `tag: "${name}" is not a ${key} issue tag; use one of ${catalogue.join(", ")}.`,
      );
    }
    result.tag = { category: key, tag: name };
  }
  return result;
}

/** `dimension.<key>=<value>` parameters as a map, or undefined when there are none. */
function dimensionFilters(query: Record<string, unknown>): Record<string, string> | undefined {
  const entries = Object.entries(query).filter(([k, v]) => k.startsWith("dimension.") && v !== undefined);
  if (entries.length === 0) return undefined;
  if (entries.length > MAX_DIMENSIONS) {
    throw new AftercallError(
      "INVALID_PARAMETER",
      `At most ${MAX_DIMENSIONS} dimension.<key> filters, got ${entries.length}.`,
    );
  }
  const dimensions: Record<string, string> = {};
  for (const [name, raw] of entries) {
    const key = name.slice("dimension.".length);
    if (!DIMENSION_KEY_PATTERN.test(key) || key.length > MAX_DIMENSION_KEY_LENGTH) {
      throw new AftercallError(
        "INVALID_PARAMETER",
        `${name}: "${key}" is not a dimension key (up to ${MAX_DIMENSION_KEY_LENGTH} letters, digits, _, . and -, starting with a letter).`,
      );
    }
    if (typeof raw !== "string" || raw.length === 0 || raw.length > MAX_DIMENSION_VALUE_LENGTH) {
      throw new AftercallError(
        "INVALID_PARAMETER",
        `${name} must be a single non-empty value of at most ${MAX_DIMENSION_VALUE_LENGTH} characters.`,
      );
    }
    dimensions[key] = raw;
  }
  return dimensions;
}

/** Parse `limit` (1–500, default 50). */
export function parseLimit(raw: unknown): number {
  if (raw === undefined) return 50;
  const n = Number(raw);
  if (typeof raw !== "string" || !/^\d{1,3}$/.test(raw) || n < 1 || n > 500) {
    throw new AftercallError(
      "INVALID_PARAMETER",
      `limit must be a whole number from 1 to 500, got "${String(raw)}".`,
    );
  }
  return n;
}
