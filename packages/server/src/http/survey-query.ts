import {
  DIMENSION_KEY_PATTERN,
  MAX_DIMENSION_KEY_LENGTH,
  MAX_DIMENSIONS,
  RATING_CATEGORIES,
} from "@aftercall/schema";
import { AftercallError } from "../errors.js";
import type { NetworkBandFilter, SurveyQuery } from "../surveys/survey-query.js";

/**
 * The survey filters of a request (already checked against the route's declared query: known names,
 * lengths, patterns) as a survey query: dates parsed, tags looked up in their category's catalogue,
 * `dimension.<key>` parameters gathered.
 *
 * @module
 */

/** The filter parameters as the declarations name them (`dimension.<key>` besides). */
export interface FilterParams {
  from?: string;
  to?: string;
  poor?: string;
  tag?: string;
  callId?: string;
  participantId?: string;
  q?: string;
  appVersion?: string;
  platform?: string;
  browser?: string;
  sdkVersion?: string;
  networkBand?: NetworkBandFilter;
}

const CONTEXT_FILTERS = ["appVersion", "platform", "browser", "sdkVersion"] as const;
const EXACT = ["callId", "participantId", "q", ...CONTEXT_FILTERS] as const;

function time(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const ms = Date.parse(raw);
  if (Number.isNaN(ms))
    throw new AftercallError("INVALID_PARAMETER", `${name} must be an ISO 8601 date-time, got "${raw}".`);
  return ms;
}

/** Turn validated filter parameters into a survey query; `prefix` names them in messages (compare's `a.`). */
export function toSurveyQuery(params: FilterParams & Record<string, unknown>, prefix = ""): SurveyQuery {
  const query: SurveyQuery = {};
  const from = time(`${prefix}from`, params.from);
  const to = time(`${prefix}to`, params.to);
  if (from !== undefined) query.fromMs = from;
  if (to !== undefined) query.toMs = to;
  for (const field of EXACT) {
    const value = params[field];
    if (value !== undefined) query[field] = value;
  }
  if (params.poor !== undefined) query.poor = params.poor.split(",") as NonNullable<SurveyQuery["poor"]>;
  if (params.tag !== undefined) query.tag = issueTag(params.tag, prefix);
  if (params.networkBand !== undefined) query.networkBand = params.networkBand;
  const dimensions = dimensionFilters(params, prefix);
  if (dimensions) query.dimensions = dimensions;
  return query;
}

function issueTag(raw: string, prefix: string): NonNullable<SurveyQuery["tag"]> {
  const [category, tag] = raw.split(":") as [string, string];
  const entry = RATING_CATEGORIES.find((c) => c.key === category);
  if (!entry)
    throw new AftercallError(
      "INVALID_PARAMETER",
      `${prefix}tag: "${category}" is not a rating category; use one of ${RATING_CATEGORIES.map((c) => c.key).join(", ")}.`,
    );
  if (!(entry.issues as readonly string[]).includes(tag))
    throw new AftercallError(
      "INVALID_PARAMETER",
      `${prefix}tag: "${tag}" is not a ${category} issue tag; use one of ${entry.issues.join(", ")}.`,
    );
  return { category: entry.key, tag };
}

/** `dimension.<key>=<value>` parameters as a map, or undefined when there are none. */
function dimensionFilters(
  params: Record<string, unknown>,
  prefix: string,
): Record<string, string> | undefined {
  const entries = Object.entries(params).filter(([k, v]) => k.startsWith("dimension.") && v !== undefined);
  if (entries.length === 0) return undefined;
  if (entries.length > MAX_DIMENSIONS) {
    throw new AftercallError(
      "INVALID_PARAMETER",
      `At most ${MAX_DIMENSIONS} ${prefix}dimension.<key> filters, got ${entries.length}.`,
    );
  }
  const dimensions: Record<string, string> = {};
  for (const [name, value] of entries) {
    const key = name.slice("dimension.".length);
    if (!DIMENSION_KEY_PATTERN.test(key) || key.length > MAX_DIMENSION_KEY_LENGTH) {
      throw new AftercallError(
        "INVALID_PARAMETER",
        `${prefix}${name}: "${key}" is not a dimension key (up to ${MAX_DIMENSION_KEY_LENGTH} letters, digits, _, . and -, starting with a letter).`,
      );
    }
    dimensions[key] = String(value);
  }
  return dimensions;
}
