/**
 * The shape of an alert rule and its validator. A rule watches the poor-rate of one rating category of a
 * project (optionally of a cohort) and alerts when it rises above its baseline by at least a minimum
 * effect, with a bounded number of false alarms per week (see docs/alerts.md for the method).
 *
 * Pure: no storage or HTTP. The validator follows the project's usual result shape, every problem with a
 * stable code, a dotted path and a sentence naming the field.
 */
import {
  CONTEXT_FIELDS,
  type ContextField,
  DIMENSION_KEY_PATTERN,
  MAX_CONTEXT_LENGTH,
  MAX_DIMENSION_KEY_LENGTH,
  MAX_DIMENSION_VALUE_LENGTH,
  MAX_DIMENSIONS,
  RATING_CATEGORIES,
  type RatingCategory,
} from "@aftercall/schema";

/** Stable codes of rule validation problems. Codes never change meaning; messages may be reworded. */
export const ALERT_RULE_CODES = [
  /** A value has the wrong JSON type. */
  "INVALID_TYPE",
  /** A required field is missing. */
  "REQUIRED",
  /** A field the rule does not define. */
  "UNKNOWN_FIELD",
  /** A number outside its allowed range. */
  "OUT_OF_RANGE",
  /** A count or duration that must be a whole number is not. */
  "NOT_INTEGER",
  /** A string is longer than allowed. */
  "TOO_LONG",
  /** A string is empty, has control characters or does not match its pattern. */
  "INVALID_FORMAT",
  /** Not one of the rating categories. */
  "UNKNOWN_CATEGORY",
  /** Not an issue tag of the category's catalogue. */
  "UNKNOWN_ISSUE_TAG",
  /** More dimension filters than a survey can carry. */
  "TOO_MANY",
  /** A fixed baseline plus the minimum effect reaches a poor-rate of 100 %: the rule could never fire. */
  "EFFECT_UNREACHABLE",
] as const;
export type AlertRuleCode = (typeof ALERT_RULE_CODES)[number];

export interface AlertRuleIssue {
  code: AlertRuleCode;
  /** Dotted path of the offending field, e.g. `filter.dimensions.region`; empty for the whole rule. */
  path: string;
  message: string;
}

/**
 * Which surveys a rule watches, as exact matches; `{}` watches all surveys of the project. Structurally a
 * subset of the store's `SurveyQuery`, so the lead can pass it to the store's summaries unchanged.
 */
export interface AlertFilter {
  appVersion?: string;
  platform?: string;
  browser?: string;
  sdkVersion?: string;
  /** Only surveys carrying this issue tag in this category. */
  tag?: { category: RatingCategory; tag: string };
  /** Custom dimensions, every one must match. */
  dimensions?: Record<string, string>;
}

/** The poor-rate to compare with: the same filter's own trailing period, or a rate the operator fixes. */
export type AlertBaseline =
  | {
      type: "trailing";
      /** Length of the trailing period, ending where the rule's window starts. */
      days: number;
      /** Below this many surveys in the period the rule does not evaluate (its rate would be a guess). */
      minimumSurveys: number;
    }
  | { type: "fixed"; poorRate: number };

/**
 * The smallest rise worth an alert: an absolute difference of poor-rates (0.05 = 5 percentage points) or
 * a ratio (1.5 = half as many poor ratings again). Rises below it never accumulate evidence.
 */
export type MinimumEffect = { type: "difference"; value: number } | { type: "ratio"; value: number };

/** A validated rule, every default filled in. */
export interface AlertRule {
  name: string;
  category: RatingCategory;
  filter: AlertFilter;
  /** The recent period shown, explained and held to the minimum sample. */
  windowMinutes: number;
  baseline: AlertBaseline;
  /** Nothing fires while the window holds fewer surveys of the category than this. */
  minimumSurveys: number;
  minimumEffect: MinimumEffect;
  /** Expected false alarms per week on unchanged data: the rule's significance level, per unit of time. */
  falseAlarmsPerWeek: number;
}

