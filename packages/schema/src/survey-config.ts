import { checkNetworkBands, checkSampleRateByBand } from "./band-config.js";
import { DEFAULT_SCALE, RATING_CATEGORIES, type RatingCategory, SCALE_LIMITS } from "./catalog.js";
import type { NetworkBand, NetworkBandOverrides } from "./network-band.js";
import type { RatingScale } from "./types.js";
import type { Result, ValidationIssue } from "./validate.js";

/**
 * A project's survey configuration, served to clients by `GET /v1/config`: whom to ask (sampling, fatigue
 * control, do-not-ask rules) and what to ask (categories, scales, when to ask for details).
 */
export interface SurveyConfig {
  /** Share of (call, participant) pairs asked, 0–1; the draw is deterministic per pair. */
  sampleRate: number;
  /** Calls shorter than this are not surveyed. */
  minCallDurationSeconds: number;
  /** A participant surveyed less than this many days ago is not asked again (kept on the device). */
  cooldownDays: number;
  /** Do-not-ask rules, after the ACS UI library's practice of surveying only calls left normally. */
  skipWhen: { joinFailed: boolean; removedFromCall: boolean };
  /** Categories asked, in order; `overall` is always asked first. */
  categories: RatingCategory[];
  /** Scale per category; categories without one use 1–5 with threshold 2. */
  scales: Partial<Record<RatingCategory, RatingScale>>;
  /** Ask the per-category question only after a poor overall score (best practice), or always. */
  detailsWhen: "poor" | "always";
  /** Shuffle issue tags per survey to avoid first-position bias. */
  randomizeTagOrder: boolean;
  /** Offer free-text improvement suggestions. */
  allowSuggestions: boolean;
  /**
   * Changes to the default network-band thresholds (`DEFAULT_NETWORK_BAND_THRESHOLDS`), per metric:
   * e.g. `{ rttMs: { poor: 800 } }`. Used by the device to pick the sampling rate and by the server to
   * band surveys.
   */
  networkBands: NetworkBandOverrides;
  /**
   * Share of calls asked per network band (0.0001–1), in place of `sampleRate` for calls whose band is
   * known, e.g. `{ poor: 1, good: 0.1 }`. The probability used travels with the survey
   * (`askProbability`) so estimates can weight it back.
   */
  sampleRateByBand: Partial<Record<NetworkBand, number>>;
}

/** The configuration of a project nobody configured. */
export const DEFAULT_SURVEY_CONFIG: Readonly<SurveyConfig> = /* @__PURE__ */ Object.freeze<SurveyConfig>({
  sampleRate: 1,
  minCallDurationSeconds: 0,
  cooldownDays: 0,
  skipWhen: { joinFailed: true, removedFromCall: true },
  categories: ["overall", "audio", "video", "screenshare"],
  scales: {},
  detailsWhen: "poor",
  randomizeTagOrder: true,
  allowSuggestions: true,
  networkBands: {},
  sampleRateByBand: {},
});

/** The scale a configuration gives a category. */
export function configuredScale(config: SurveyConfig, category: RatingCategory): RatingScale {
  return config.scales[category] ?? { ...DEFAULT_SCALE };
}

export type SurveyConfigResult = Result<SurveyConfig>;

// Pure: a bundle that only needs DEFAULT_SURVEY_CONFIG (the client SDK) leaves them out.
const CATEGORY_KEYS = /* @__PURE__ */ RATING_CATEGORIES.map((c) => c.key) as readonly string[];
const FIELDS = /* @__PURE__ */ Object.keys(DEFAULT_SURVEY_CONFIG);
type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function numberIn(
  errors: ValidationIssue[],
  path: string,
  v: unknown,
  min: number,
  max: number,
  integer: boolean,
): void {
  if (
    typeof v !== "number" ||
    !Number.isFinite(v) ||
    v < min ||
    v > max ||
    (integer && !Number.isInteger(v))
  ) {
    errors.push({
      code: "INVALID_TYPE",
      path,
      message: `${path} must be ${integer ? "a whole number" : "a number"} from ${min} to ${max}.`,
    });
  }
}

function boolean(errors: ValidationIssue[], path: string, v: unknown): void {
  if (typeof v !== "boolean")
    errors.push({ code: "INVALID_TYPE", path, message: `${path} must be true or false.` });
}

