/**
 * Property-based specification of `validateSurvey` and of the derived values and record formats.
 *
 * Arbitrary valid surveys are accepted unchanged; one mutation of a given kind applied to any valid
 * survey yields exactly one error with the expected code, path and message (ACS V1–V5 word for word).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  AUDIO_ISSUES,
  type CallRating,
  CONTEXT_FIELDS,
  DATE_TIME_PATTERN,
  DEFAULT_SCALE,
  DIMENSION_KEY_PATTERN,
  effectiveScale,
  isWellFormedText,
  LIMITS,
  OVERALL_ISSUES,
  RATING_CATEGORIES,
  type RatingScale,
  SCREENSHARE_ISSUES,
  type SurveySubmission,
  toAcsCallSurveyRow,
  toAzureResourceLogRecord,
  toSubmission,
  toSurveyRecord,
  UUID_PATTERN,
  type ValidateOptions,
  type ValidationIssue,
  VIDEO_ISSUES,
  validateSurvey,
} from "../src/index.js";

const RUNS = { numRuns: 250 };
type Json = Record<string, unknown>;
type Category = (typeof RATING_CATEGORIES)[number];
const SERVER = { projectId: "proj-1", receivedAt: new Date("2026-11-23T10:15:01.000Z") };
const ALL_TAGS = [
  ...new Set<string>([...OVERALL_ISSUES, ...AUDIO_ISSUES, ...VIDEO_ISSUES, ...SCREENSHARE_ISSUES]),
];
const IDENTITY = ["id", "callId", "participantId", "clientTime"] as const;
const SCALE_KEYS = ["lowerBound", "upperBound", "lowScoreThreshold"] as const;
const KNOWN_KEYS = [
  ...IDENTITY,
  ...CONTEXT_FIELDS,
  ...RATING_CATEGORIES.map((c) => c.field),
  ...["dimensions", "score", "scale", "issues", "improvementSuggestion", ...SCALE_KEYS],
];
const MAX_LENGTH: Json = {
  ...{ id: 36, callId: 256, participantId: 256, clientTime: 40 },
  ...{ dimension: 200, suggestion: 2000 },
};
const check = <T>(arb: fc.Arbitrary<T>, predicate: (value: T) => void) =>
  fc.assert(fc.property(arb, predicate), RUNS);
const pick = <T>(items: readonly T[], n: number): T => items[n % items.length] as T;
const asJson = (value: unknown) => structuredClone(value) as Json;

// ---------------------------------------------------------------- arbitraries of valid surveys

/** `s` with each character refused in labels (INVALID_CHARACTER) replaced by "x"s of its UTF-16 length. */
const labelText = (s: string) =>
  s.replace(/[\p{Cc}\p{Cs}\p{Zl}\p{Zp}\p{NChar}]/gu, (c) => "x".repeat(c.length));

/** A string of at most `max` UTF-16 units (any code points), now and then right at the limit. */
const text = (max: number, min = 0): fc.Arbitrary<string> => {
  const any = fc
    .string({ unit: "binary", minLength: min, maxLength: max })
    .map((s) => labelText(s.slice(0, max)))
    .filter(isWellFormedText);
  const atLimit = fc.integer({ min: Math.max(min, max - 1), max }).map((n) => "é".repeat(n));
  return fc.oneof({ weight: 4, arbitrary: any }, { weight: 1, arbitrary: atLimit });
};
const uuid = fc.oneof(fc.uuid(), fc.stringMatching(UUID_PATTERN));
const clientTime = fc
  .tuple(
    fc.date({
      min: new Date("0001-01-01T00:00:00Z"),
      max: new Date("9999-12-30T00:00:00Z"),
      noInvalidDate: true,
    }),
    fc.constantFrom("", ".5", ".123", ".123456789"),
    fc.constantFrom("Z", "+00:00", "-05:00", "+05:30", "+13:45"),
  )
  .map(([d, frac, offset]) => `${d.toISOString().slice(0, 19)}${frac}${offset}`);
const dimensionKey = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,39}$/);
const scale: fc.Arbitrary<RatingScale> = fc
  .tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }))
  .filter(([a, b]) => a !== b)
  .chain(([a, b]) => {
    const [lowerBound, upperBound] = a < b ? [a, b] : [b, a];
    return fc
      .integer({ min: lowerBound, max: upperBound })
      .map((t) => ({ lowerBound, upperBound, lowScoreThreshold: t }));
  });
