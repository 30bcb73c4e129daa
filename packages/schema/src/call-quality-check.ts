import {
  CANDIDATE_TYPES,
  CODEC_PATTERN,
  MAX_BITRATE_KBPS,
  MAX_CALL_QUALITY_SECONDS,
  MAX_CODEC_LENGTH,
  MAX_FRAMES_PER_SECOND,
  MAX_FREEZE_COUNT,
  MAX_JITTER_MS,
  MAX_RTT_MS,
  MEDIA_DIRECTIONS,
  MEDIA_KINDS,
  MOS_MAX,
  MOS_MIN,
  type Percentiles,
  TRANSPORT_PROTOCOLS,
} from "./call-quality.js";

/**
 * The declared shape of a survey's `callQuality` ({@link CALL_QUALITY_SHAPE}), its validator and its
 * clean copy. The JSON Schema (`callQualitySchema` in json-schema.ts) is generated from the same shape.
 *
 * @module
 */

/** A declared value: a number in a range, one of some strings, a pattern string, percentiles or an object. */
export type QualityShape =
  | { kind: "number"; min: number; max: number; integer?: true; description: string }
  | { kind: "enum"; values: readonly string[]; description: string }
  | { kind: "text"; pattern: RegExp; maxLength: number; description: string }
  | { kind: "percentiles"; max: number; description: string }
  | {
      kind: "object";
      fields: Record<string, QualityShape>;
      required?: readonly string[];
      description: string;
    };

const num = (min: number, max: number, description: string, integer?: true): QualityShape =>
  integer ? { kind: "number", min, max, integer, description } : { kind: "number", min, max, description };
const jitter: QualityShape = {
  kind: "percentiles",
  max: MAX_JITTER_MS,
  description: "Interarrival jitter (RFC 3550) in ms, median and 95th percentile of the samples.",
};
const rtt = (of: string): QualityShape => ({
  kind: "percentiles",
  max: MAX_RTT_MS,
  description: `Round-trip time ${of} in ms, median and 95th percentile of the samples.`,
});
const bitrate = (what: string) => num(0, MAX_BITRATE_KBPS, `${what}, kbit/s.`);

const STREAM_SHAPE: QualityShape = {
  kind: "object",
  description: "One media kind in one direction, over the whole call.",
  fields: {
    lossFraction: num(0, 1, "Packets lost / packets expected."),
    jitterMs: jitter,
    rttMs: rtt("from RTCP reports"),
    bitrateKbps: bitrate("Mean media bitrate"),
    framesPerSecond: num(0, MAX_FRAMES_PER_SECOND, "Median frames per second."),
    freezeCount: num(0, MAX_FREEZE_COUNT, "Video freezes (received video).", true),
    freezeSeconds: num(0, MAX_CALL_QUALITY_SECONDS, "Total duration of the freezes, seconds."),
    concealmentRatio: num(0, 1, "Concealed audio samples / samples received (received audio)."),
    codec: {
      kind: "text",
      pattern: CODEC_PATTERN,
      maxLength: MAX_CODEC_LENGTH,
      description: "Codec, the mimeType subtype, e.g. opus, VP8.",
    },
  },
};

const oneOf = (values: readonly string[], description: string): QualityShape => ({
  kind: "enum",
  values,
  description,
});

const directions = (kind: string): QualityShape => ({
  kind: "object",
  description: `The ${kind} received (inbound) and sent (outbound).`,
  fields: Object.fromEntries(MEDIA_DIRECTIONS.map((d) => [d, STREAM_SHAPE])),
});

/** The whole `callQuality` object, declared once. */
export const CALL_QUALITY_SHAPE: QualityShape = {
  kind: "object",
  description:
    "What the device measured during the call (WebRTC getStats), summarised. Every metric is optional.",
  required: ["durationSeconds"],
  fields: {
    durationSeconds: num(0, MAX_CALL_QUALITY_SECONDS, "Seconds between the first and the last sample."),
    mos: num(MOS_MIN, MOS_MAX, "Estimated listening quality of the audio received (E-model, ITU-T G.107)."),
    path: {
      kind: "object",
      description: "The selected ICE candidate pair, as last seen.",
      fields: {
        localCandidateType: oneOf(CANDIDATE_TYPES, "Type of this device's candidate."),
        remoteCandidateType: oneOf(CANDIDATE_TYPES, "Type of the peer's (or server's) candidate."),
        protocol: oneOf(TRANSPORT_PROTOCOLS, "Transport of the media path."),
        rttMs: rtt("of ICE consent checks on the selected pair"),
      },
    },
    ...Object.fromEntries(MEDIA_KINDS.map((k) => [k, directions(k)])),
  },
};