export type AlertRuleResult = { ok: true; value: AlertRule } | { ok: false; errors: AlertRuleIssue[] };

/** Limits of every numeric field, and the defaults of the optional ones. */
export const ALERT_RULE_LIMITS = {
  nameLength: 100,
  windowMinutes: { min: 10, max: 1440, default: 60 },
  baselineDays: { min: 1, max: 28, default: 7 },
  baselineMinimumSurveys: { min: 1, max: 1_000_000, default: 500 },
  fixedPoorRate: { min: 0.0001, max: 0.99 },
  minimumSurveys: { min: 1, max: 100_000, default: 30 },
  difference: { min: 0.005, max: 0.5, default: 0.05 },
  ratio: { min: 1.05, max: 20 },
  falseAlarmsPerWeek: { min: 0.001, max: 7, default: 0.1 },
} as const;

const RULE_FIELDS = [
  "name",
  "category",
  "filter",
  "windowMinutes",
  "baseline",
  "minimumSurveys",
  "minimumEffect",
  "falseAlarmsPerWeek",
];
const FILTER_FIELDS = [...CONTEXT_FIELDS, "tag", "dimensions"];
const CATEGORY_KEYS = RATING_CATEGORIES.map((c) => c.key) as readonly string[];
/** C0 and C1 control characters and line/paragraph separators: nothing a name or a filter value needs. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) return true;
  }
  return false;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

class Issues {
  readonly list: AlertRuleIssue[] = [];
  add(code: AlertRuleCode, path: string, message: string): undefined {
    this.list.push({ code, path, message });
    return undefined;
  }
  unknownFields(value: Json, allowed: readonly string[], prefix: string): void {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key))
        this.add("UNKNOWN_FIELD", `${prefix}${key}`, `Unknown field "${prefix}${key}".`);
    }
  }
  /** A number within [min, max] (a whole number if `integer`), or `fallback` when absent. */
  number(
    path: string,
    raw: unknown,
    range: { min: number; max: number; default?: number },
    integer: boolean,
  ): number | undefined {
    if (raw === undefined) {
      return range.default ?? this.add("REQUIRED", path, `${path} is required.`);
    }
    if (typeof raw !== "number" || !Number.isFinite(raw))
      return this.add("INVALID_TYPE", path, `${path} must be a number.`);
    if (integer && !Number.isInteger(raw))
      return this.add("NOT_INTEGER", path, `${path} must be a whole number, got ${raw}.`);
    if (raw < range.min || raw > range.max)
      return this.add("OUT_OF_RANGE", path, `${path} must be from ${range.min} to ${range.max}, got ${raw}.`);
    return raw;
  }
  /** A non-empty string without control characters, at most `max` characters long. */
  text(path: string, raw: unknown, max: number): string | undefined {
    if (typeof raw !== "string") return this.add("INVALID_TYPE", path, `${path} must be a string.`);
    if (raw.trim().length === 0) return this.add("INVALID_FORMAT", path, `${path} must not be empty.`);
    if (raw.length > max)
      return this.add("TOO_LONG", path, `${path} must be at most ${max} characters, got ${raw.length}.`);
    if (hasControlCharacter(raw))
      return this.add("INVALID_FORMAT", path, `${path} must not contain control characters.`);
    return raw;
  }
}

function category(issues: Issues, path: string, raw: unknown): RatingCategory | undefined {
  if (raw === undefined) return issues.add("REQUIRED", path, `${path} is required.`);
  if (typeof raw !== "string" || !CATEGORY_KEYS.includes(raw)) {
    return issues.add(
      "UNKNOWN_CATEGORY",
      path,
      `${path} must be one of ${CATEGORY_KEYS.join(", ")}, got ${JSON.stringify(raw)}.`,
    );
  }
  return raw as RatingCategory;
}