/** Absent (undefined) half of the time. */
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });

function rating(catalogue: readonly string[]): fc.Arbitrary<CallRating> {
  const scored = optional(scale).chain((s) => {
    const { lowerBound: min, upperBound: max } = s ?? DEFAULT_SCALE;
    return fc.integer({ min, max }).map((score): CallRating => (s ? { score, scale: s } : { score }));
  });
  const suggestion = optional(text(LIMITS.improvementSuggestion));
  return fc
    .tuple(scored, optional(fc.shuffledSubarray([...catalogue])), suggestion)
    .map(([r, issues, text]) => ({
      ...r,
      ...(issues === undefined ? {} : { issues }),
      ...(text === undefined ? {} : { improvementSuggestion: text }),
    }));
}

/** Any valid survey; with `requireOverall` (the default rule) overallRating is always present. */
function survey(requireOverall = true): fc.Arbitrary<SurveySubmission> {
  const dimensions = (maxKeys: number, minKeys = 0) =>
    fc.dictionary(dimensionKey, text(LIMITS.dimensionValue), { minKeys, maxKeys, noNullPrototype: true });
  const fields: Record<string, fc.Arbitrary<unknown>> = {
    ...Object.fromEntries(CONTEXT_FIELDS.map((f) => [f, optional(text(LIMITS.contextValue))])),
    ...Object.fromEntries(RATING_CATEGORIES.map((c) => [c.field, optional(rating(c.issues))])),
    dimensions: optional(fc.oneof(dimensions(5), dimensions(LIMITS.dimensions, LIMITS.dimensions - 2))),
    ...{
      id: uuid,
      clientTime,
      callId: text(LIMITS.identifier, 1),
      participantId: text(LIMITS.identifier, 1),
    },
  };
  if (requireOverall) fields.overallRating = rating(OVERALL_ISSUES);
  const arb = fc
    .record(fields, { noNullPrototype: true })
    .map((s): Json => Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)));
  return arb.filter((s) => RATING_CATEGORIES.some((c) => s[c.field] !== undefined)) as fc.Arbitrary<never>;
}

/** Non-strings with the type name the messages use. */
const nonString: fc.Arbitrary<readonly [unknown, string]> = fc.oneof(
  fc.integer().map((v) => [v, "number"] as const),
  fc.boolean().map((v) => [v, "boolean"] as const),
  fc.constant([null, "null"] as const),
  fc.array(fc.integer(), { maxLength: 3 }).map((v) => [v, "array"] as const),
  fc.constant([{ a: 1 }, "object"] as const),
);

const percent = fc.integer({ min: 0, max: 100 });
/** A valid survey `x` (mutable clone) with a rated category `c` (rating `r`), plus random parameters. */
const world = fc
  .constantFrom(...RATING_CATEGORIES)
  .chain((c) => fc.tuple(fc.constant(c), survey(), rating(c.issues)))
  .chain(([c, s, fallback]) => {
    const x = asJson(s);
    x[c.field] ??= fallback;
    return fc.record({
      ...{ x: fc.constant(x), c: fc.constant(c as Category), sc: scale },
      ...{ a: percent, b: percent, k: fc.integer({ min: 1, max: 1000 }), up: fc.boolean(), n: fc.nat() },
      ...{ bad: nonString, json: fc.jsonValue({ maxDepth: 2 }), str: fc.string({ maxLength: 45 }) },
      // A fraction that keeps `integer ± f` a non-integer: within 1e-9 of 0 or 1 the sum would round to
      // the integer in floating point (6 - 0.9999999999999996 === 5), and the "outside" score would be inside.
      f: fc.double({ min: 1e-9, max: 1 - 1e-9, noNaN: true }),
    });
  })
  .map((w) => {
    const x = asJson(w.x);
    const r = x[w.c.field] as Json;
    return { ...w, x, r, tags: [...((r.issues as string[] | undefined) ?? [])] };
  });
type World = typeof world extends fc.Arbitrary<infer W> ? W : never;

