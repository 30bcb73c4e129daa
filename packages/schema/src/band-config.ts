import { MAX_JITTER_MS, MAX_RTT_MS, MOS_MAX, MOS_MIN } from "./call-quality.js";
import { MIN_ASK_PROBABILITY } from "./catalog.js";
import { BAND_METRICS, type BandMetric, bandThresholds, NETWORK_BANDS } from "./network-band.js";
import type { ValidationIssue } from "./validate.js";

/**
 * Validation of the two survey-configuration fields about network bands: `networkBands` (threshold
 * overrides) and `sampleRateByBand` (how likely a survey is asked per band).
 *
 * @module
 */

/** The range each threshold may take, in the metric's unit. */
export const BAND_THRESHOLD_RANGES: Readonly<Record<BandMetric, readonly [number, number]>> = {
  rttMs: [0, MAX_RTT_MS],
  lossFraction: [0, 1],
  jitterMs: [0, MAX_JITTER_MS],
  mos: [MOS_MIN, MOS_MAX],
};

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** A finite number within `[min, max]`, else INVALID_TYPE or OUT_OF_RANGE; returns whether it passed. */
function inRange(errors: ValidationIssue[], path: string, v: unknown, min: number, max: number): boolean {
  if (typeof v !== "number" || !Number.isFinite(v)) {
    errors.push({ code: "INVALID_TYPE", path, message: `${path} must be a number from ${min} to ${max}.` });
    return false;
  }
  if (v >= min && v <= max) return true;
  errors.push({ code: "OUT_OF_RANGE", path, message: `${path} must be from ${min} to ${max}, got ${v}.` });
  return false;
}

/** Whether `value` is an object; reports INVALID_TYPE at `path` when not. */
function object(errors: ValidationIssue[], path: string, value: unknown, what: string): value is Json {
  if (isObject(value)) return true;
  errors.push({ code: "INVALID_TYPE", path, message: `${path} must be an object ${what}.` });
  return false;
}

function unknownKeys(errors: ValidationIssue[], path: string, value: Json, known: readonly string[]): void {
  for (const key of Object.keys(value))
    if (!known.includes(key))
      errors.push({
        code: "UNKNOWN_FIELD",
        path: `${path}.${key}`,
        message: `${path}.${key}: "${key}" is not one of ${known.join(", ")}.`,
      });
}

/**
 * `networkBands`: per metric (`rttMs`, `lossFraction`, `jitterMs`, `mos`) an object with `fair` and/or
 * `poor` within the metric's range; with the defaults filled in, `fair` must not be worse than `poor`
 * (for `mos`, higher is better, so `fair >= poor`).
 */
export function checkNetworkBands(errors: ValidationIssue[], value: unknown): void {
  const path = "networkBands";
  if (!object(errors, path, value, "keyed by metric")) return;
  unknownKeys(errors, path, value, BAND_METRICS);
  const effective = bandThresholds(value as never);
  for (const metric of BAND_METRICS) {
    const override = value[metric];
    const at = `${path}.${metric}`;
    if (override === undefined || !object(errors, at, override, "with fair and/or poor")) continue;
    unknownKeys(errors, at, override, ["fair", "poor"]);
    const [min, max] = BAND_THRESHOLD_RANGES[metric];
    const ok = ["fair", "poor"].every(
      (k) => override[k] === undefined || inRange(errors, `${at}.${k}`, override[k], min, max),
    );
    const { fair, poor } = effective[metric];
    if (ok && (metric === "mos" ? fair < poor : fair > poor))
      errors.push({
        code: "BAND_THRESHOLDS_INVERTED",
        path: at,
        message: `${at}: fair (${fair}) must be ${metric === "mos" ? "at least" : "at most"} poor (${poor}).`,
      });
  }
}

/**
 * `sampleRateByBand`: per band (`good`, `fair`, `poor`) the share of calls asked, from
 * {@link MIN_ASK_PROBABILITY} to 1. Zero is refused: a band never asked could not be estimated, since
 * estimates weight each survey by the inverse of that probability.
 */
export function checkSampleRateByBand(errors: ValidationIssue[], value: unknown): void {
  const path = "sampleRateByBand";
  if (!object(errors, path, value, "keyed by network band")) return;
  unknownKeys(errors, path, value, NETWORK_BANDS);
  for (const band of NETWORK_BANDS)
    if (value[band] !== undefined) inRange(errors, `${path}.${band}`, value[band], MIN_ASK_PROBABILITY, 1);
}