/** `"audio:Echo"` (as in analytics queries) or `{ category, tag }`. */
function issueTag(issues: Issues, raw: unknown): AlertFilter["tag"] {
  const path = "filter.tag";
  let parts: [unknown, unknown];
  if (typeof raw === "string") {
    const split = raw.split(":");
    if (split.length !== 2)
      return issues.add("INVALID_FORMAT", path, `${path} must look like "audio:Echo", got "${raw}".`);
    parts = [split[0], split[1]];
  } else if (isObject(raw)) {
    issues.unknownFields(raw, ["category", "tag"], `${path}.`);
    parts = [raw.category, raw.tag];
  } else {
    return issues.add("INVALID_TYPE", path, `${path} must be "category:Tag" or { category, tag }.`);
  }
  const key = category(issues, `${path}.category`, parts[0]);
  if (!key) return undefined;
  const catalogue = RATING_CATEGORIES.find((c) => c.key === key)?.issues as readonly string[];
  if (typeof parts[1] !== "string" || !catalogue.includes(parts[1])) {
    return issues.add(
      "UNKNOWN_ISSUE_TAG",
      `${path}.tag`,
      `${path}.tag must be a ${key} issue tag (${catalogue.join(", ")}), got ${JSON.stringify(parts[1])}.`,
    );
  }
  return { category: key, tag: parts[1] };
}

function dimensions(issues: Issues, raw: unknown): Record<string, string> | undefined {
  const path = "filter.dimensions";
  if (!isObject(raw)) return issues.add("INVALID_TYPE", path, `${path} must be an object of key: value.`);
  const entries = Object.entries(raw);
  if (entries.length > MAX_DIMENSIONS)
    return issues.add(
      "TOO_MANY",
      path,
      `${path} may hold at most ${MAX_DIMENSIONS} keys, got ${entries.length}.`,
    );
  const out: Record<string, string> = {};
  for (const [key, value] of entries) {
    const at = `${path}.${key}`;
    if (!DIMENSION_KEY_PATTERN.test(key) || key.length > MAX_DIMENSION_KEY_LENGTH) {
      issues.add(
        "INVALID_FORMAT",
        at,
        `${at}: "${key.slice(0, 60)}" is not a dimension key (up to ${MAX_DIMENSION_KEY_LENGTH} letters, digits, _, . and -, starting with a letter).`,
      );
      continue;
    }
    const text = issues.text(at, value, MAX_DIMENSION_VALUE_LENGTH);
    if (text !== undefined) out[key] = text;
  }
  return out;
}

function filter(issues: Issues, raw: unknown): AlertFilter {
  if (raw === undefined) return {};
  if (!isObject(raw)) {
    issues.add("INVALID_TYPE", "filter", "filter must be an object.");
    return {};
  }
  issues.unknownFields(raw, FILTER_FIELDS, "filter.");
  const out: AlertFilter = {};
  for (const field of CONTEXT_FIELDS) {
    if (raw[field] === undefined) continue;
    const value = issues.text(`filter.${field}`, raw[field], MAX_CONTEXT_LENGTH);
    if (value !== undefined) out[field as ContextField] = value;
  }
  if (raw.tag !== undefined) {
    const tag = issueTag(issues, raw.tag);
    if (tag) out.tag = tag;
  }
  if (raw.dimensions !== undefined) {
    const dims = dimensions(issues, raw.dimensions);
    if (dims && Object.keys(dims).length > 0) out.dimensions = dims;
  }
  return out;
}

function baseline(issues: Issues, raw: unknown): AlertBaseline | undefined {
  const L = ALERT_RULE_LIMITS;
  if (raw === undefined)
    return {
      type: "trailing",
      days: L.baselineDays.default,
      minimumSurveys: L.baselineMinimumSurveys.default,
    };
  if (!isObject(raw)) return issues.add("INVALID_TYPE", "baseline", "baseline must be an object.");
  if (raw.type === "fixed") {
    issues.unknownFields(raw, ["type", "poorRate"], "baseline.");
    const poorRate = issues.number("baseline.poorRate", raw.poorRate, L.fixedPoorRate, false);
    return poorRate === undefined ? undefined : { type: "fixed", poorRate };
  }
  if (raw.type !== "trailing" && raw.type !== undefined) {
    return issues.add("INVALID_FORMAT", "baseline.type", 'baseline.type must be "trailing" or "fixed".');
  }
  issues.unknownFields(raw, ["type", "days", "minimumSurveys"], "baseline.");
  const days = issues.number("baseline.days", raw.days, L.baselineDays, true);
  const minimumSurveys = issues.number(
    "baseline.minimumSurveys",
    raw.minimumSurveys,
    L.baselineMinimumSurveys,
    true,
  );
  if (days === undefined || minimumSurveys === undefined) return undefined;
  return { type: "trailing", days, minimumSurveys };
}