/** An integer `k` above `hi` or below `lo`. */
const outside = (lo: number, hi: number, { k, up }: World) => (up ? hi + k : lo - k);
/** The one error a mutation must produce: code, path, message. */
type Expected = [code: ValidationIssue["code"], path: string, message: string];
const put = (o: Json, key: string, value: unknown) =>
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });

function assertOnly(input: unknown, [code, path, message]: Expected, options?: ValidateOptions): void {
  const result = validateSurvey(input, options);
  assert.equal(result.ok, false, `expected ${code} but the survey was accepted`);
  if (!result.ok) assert.deepEqual(result.errors, [{ code, path, message }]);
}
/** States a rule: `mutate` changes `w.x` once and returns the one error expected (or skips with fc.pre). */
const rule = (name: string, mutate: (w: World) => Expected, options?: (w: World) => ValidateOptions) =>
  it(name, () => check(world, (w) => assertOnly(w.x, mutate(w), options?.(w))));

// ---------------------------------------------------------------- valid surveys

describe("validateSurvey accepts every valid survey", () => {
  it("returns ok with a clean copy deep-equal to the input (id lower-cased)", () => {
    check(survey(), (s) => {
      const result = validateSurvey(structuredClone(s));
      assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
      assert.deepEqual(result.value, { ...s, id: s.id.toLowerCase() });
    });
  });

  it("the clean copy shares no object with the input", () => {
    check(survey(), (s) => {
      const result = validateSurvey(s);
      assert.ok(result.ok);
      for (const { field } of RATING_CATEGORIES) {
        const [a, b] = [s[field], result.value[field]];
        if (a) assert.ok(a !== b && (a.scale === undefined || a.scale !== b?.scale));
        if (a?.issues) assert.notEqual(a.issues, b?.issues);
      }
      if (s.dimensions) assert.notEqual(s.dimensions, result.value.dimensions);
    });
  });

  it("without overallRating: OVERALL_RATING_REQUIRED by default, accepted with requireOverallRating:false", () => {
    const noOverall = survey(false).filter((s) => s.overallRating === undefined);
    check(noOverall, (s) => {
      assert.ok(validateSurvey(s, { requireOverallRating: false }).ok);
      assertOnly(s, ["OVERALL_RATING_REQUIRED", "overallRating", "Overall survey rating is required."]);
    });
  });
});

// ---------------------------------------------------------------- ACS rules V1–V5

describe("ACS rules: one mutation of a valid survey gives exactly the ACS error, word for word", () => {
  rule(
    "V1 SURVEY_EMPTY: no rating at all → 'At least one survey rating is required.', whatever the options",
    ({ x }) => {
      for (const c of RATING_CATEGORIES) delete x[c.field];
      return ["SURVEY_EMPTY", "", "At least one survey rating is required."];
    },
    ({ up }) => ({ requireOverallRating: up }),
  );
  rule(
    "V2 SCORE_OUT_OF_DEFAULT_SCALE: no scale, score outside 1–5 → 'In default scale X.score should be 1 to 5.' (X = ScreenshareRating for screenshare)",
    (w) => {
      const { c, r, n, f, up } = w;
      delete r.scale;
      r.score = outside(1, 5, w) + (n % 2 ? 0 : up ? -f : f);
      const name = c.key === "screenshare" ? "ScreenshareRating" : c.field;
      return [
        "SCORE_OUT_OF_DEFAULT_SCALE",
        `${c.field}.score`,
        `In default scale ${name}.score should be 1 to 5.`,
      ];
    },
  );
  rule(
    "V3 SCORE_OUT_OF_SCALE: a score outside its custom scale → '{field}: {score} should be between {lb} and {ub}.'",
    (w) => {
      const { c, r, sc } = w;
      const score = outside(sc.lowerBound, sc.upperBound, w);
      Object.assign(r, { scale: sc, score });
      const message = `${c.field}: ${score} should be between ${sc.lowerBound} and ${sc.upperBound}.`;
      return ["SCORE_OUT_OF_SCALE", `${c.field}.score`, message];
    },
  );
  rule(
    "V4 THRESHOLD_OUT_OF_SCALE: a threshold outside its bounds → '{field}: {th} should be between {lb} and {ub}.'",
    (w) => {
      const { c, r, sc } = w;
      const th = outside(sc.lowerBound, sc.upperBound, w);
      Object.assign(r, { scale: { ...sc, lowScoreThreshold: th }, score: sc.upperBound });
      const message = `${c.field}: ${th} should be between ${sc.lowerBound} and ${sc.upperBound}.`;
      return ["THRESHOLD_OUT_OF_SCALE", `${c.field}.scale.lowScoreThreshold`, message];
    },
  );
  rule(
    "V5 SCALE_OUT_OF_RANGE: a bound outside 0–100 → '{field} lowerBound: {lb} and upperBound: {ub} should be between 0 and 100.'",
    (w) => {
      const { c, r, a, b, n, k } = w;
      const [lb, ub] = n % 2 ? [outside(0, 100, w), b] : [a, outside(0, 100, w)];
      r.scale = { lowerBound: lb, upperBound: ub, lowScoreThreshold: k };
      const message = `${c.field} lowerBound: ${lb} and upperBound: ${ub} should be between 0 and 100.`;
      return ["SCALE_OUT_OF_RANGE", `${c.field}.scale`, message];
    },
  );
});

