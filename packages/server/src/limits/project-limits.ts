import { type EffectiveLimits, PROJECT_LIMIT_BOUNDS, type ProjectLimits } from "@aftercall/api";
import type { ValidationIssue } from "@aftercall/schema";
import { AftercallError } from "../errors.js";
import { updateProjectLimits } from "../projects/project-store.js";
import type { Database } from "../store/database.js";
import type { RateLimitSettings } from "./rate-limits.js";

/**
 * A project's own rate limits and daily quotas: overrides of the server's configuration, set by the
 * operator (HTTP `PUT /v1/projects/:id/limits` or `aftercall projects limits`), checked here once for both.
 *
 * @module
 */

const RATE_FIELDS = ["surveysPerKey", "eventsPerKey"] as const;
const DAILY_FIELDS = ["dailySurveys", "dailyEvents"] as const;
const DIMENSION_FIELDS = {
  dimensionKeys: PROJECT_LIMIT_BOUNDS.maxDimensionKeys,
  dimensionValuesPerDay: PROJECT_LIMIT_BOUNDS.maxDimensionValuesPerDay,
} as const;
const KNOWN = new Set<string>([...RATE_FIELDS, ...DAILY_FIELDS, ...Object.keys(DIMENSION_FIELDS)]);

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const typeName = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

/** Every problem of a limits body, each naming its field; empty when it may be stored. */
export function projectLimitIssues(input: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const add = (code: ValidationIssue["code"], path: string, message: string) => {
    issues.push({ code, path, message });
  };
  if (!isObject(input)) {
    add("INVALID_TYPE", "", `The limits must be a JSON object, got ${typeName(input)}.`);
    return issues;
  }
  for (const field of Object.keys(input))
    if (!KNOWN.has(field))
      add("UNKNOWN_FIELD", field, `${field} is not a known field (${[...KNOWN].join(", ")}).`);
  for (const field of RATE_FIELDS) {
    const rate = input[field];
    if (rate === undefined) continue;
    if (!isObject(rate)) {
      add("INVALID_TYPE", field, `${field} must be an object {perSecond, burst}, got ${typeName(rate)}.`);
      continue;
    }
    for (const name of Object.keys(rate))
      if (name !== "perSecond" && name !== "burst")
        add("UNKNOWN_FIELD", `${field}.${name}`, `${field}.${name} is not a known field (perSecond, burst).`);
    checkNumber(rate.perSecond, `${field}.perSecond`, 0, PROJECT_LIMIT_BOUNDS.maxPerSecond, false, add);
    checkNumber(rate.burst, `${field}.burst`, 1, PROJECT_LIMIT_BOUNDS.maxBurst, true, add);
  }
  for (const field of DAILY_FIELDS)
    if (input[field] !== undefined)
      checkNumber(input[field], field, 1, PROJECT_LIMIT_BOUNDS.maxDaily, true, add);
  for (const [field, max] of Object.entries(DIMENSION_FIELDS))
    if (input[field] !== undefined) checkNumber(input[field], field, 1, max, true, add);
  return issues;
}

/**
 * A number within bounds: `integer` ones from `min` inclusive, rates above `min` (0 per second would
 * refuse everything for ever: revoke the key instead).
 */
function checkNumber(
  value: unknown,
  path: string,
  min: number,
  max: number,
  integer: boolean,
  add: (code: ValidationIssue["code"], path: string, message: string) => void,
): void {
  if (value === undefined) {
    add("REQUIRED", path, `${path} is required.`);
    return;
  }
  if (typeof value !== "number" || !Number.isFinite(value)) {
    add("INVALID_TYPE", path, `${path} must be a number, got ${typeName(value)}.`);
    return;
  }
  if (integer && !Number.isInteger(value)) {
    add("NOT_INTEGER", path, `${path} must be a whole number, got ${value}.`);
    return;
  }
  const low = integer ? value < min : value <= min;
  if (low || value > max)
    add(
      "OUT_OF_RANGE",
      path,
      `${path} must be ${integer ? `from ${min}` : `above ${min}`} to ${max}, got ${value}.`,
    );
}

/** The limits body as it will be stored, or VALIDATION_FAILED listing every problem. */
export function parseProjectLimits(input: unknown): ProjectLimits {
  const issues = projectLimitIssues(input);
  if (issues.length > 0)
    throw new AftercallError("VALIDATION_FAILED", (issues[0] as ValidationIssue).message, issues);
  const body = input as ProjectLimits;
  const limits: ProjectLimits = {};
  for (const field of RATE_FIELDS) {
    const rate = body[field];
    if (rate) limits[field] = { perSecond: rate.perSecond, burst: rate.burst };
  }
  for (const field of DAILY_FIELDS) if (body[field] !== undefined) limits[field] = body[field];
  if (body.dimensionKeys !== undefined) limits.dimensionKeys = body.dimensionKeys;
  if (body.dimensionValuesPerDay !== undefined) limits.dimensionValuesPerDay = body.dimensionValuesPerDay;
  return limits;
}

/** What a project's requests meet: its overrides over the server's settings. */
export function effectiveLimits(settings: RateLimitSettings, overrides: ProjectLimits): EffectiveLimits {
  return {
    enabled: settings.enabled,
    surveysPerKey: overrides.surveysPerKey ?? settings.surveysPerKey,
    eventsPerKey: overrides.eventsPerKey ?? settings.eventsPerKey,
    surveysPerAddress: settings.surveysPerAddress,
    eventsPerAddress: settings.eventsPerAddress,
    dailySurveys: overrides.dailySurveys ?? settings.dailySurveysPerProject,
    dailyEvents: overrides.dailyEvents ?? settings.dailyEventsPerProject,
    dimensionKeys: overrides.dimensionKeys ?? settings.dimensionKeysPerProject,
    dimensionValuesPerDay: overrides.dimensionValuesPerDay ?? settings.dimensionValuesPerKeyPerDay,
  };
}

/** Check and store a project's overrides (replacing the previous ones); NOT_FOUND without the project. */
export async function setProjectLimits(
  db: Database,
  projectId: string,
  input: unknown,
): Promise<ProjectLimits> {
  const limits = parseProjectLimits(input);
  if (!(await updateProjectLimits(db, projectId, limits)))
    throw new AftercallError("NOT_FOUND", `Project "${projectId}" was not found.`);
  return limits;
}