function checkScales(errors: ValidationIssue[], scales: unknown): void {
  if (!isObject(scales)) {
    errors.push({
      code: "INVALID_TYPE",
      path: "scales",
      message: "scales must be an object keyed by category.",
    });
    return;
  }
  for (const [category, scale] of Object.entries(scales)) {
    const path = `scales.${category}`;
    if (!CATEGORY_KEYS.includes(category)) {
      errors.push({
        code: "UNKNOWN_FIELD",
        path,
        message: `${path}: "${category}" is not a rating category.`,
      });
    } else if (!isObject(scale)) {
      errors.push({ code: "INVALID_TYPE", path, message: `${path} must be a scale object.` });
    } else {
      for (const key of ["lowerBound", "upperBound", "lowScoreThreshold"]) {
        numberIn(errors, `${path}.${key}`, scale[key], SCALE_LIMITS.min, SCALE_LIMITS.max, true);
      }
      const { lowerBound: lb, upperBound: ub, lowScoreThreshold: th } = scale as unknown as RatingScale;
      if (lb >= ub)
        errors.push({
          code: "SCALE_BOUNDS_INVERTED",
          path,
          message: `${path} lowerBound: ${lb} should be less than upperBound: ${ub}.`,
        });
      else if (th < lb || th > ub)
        errors.push({
          code: "THRESHOLD_OUT_OF_SCALE",
          path,
          message: `${path}: ${th} should be between ${lb} and ${ub}.`,
        });
    }
  }
}

function checkCategories(errors: ValidationIssue[], categories: unknown): void {
  if (!Array.isArray(categories) || categories.length === 0) {
    errors.push({
      code: "INVALID_TYPE",
      path: "categories",
      message: "categories must be a non-empty list of rating categories.",
    });
    return;
  }
  categories.forEach((c, i) => {
    if (typeof c !== "string" || !CATEGORY_KEYS.includes(c) || categories.indexOf(c) !== i) {
      errors.push({
        code: "INVALID_FORMAT",
        path: `categories[${i}]`,
        message: `categories[${i}] must be one of ${CATEGORY_KEYS.join(", ")}, each once.`,
      });
    }
  });
  if (categories[0] !== "overall")
    errors.push({
      code: "INVALID_FORMAT",
      path: "categories",
      message: 'categories must start with "overall".',
    });
}

/**
 * Validate a (possibly partial) configuration; missing fields take their defaults. Used by the server
 * before storing, and by clients on what they fetched.
 */
export function validateSurveyConfig(input: unknown): SurveyConfigResult {
  if (!isObject(input))
    return {
      ok: false,
      errors: [{ code: "INVALID_TYPE", path: "", message: "Survey configuration must be a JSON object." }],
    };
  const errors: ValidationIssue[] = [];
  for (const key of Object.keys(input)) {
    if (!FIELDS.includes(key))
      errors.push({ code: "UNKNOWN_FIELD", path: key, message: `Unknown field "${key}".` });
  }
  const merged = { ...DEFAULT_SURVEY_CONFIG, ...input } as Json;
  numberIn(errors, "sampleRate", merged.sampleRate, 0, 1, false);
  numberIn(errors, "minCallDurationSeconds", merged.minCallDurationSeconds, 0, 86_400, true);
  numberIn(errors, "cooldownDays", merged.cooldownDays, 0, 3650, false);
  const skip = { ...DEFAULT_SURVEY_CONFIG.skipWhen, ...(isObject(merged.skipWhen) ? merged.skipWhen : {}) };
  if (!isObject(merged.skipWhen))
    errors.push({ code: "INVALID_TYPE", path: "skipWhen", message: "skipWhen must be an object." });
  boolean(errors, "skipWhen.joinFailed", skip.joinFailed);
  boolean(errors, "skipWhen.removedFromCall", skip.removedFromCall);
  checkCategories(errors, merged.categories);
  checkScales(errors, merged.scales);
  if (merged.detailsWhen !== "poor" && merged.detailsWhen !== "always") {
    errors.push({
      code: "INVALID_FORMAT",
      path: "detailsWhen",
      message: 'detailsWhen must be "poor" or "always".',
    });
  }
  boolean(errors, "randomizeTagOrder", merged.randomizeTagOrder);
  boolean(errors, "allowSuggestions", merged.allowSuggestions);
  checkNetworkBands(errors, merged.networkBands);
  checkSampleRateByBand(errors, merged.sampleRateByBand);
  if (errors.length > 0) return { ok: false, errors };
  const value: SurveyConfig = {
    sampleRate: merged.sampleRate as number,
    minCallDurationSeconds: merged.minCallDurationSeconds as number,
    cooldownDays: merged.cooldownDays as number,
    skipWhen: { joinFailed: skip.joinFailed as boolean, removedFromCall: skip.removedFromCall as boolean },
    categories: [...(merged.categories as RatingCategory[])],
    scales: JSON.parse(JSON.stringify(merged.scales)) as SurveyConfig["scales"],
    detailsWhen: merged.detailsWhen as SurveyConfig["detailsWhen"],
    randomizeTagOrder: merged.randomizeTagOrder as boolean,
    allowSuggestions: merged.allowSuggestions as boolean,
    networkBands: JSON.parse(JSON.stringify(merged.networkBands)) as SurveyConfig["networkBands"],
    sampleRateByBand: { ...(merged.sampleRateByBand as SurveyConfig["sampleRateByBand"]) },
  };
  return { ok: true, value };
}