// ---------------------------------------------------------------- strict rules

describe("strict rules: one mutation of a valid survey gives exactly one error", () => {
  rule("SCALE_BOUNDS_INVERTED: lowerBound >= upperBound (both within 0–100)", ({ c, r, a, b }) => {
    const [lb, ub] = [Math.max(a, b), Math.min(a, b)];
    r.scale = { lowerBound: lb, upperBound: ub, lowScoreThreshold: ub };
    const message = `${c.field} lowerBound: ${lb} should be less than upperBound: ${ub}.`;
    return ["SCALE_BOUNDS_INVERTED", `${c.field}.scale`, message];
  });
  rule("NOT_INTEGER: a fractional score inside its default or custom scale", ({ c, r, sc, n, f }) => {
    if (n % 2) r.scale = sc;
    const { lowerBound: lo, upperBound: hi } = effectiveScale(r as { scale?: RatingScale });
    r.score = lo + f * (hi - lo);
    fc.pre(!Number.isInteger(r.score));
    return ["NOT_INTEGER", `${c.field}.score`, `${c.field}.score: ${r.score} should be a whole number.`];
  });
  rule("NOT_INTEGER: a fractional bound or threshold inside 0–100", ({ c, r, sc, n, f }) => {
    const key = pick(SCALE_KEYS, n);
    const v = f * 100;
    fc.pre(!Number.isInteger(v));
    r.scale = { ...sc, [key]: v };
    const path = `${c.field}.scale.${key}`;
    return ["NOT_INTEGER", path, `${path}: ${v} should be a whole number.`];
  });
  rule(
    "UNKNOWN_ISSUE_TAG: a tag outside the category's catalogue (e.g. another category's tag), at its index",
    (w) => {
      const { c, r, n, str, tags } = w;
      const tag = pick([...ALL_TAGS, str], n);
      fc.pre(!(c.issues as readonly string[]).includes(tag));
      const i = n % (tags.length + 1);
      r.issues = [...tags.slice(0, i), tag, ...tags.slice(i)];
      const at = `${c.field}.issues[${i}]`;
      const message = `${at}: "${tag.slice(0, 64)}" is not a ${c.field} issue tag; expected one of ${c.issues.join(", ")}.`;
      return ["UNKNOWN_ISSUE_TAG", at, message];
    },
  );
  rule("DUPLICATE_ISSUE_TAG: a tag listed again is reported at the repetition", ({ c, r, n, tags }) => {
    fc.pre(tags.length > 0);
    const tag = pick(tags, n);
    r.issues = [...tags, tag];
    const at = `${c.field}.issues[${tags.length}]`;
    return ["DUPLICATE_ISSUE_TAG", at, `${at}: "${tag}" is listed more than once.`];
  });
  rule("OVERALL_RATING_REQUIRED: other ratings without overallRating, by default", ({ x, c }) => {
    fc.pre(c.key !== "overall");
    delete x.overallRating;
    return ["OVERALL_RATING_REQUIRED", "overallRating", "Overall survey rating is required."];
  });
});

// ---------------------------------------------------------------- shape rules