function minimumEffect(issues: Issues, raw: unknown): MinimumEffect | undefined {
  const L = ALERT_RULE_LIMITS;
  if (raw === undefined) return { type: "difference", value: L.difference.default };
  if (!isObject(raw)) return issues.add("INVALID_TYPE", "minimumEffect", "minimumEffect must be an object.");
  issues.unknownFields(raw, ["type", "value"], "minimumEffect.");
  if (raw.type !== "difference" && raw.type !== "ratio") {
    return issues.add(
      "INVALID_FORMAT",
      "minimumEffect.type",
      'minimumEffect.type must be "difference" (of poor-rates, 0.05 = 5 points) or "ratio".',
    );
  }
  const range = raw.type === "difference" ? { min: L.difference.min, max: L.difference.max } : L.ratio;
  const value = issues.number("minimumEffect.value", raw.value, range, false);
  return value === undefined ? undefined : { type: raw.type, value };
}

/**
 * The poor-rate at which a rule's evidence starts to accumulate: baseline plus the minimum effect.
 * Rises to this rate or below never fire (beyond the false-alarm budget).
 */
export function boundaryRate(baselineRate: number, effect: MinimumEffect): number {
  return effect.type === "difference" ? baselineRate + effect.value : baselineRate * effect.value;
}

/**
 * Validate a rule as an operator sends it (API, CLI); optional fields take their defaults.
 *
 * @example
 * validateAlertRule({ name: "Audio complaints", category: "audio", minimumEffect: { type: "ratio", value: 1.5 } })
 * // → { ok: true, value: { …, windowMinutes: 60, baseline: { type: "trailing", days: 7, minimumSurveys: 500 } } }
 */
export function validateAlertRule(input: unknown): AlertRuleResult {
  if (!isObject(input))
    return {
      ok: false,
      errors: [{ code: "INVALID_TYPE", path: "", message: "An alert rule must be a JSON object." }],
    };
  const L = ALERT_RULE_LIMITS;
  const issues = new Issues();
  issues.unknownFields(input, RULE_FIELDS, "");
  const name =
    input.name === undefined
      ? issues.add("REQUIRED", "name", "name is required.")
      : issues.text("name", input.name, L.nameLength);
  const cat = category(issues, "category", input.category);
  const rule = {
    name,
    category: cat,
    filter: filter(issues, input.filter),
    windowMinutes: issues.number("windowMinutes", input.windowMinutes, L.windowMinutes, true),
    baseline: baseline(issues, input.baseline),
    minimumSurveys: issues.number("minimumSurveys", input.minimumSurveys, L.minimumSurveys, true),
    minimumEffect: minimumEffect(issues, input.minimumEffect),
    falseAlarmsPerWeek: issues.number(
      "falseAlarmsPerWeek",
      input.falseAlarmsPerWeek,
      L.falseAlarmsPerWeek,
      false,
    ),
  };
  if (rule.baseline?.type === "fixed" && rule.minimumEffect) {
    const boundary = boundaryRate(rule.baseline.poorRate, rule.minimumEffect);
    if (boundary >= 1) {
      issues.add(
        "EFFECT_UNREACHABLE",
        "minimumEffect",
        `minimumEffect on top of baseline.poorRate ${rule.baseline.poorRate} reaches a poor-rate of ${boundary.toFixed(3)} ≥ 1; the rule could never fire.`,
      );
    }
  }
  if (issues.list.length > 0) return { ok: false, errors: issues.list };
  return { ok: true, value: rule as AlertRule };
}