// ---------------------------------------------------------------------------------------------------
// The validator.

/** Reports one problem; returns `false` so checks read `passes || report(...)`. */
export type ReportIssue = (code: QualityIssueCode, path: string, message: string) => false;
/** The codes this validator reports, all members of `VALIDATION_CODES`. */
export type QualityIssueCode =
  | "INVALID_TYPE"
  | "REQUIRED"
  | "UNKNOWN_FIELD"
  | "INVALID_FORMAT"
  | "TOO_LONG"
  | "NOT_INTEGER"
  | "OUT_OF_RANGE"
  | "PERCENTILES_INVERTED";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const typeName = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

/** A finite number within `[min, max]`, else INVALID_TYPE or OUT_OF_RANGE. */
function checkRange(value: unknown, min: number, max: number, path: string, add: ReportIssue): boolean {
  return typeof value !== "number" || !Number.isFinite(value)
    ? add("INVALID_TYPE", path, `${path} must be a finite number, got ${typeName(value)}.`)
    : (value >= min && value <= max) ||
        add("OUT_OF_RANGE", path, `${path} must be from ${min} to ${max}, got ${value}.`);
}

/** Check `value` against `shape`, reporting every problem at its dotted `path`. */
export function checkQualityShape(value: unknown, shape: QualityShape, path: string, add: ReportIssue): void {
  switch (shape.kind) {
    case "number":
      if (checkRange(value, shape.min, shape.max, path, add) && shape.integer && !Number.isInteger(value))
        add("NOT_INTEGER", path, `${path}: ${value} should be a whole number.`);
      return;
    case "enum":
      if (!shape.values.includes(value as string))
        add(
          typeof value === "string" ? "INVALID_FORMAT" : "INVALID_TYPE",
          path,
          `${path} must be one of ${shape.values.join(", ")}.`,
        );
      return;
    case "text":
      if (typeof value !== "string")
        add("INVALID_TYPE", path, `${path} must be a string, got ${typeName(value)}.`);
      else if (value.length > shape.maxLength)
        add("TOO_LONG", path, `${path} must be at most ${shape.maxLength} characters, got ${value.length}.`);
      else if (!shape.pattern.test(value))
        add("INVALID_FORMAT", path, `${path} must be a name of letters, digits, ".", "_", "+" or "-".`);
      return;
    case "percentiles": {
      if (!isObject(value))
        return void add("INVALID_TYPE", path, `${path} must be an object, got ${typeName(value)}.`);
      const p = ["p50", "p95"] as const;
      unknownKeys(value, p, path, add);
      const ok = p.filter((k) =>
        value[k] === undefined
          ? add("REQUIRED", `${path}.${k}`, `${path}.${k} is required.`)
          : checkRange(value[k], 0, shape.max, `${path}.${k}`, add),
      );
      if (ok.length === 2 && (value.p50 as number) > (value.p95 as number))
        add("PERCENTILES_INVERTED", path, `${path}: p50 (${value.p50}) must not exceed p95 (${value.p95}).`);
      return;
    }
    case "object": {
      if (!isObject(value))
        return void add("INVALID_TYPE", path, `${path} must be an object, got ${typeName(value)}.`);
      unknownKeys(value, Object.keys(shape.fields), path, add);
      for (const key of shape.required ?? [])
        if (value[key] === undefined) add("REQUIRED", `${path}.${key}`, `${path}.${key} is required.`);
      for (const [key, field] of Object.entries(shape.fields))
        if (value[key] !== undefined) checkQualityShape(value[key], field, `${path}.${key}`, add);
    }
  }
}

function unknownKeys(value: Json, known: readonly string[], path: string, add: ReportIssue): void {
  for (const key of Object.keys(value))
    known.includes(key) || add("UNKNOWN_FIELD", `${path}.${key}`, `Unknown field "${path}.${key}".`);
}

/** Check a survey's `callQuality` (reported at `callQuality.…`). Used by `validateSurvey`. */
export function checkCallQuality(value: unknown, add: ReportIssue): void {
  checkQualityShape(value, CALL_QUALITY_SHAPE, "callQuality", add);
}

/** A deep copy of a checked summary with only its declared keys. */
export function copyCallQuality(value: unknown, shape: QualityShape = CALL_QUALITY_SHAPE): unknown {
  if (shape.kind === "percentiles") {
    const { p50, p95 } = value as Percentiles;
    return { p50, p95 };
  }
  if (shape.kind !== "object") return value;
  const out: Json = {};
  for (const [key, field] of Object.entries(shape.fields)) {
    const v = (value as Json)[key];
    if (v !== undefined) out[key] = copyCallQuality(v, field);
  }
  return out;
}