describe("shape rules: one mutation of a valid survey gives exactly one error", () => {
  rule(
    "UNKNOWN_FIELD: an extra top-level, rating or scale key, reported at its dotted path",
    ({ x, c, r, sc, n, json, str }) => {
      fc.pre(str.length > 0 && !KNOWN_KEYS.includes(str));
      Object.assign(r, { scale: { ...sc }, score: sc.lowerBound });
      const paths = [str, `${c.field}.${str}`, `${c.field}.scale.${str}`];
      put(pick([x, r, r.scale as Json], n), str, json);
      const path = pick(paths, n);
      return ["UNKNOWN_FIELD", path, `Unknown field "${path}".`];
    },
  );
  rule("REQUIRED: a missing or empty id, callId, participantId or clientTime", ({ x, n, up }) => {
    const f = pick(IDENTITY, n);
    if (up) delete x[f];
    else x[f] = "";
    return ["REQUIRED", f, up ? `${f} is required.` : `${f} must not be empty.`];
  });
  rule("REQUIRED: a rating without score, or a scale without one of its three fields", ({ c, r, sc, n }) => {
    const key = pick(["score", ...SCALE_KEYS], n);
    Object.assign(r, { scale: { ...sc }, score: sc.lowerBound });
    const path = key === "score" ? `${c.field}.score` : `${c.field}.scale.${key}`;
    delete (key === "score" ? r : (r.scale as Json))[key];
    return ["REQUIRED", path, `${path} is required${key === "score" ? "" : " when a scale is given"}.`];
  });
  rule(
    "INVALID_TYPE: a non-string identity, context value, suggestion or dimension value",
    ({ x, c, r, n, bad: [v, type] }) => {
      const f = pick([...IDENTITY, ...CONTEXT_FIELDS, "suggestion", "dimension"], n);
      let path: string = f;
      if (f === "suggestion") [r.improvementSuggestion, path] = [v, `${c.field}.improvementSuggestion`];
      else if (f === "dimension") [x.dimensions, path] = [{ tier: v }, "dimensions.tier"];
      else x[f] = v;
      return ["INVALID_TYPE", path, `${path} must be a string, got ${type}.`];
    },
  );
  rule(
    "INVALID_TYPE: a non-number score or scale field (numeric strings included)",
    ({ c, r, sc, n, bad }) => {
      const [v, type] = bad[1] === "number" ? [String(bad[0]), "string"] : bad;
      const key = pick(["score", ...SCALE_KEYS], n);
      Object.assign(r, { scale: { ...sc }, score: sc.lowerBound });
      const path = key === "score" ? `${c.field}.score` : `${c.field}.scale.${key}`;
      (key === "score" ? r : (r.scale as Json))[key] = v;
      return ["INVALID_TYPE", path, `${path} must be a finite number, got ${type}.`];
    },
  );
  rule(
    "INVALID_TYPE: a non-object rating, scale or dimensions; non-array issues; a non-string tag",
    ({ x, c, r, n, bad }) => {
      const where = pick(["rating", "scale", "dimensions", "issues", "tag"] as const, n);
      const [v, type] =
        bad[1] === "object" || (where === "issues" && bad[1] === "array") ? ["x", "string"] : bad;
      if (where === "tag") {
        r.issues = [bad[0]];
        const at = `${c.field}.issues[0]`;
        return ["INVALID_TYPE", at, `${at} must be a string, got ${bad[1]}.`];
      }
      const path = where === "dimensions" ? where : where === "rating" ? c.field : `${c.field}.${where}`;
      if (where === "rating" || where === "dimensions") x[path] = v;
      else r[where] = v;
      const what = where === "issues" ? "an array of issue tags" : "an object";
      return ["INVALID_TYPE", path, `${path} must be ${what}, got ${type}.`];
    },
  );
  rule(
    "INVALID_FORMAT: an id of at most 36 characters that is not an 8-4-4-4-12 hex UUID",
    ({ x, n, str }) => {
      const id = x.id as string;
      x.id = pick([str.slice(0, 36), id.replace("-", ""), `${id.slice(0, 35)}g`, `{${id.slice(1, 35)}}`], n);
      fc.pre((x.id as string).length > 0 && !UUID_PATTERN.test(x.id as string));
      return ["INVALID_FORMAT", "id", "id must be a UUID."];
    },
  );
  rule("INVALID_FORMAT: a clientTime that is not an RFC 3339 date-time with offset", ({ x, n, str }) => {
    const t = x.clientTime as string;
    const noOffset = t.replace(/(Z|[+-]\d\d:\d\d)$/, "");
    const bad = pick([t.slice(0, 10), t.replace("T", " "), noOffset, t.toLowerCase(), str.slice(0, 40)], n);
    fc.pre(bad !== "" && !DATE_TIME_PATTERN.test(bad));
    x.clientTime = bad;
    const message = "clientTime must be an RFC 3339 date-time with offset, e.g. 2026-11-23T10:15:00Z.";
    return ["INVALID_FORMAT", "clientTime", message];
  });
  rule(
    "INVALID_FORMAT: a well-formed clientTime with month > 12, day > 31, hour > 24 or minute > 59",
    ({ x, n, k }) => {
      const part = n % 4; // month, day, hour, minute: where it starts and its first impossible value
      const [from, min] = [[5, 8, 11, 14][part] as number, [13, 32, 25, 60][part] as number];
      const t = x.clientTime as string;
      x.clientTime = `${t.slice(0, from)}${min + (k % (100 - min))}${t.slice(from + 2)}`;
      return ["INVALID_FORMAT", "clientTime", "clientTime is not a real calendar date-time."];
    },
  );
  rule(
    "INVALID_FORMAT: a dimension key not starting with a letter, with other characters, or over 40",
    ({ x, n, str }) => {
      const key = n % 3 ? str : `K${str}`.padEnd(41, "x");
      fc.pre(key.length > LIMITS.dimensionKey || !DIMENSION_KEY_PATTERN.test(key));
      x.dimensions = put({}, key, "v");
      const rules = `must start with a letter, use only letters, digits, "_", "." or "-", and be at most 40 characters.`;
      return ["INVALID_FORMAT", `dimensions.${key}`, `Dimension key "${key}" ${rules}`];
    },
  );
  rule(
    "TOO_LONG: a string over its limit (id 36, ids 256, clientTime 40, context 64, dimension 200, suggestion 2000)",
    (w) => {
      const { x, c, r, n, k } = w;
      const f = pick([...IDENTITY, ...CONTEXT_FIELDS, "dimension", "suggestion"], n);
      const max = (MAX_LENGTH[f] as number | undefined) ?? LIMITS.contextValue;
      const long = "a".repeat(max + (k % 30) + 1);
      let path: string = f;
      if (f === "suggestion") [r.improvementSuggestion, path] = [long, `${c.field}.improvementSuggestion`];
      else if (f === "dimension") [x.dimensions, path] = [{ tier: long }, "dimensions.tier"];
      else x[f] = long;
      return ["TOO_LONG", path, `${path} must be at most ${max} characters, got ${long.length}.`];
    },
  );
  rule("TOO_LONG: more than 20 dimensions", ({ x, k }) => {
    const count = 21 + (k % 20);
    x.dimensions = Object.fromEntries(Array.from({ length: count }, (_, i) => [`key${i}`, "v"]));
    return ["TOO_LONG", "dimensions", `dimensions may have at most 20 keys, got ${count}.`];
  });
});

// ---------------------------------------------------------------- derived values and record formats

const accepted = survey().map((s) => {
  const r = validateSurvey(s);
  assert.ok(r.ok);
  return r.value;
});
/** A submission after a trip through the native record: scales materialised, empty issues/dimensions dropped. */
function materialised(s: SurveySubmission): SurveySubmission {
  const out = asJson(s);
  if (s.dimensions && Object.keys(s.dimensions).length === 0) delete out.dimensions;
  for (const { field } of RATING_CATEGORIES) {
    const r = s[field];
    if (!r) continue;
    const { issues, ...rest } = r;
    out[field] = { ...rest, scale: effectiveScale(r), ...(issues?.length ? { issues } : {}) };
  }
  return out as unknown as SurveySubmission;
}
/** `ACSCallSurvey` columns, as named in the Azure Monitor table reference. */
// biome-ignore format: one table row per line
const ACS_COLUMNS = [
  "TimeGenerated", "CorrelationId", "CallId", "ParticipantId", "SurveyId", "OperationName", "OperationVersion", "Category",
  "OverallCallIssues", "OverallRatingScore", "OverallRatingScoreLowerBound", "OverallRatingScoreUpperBound", "OverallRatingScoreThreshold",
  "AudioIssues", "AudioRatingScore", "AudioRatingScoreLowerBound", "AudioRatingScoreUpperBound", "AudioRatingScoreThreshold",
  "VideoIssues", "VideoRatingScore", "VideoRatingScoreLowerBound", "VideoRatingScoreUpperBound", "VideoRatingScoreThreshold",
  "ScreenshareIssues", "ScreenshareRatingScore", "ScreenshareRatingScoreLowerBound", "ScreenshareRatingScoreUpperBound", "ScreenshareRatingScoreThreshold",
];

describe("derived values and record formats of accepted surveys", () => {
  it("normalizedScore is in [0, 1] (0 at lowerBound, 1 at upperBound); poor iff score <= lowScoreThreshold", () => {
    check(accepted, (s) => {
      for (const [key, r] of Object.entries(toSurveyRecord(s, SERVER).ratings)) {
        assert.ok(r.normalizedScore >= 0 && r.normalizedScore <= 1, `${key}: ${r.normalizedScore}`);
        if (r.score === r.scale.lowerBound) assert.equal(r.normalizedScore, 0);
        if (r.score === r.scale.upperBound) assert.equal(r.normalizedScore, 1);
        assert.equal(r.poor, r.score <= r.scale.lowScoreThreshold);
      }
    });
  });

  it("toSubmission(toSurveyRecord(x)) is x with scales materialised, and is itself valid", () => {
    check(accepted, (s) => {
      const back = toSubmission(toSurveyRecord(s, SERVER));
      assert.deepEqual(back, materialised(s));
      const again = validateSurvey(back);
      assert.ok(again.ok);
      assert.deepEqual(again.value, back);
    });
  });

  it("the ACSCallSurvey row has exactly the ACSCallSurvey column names, in table order", () => {
    check(accepted, (s) =>
      assert.deepEqual(Object.keys(toAcsCallSurveyRow(toSurveyRecord(s, SERVER))), ACS_COLUMNS),
    );
  });

  it("row values: ids, comma-separated issues without spaces, materialised scale, nulls when unrated", () => {
    check(accepted, (s) => {
      const row = toAcsCallSurveyRow(toSurveyRecord(s, SERVER));
      const envelope = [row.TimeGenerated, row.CorrelationId, row.ParticipantId, row.CallId, row.SurveyId];
      const ids = [s.participantId, s.participantId, s.callId, s.id];
      assert.deepEqual(envelope, [SERVER.receivedAt.toISOString(), ...ids]);
      for (const c of RATING_CATEGORIES) {
        const r = s[c.field];
        const p = `${c.column}RatingScore`;
        const values = [c.issuesColumn, p, `${p}LowerBound`, `${p}UpperBound`, `${p}Threshold`].map(
          (k) => row[k],
        );
        if (!r) {
          assert.deepEqual(values, [null, null, null, null, null]);
          continue;
        }
        const sc = effectiveScale(r);
        const expected = [sc.lowerBound, sc.upperBound, sc.lowScoreThreshold];
        assert.deepEqual(values, [(r.issues ?? []).join(","), r.score, ...expected]);
        assert.doesNotMatch(String(values[0]), /\s/);
      }
    });
  });

  it("neither the ACS row nor the Azure resource-log record ever carries improvementSuggestion text", () => {
    check(fc.tuple(accepted, fc.uuid()), ([value, secret]) => {
      const s = structuredClone(value);
      for (const { field } of RATING_CATEGORIES) {
        const r = s[field];
        if (r) r.improvementSuggestion = `SECRET:${secret}`;
      }
      const record = toSurveyRecord(s, SERVER);
      for (const out of [toAcsCallSurveyRow(record), toAzureResourceLogRecord(record, "/RESOURCE")]) {
        const text = JSON.stringify(out);
        assert.ok(!text.includes(secret) && !text.includes("mprovementSuggestion"), text);
      }
    });
  });
});
