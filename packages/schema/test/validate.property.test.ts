/**
 * Property-based specification of `validateSurvey` and the derived values / record formats.
 *
 * Every documented rule is stated twice: arbitrary valid surveys are accepted unchanged, and a single
 * mutation of one kind applied to any valid survey yields exactly one error, with the expected code,
 * path and message (ACS messages V1–V5 word for word).
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
  VIDEO_ISSUES,
  type ValidateOptions,
  type ValidationIssue,
  validateSurvey,
} from "../src/index.js";

const RUNS = { numRuns: 250 };
type Json = Record<string, unknown>;
type Category = (typeof RATING_CATEGORIES)[number];
const SERVER = { projectId: "proj-1", receivedAt: new Date("2026-11-23T10:15:01.000Z") };
const ALL_TAGS = [
  ...new Set<string>([...OVERALL_ISSUES, ...AUDIO_ISSUES, ...VIDEO_ISSUES, ...SCREENSHARE_ISSUES]),
];

// ---------------------------------------------------------------- arbitraries of valid surveys

/** A string of at most `max` UTF-16 units (any code points), biased towards the limit now and then. */
const text = (max: number, min = 0): fc.Arbitrary<string> =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.string({ unit: "binary", minLength: min, maxLength: max }).map((s) => s.slice(0, max)),
    },
    { weight: 1, arbitrary: fc.integer({ min: Math.max(min, max - 1), max }).map((n) => "é".repeat(n)) },
  );
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
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

function rating(catalogue: readonly string[]): fc.Arbitrary<CallRating> {
  const scored = optional(scale).chain((s) => {
    const { lowerBound: min, upperBound: max } = s ?? DEFAULT_SCALE;
    return fc.integer({ min, max }).map((score): CallRating => (s ? { score, scale: s } : { score }));
  });
  return fc
    .tuple(
      scored,
      optional(fc.shuffledSubarray([...catalogue])),
      optional(text(LIMITS.improvementSuggestion)),
    )
    .map(([r, issues, suggestion]) => ({
      ...r,
      ...(issues === undefined ? {} : { issues }),
      ...(suggestion === undefined ? {} : { improvementSuggestion: suggestion }),
    }));
}

/** Any valid survey; with `requireOverall` (the default rule) overallRating is always present. */
function survey(requireOverall = true): fc.Arbitrary<SurveySubmission> {
  const identity = {
    id: uuid,
    callId: text(LIMITS.identifier, 1),
    participantId: text(LIMITS.identifier, 1),
    clientTime,
  };
  const context = Object.fromEntries(CONTEXT_FIELDS.map((f) => [f, text(LIMITS.contextValue)]));
  const ratings = Object.fromEntries(RATING_CATEGORIES.map((c) => [c.field, rating(c.issues)]));
  const dimensions = fc.dictionary(dimensionKey, text(LIMITS.dimensionValue), {
    maxKeys: LIMITS.dimensions,
    noNullPrototype: true,
  });
  const required = [
    "id",
    "callId",
    "participantId",
    "clientTime",
    ...(requireOverall ? ["overallRating"] : []),
  ];
  return fc
    .record({ ...identity, ...context, dimensions, ...ratings } as Record<string, fc.Arbitrary<unknown>>, {
      requiredKeys: required,
      noNullPrototype: true,
    })
    .filter((s) => RATING_CATEGORIES.some((c) => s[c.field] !== undefined)) as fc.Arbitrary<SurveySubmission>;
}

/** A valid survey (as a mutable clone) in which `category` is rated. */
const surveyRating = (pick?: (c: Category) => boolean) =>
  fc.constantFrom(...RATING_CATEGORIES.filter(pick ?? (() => true))).chain((c) =>
    fc.tuple(survey(), rating(c.issues)).map(([s, r]) => {
      const x = structuredClone(s) as Json;
      x[c.field] ??= r;
      return { x, c, r: x[c.field] as Json };
    }),
  );

/** Non-values of a JSON type, with the type name the messages use. */
const nonString = fc.oneof(
  fc.integer().map((v) => [v, "number"] as const),
  fc.boolean().map((v) => [v, "boolean"] as const),
  fc.constant([null, "null"] as const),
  fc.array(fc.integer(), { maxLength: 3 }).map((v) => [v, "array"] as const),
  fc.constant([{ a: 1 }, "object"] as const),
);
const nonNumber = fc.oneof(
  nonString.filter(([, t]) => t !== "number"),
  fc.string().map((v) => [v, "string"] as const),
);
const nonObject = fc.oneof(
  nonNumber.filter(([, t]) => t !== "object"),
  fc.integer().map((v) => [v, "number"] as const),
);
const outside = (lo: number, hi: number) =>
  fc.oneof(fc.integer({ min: -1000, max: lo - 1 }), fc.integer({ min: hi + 1, max: 1000 }));
const fraction = (lo: number, hi: number) =>
  fc.double({ min: lo, max: hi, noNaN: true }).filter((v) => !Number.isInteger(v));
/** Defines an own property even for `__proto__`, as `JSON.parse` does. */
function put(o: Json, key: string, value: unknown): Json {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  return o;
}

const unknownKey = (known: readonly string[]) =>
  fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !known.includes(k));
const TOP_FIELDS = [
  "id",
  "callId",
  "participantId",
  "clientTime",
  "dimensions",
  ...CONTEXT_FIELDS,
  ...RATING_CATEGORIES.map((c) => c.field),
];
const IDENTITY = ["id", "callId", "participantId", "clientTime"] as const;
const SCALE_KEYS = ["lowerBound", "upperBound", "lowScoreThreshold"] as const;
const withScale = fc.tuple(surveyRating(), scale).map(([s, sc]) => {
  Object.assign(s.r, { scale: sc, score: sc.lowerBound });
  return s;
});

// ---------------------------------------------------------------- helpers

interface Case {
  input: unknown;
  expected: ValidationIssue;
  options?: ValidateOptions;
}
const issue = (code: ValidationIssue["code"], path: string, message: string): ValidationIssue => ({
  code,
  path,
  message,
});

function assertOnly({ input, expected, options }: Case): void {
  const result = validateSurvey(input, options);
  assert.equal(result.ok, false, `expected ${expected.code} but the survey was accepted`);
  if (!result.ok) assert.deepEqual(result.errors, [expected]);
}
const rule = (name: string, arb: fc.Arbitrary<Case>) =>
  it(name, () => fc.assert(fc.property(arb, assertOnly), RUNS));

// ---------------------------------------------------------------- valid surveys

describe("validateSurvey accepts every valid survey", () => {
  it("returns ok with a clean copy deep-equal to the input (id lower-cased)", () => {
    fc.assert(
      fc.property(survey(), (s) => {
        const result = validateSurvey(structuredClone(s));
        assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
        assert.deepEqual(result.value, { ...s, id: s.id.toLowerCase() });
      }),
      RUNS,
    );
  });

  it("the clean copy shares no object with the input", () => {
    fc.assert(
      fc.property(survey(), (s) => {
        const result = validateSurvey(s);
        assert.ok(result.ok);
        for (const c of RATING_CATEGORIES) {
          const [a, b] = [s[c.field], result.value[c.field]];
          if (a) assert.ok(a !== b && (a.scale === undefined || a.scale !== b?.scale));
          if (a?.issues) assert.notEqual(a.issues, b?.issues);
        }
        if (s.dimensions) assert.notEqual(s.dimensions, result.value.dimensions);
      }),
      RUNS,
    );
  });

  it("requireOverallRating:false accepts any non-empty subset of categories without overallRating", () => {
    const noOverall = survey(false).map((s) => {
      const { overallRating: _, ...rest } = s;
      return rest;
    });
    fc.assert(
      fc.property(
        noOverall.filter((s) => RATING_CATEGORIES.some((c) => s[c.field] !== undefined)),
        (s) => {
          assert.ok(validateSurvey(s, { requireOverallRating: false }).ok);
          assertOnly({
            input: s,
            expected: issue("OVERALL_RATING_REQUIRED", "overallRating", "Overall survey rating is required."),
          });
        },
      ),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------- ACS rules V1–V5

describe("ACS rules: one mutation of a valid survey gives exactly the ACS error", () => {
  rule(
    "V1 SURVEY_EMPTY: a survey without any rating → 'At least one survey rating is required.' (whatever the options)",
    fc.tuple(survey(), fc.boolean()).map(([s, requireOverallRating]) => {
      const x = structuredClone(s) as Json;
      for (const c of RATING_CATEGORIES) delete x[c.field];
      const expected = issue("SURVEY_EMPTY", "", "At least one survey rating is required.");
      return { input: x, expected, options: { requireOverallRating } };
    }),
  );
  rule(
    "V2 SCORE_OUT_OF_DEFAULT_SCALE: without a scale a score outside 1–5 → 'In default scale X.score should be 1 to 5.' (X = ScreenshareRating for screenshare)",
    fc
      .tuple(surveyRating(), fc.oneof(outside(1, 5), fc.constantFrom(0.5, 5.5, -0.1)))
      .map(([{ x, c, r }, score]) => {
        delete r.scale;
        r.score = score;
        const name = c.key === "screenshare" ? "ScreenshareRating" : c.field;
        const expected = issue(
          "SCORE_OUT_OF_DEFAULT_SCALE",
          `${c.field}.score`,
          `In default scale ${name}.score should be 1 to 5.`,
        );
        return { input: x, expected };
      }),
  );
  rule(
    "V3 SCORE_OUT_OF_SCALE: a score outside its custom scale → '{field}: {score} should be between {lb} and {ub}.'",
    fc
      .tuple(surveyRating(), scale)
      .chain(([s, sc]) => outside(sc.lowerBound, sc.upperBound).map((score) => ({ ...s, sc, score })))
      .map(({ x, c, r, sc, score }) => {
        Object.assign(r, { scale: sc, score });
        const message = `${c.field}: ${score} should be between ${sc.lowerBound} and ${sc.upperBound}.`;
        return { input: x, expected: issue("SCORE_OUT_OF_SCALE", `${c.field}.score`, message) };
      }),
  );
  rule(
    "V4 THRESHOLD_OUT_OF_SCALE: a threshold outside its bounds → '{field}: {th} should be between {lb} and {ub}.'",
    fc
      .tuple(surveyRating(), scale)
      .chain(([s, sc]) => outside(sc.lowerBound, sc.upperBound).map((th) => ({ ...s, sc, th })))
      .map(({ x, c, r, sc, th }) => {
        Object.assign(r, { scale: { ...sc, lowScoreThreshold: th }, score: sc.upperBound });
        const message = `${c.field}: ${th} should be between ${sc.lowerBound} and ${sc.upperBound}.`;
        return {
          input: x,
          expected: issue("THRESHOLD_OUT_OF_SCALE", `${c.field}.scale.lowScoreThreshold`, message),
        };
      }),
  );
  rule(
    "V5 SCALE_OUT_OF_RANGE: a bound outside 0–100 → '{field} lowerBound: {lb} and upperBound: {ub} should be between 0 and 100.'",
    fc
      .tuple(
        surveyRating(),
        fc.integer({ min: -200, max: 300 }),
        fc.integer({ min: -200, max: 300 }),
        fc.integer(),
      )
      .filter(([, lb, ub]) => lb < 0 || lb > 100 || ub < 0 || ub > 100)
      .map(([{ x, c, r }, lb, ub, th]) => {
        r.scale = { lowerBound: lb, upperBound: ub, lowScoreThreshold: th };
        const message = `${c.field} lowerBound: ${lb} and upperBound: ${ub} should be between 0 and 100.`;
        return { input: x, expected: issue("SCALE_OUT_OF_RANGE", `${c.field}.scale`, message) };
      }),
  );
});

// ---------------------------------------------------------------- strict rules

describe("strict rules: one mutation of a valid survey gives exactly one error", () => {
  rule(
    "SCALE_BOUNDS_INVERTED: lowerBound >= upperBound within 0–100",
    fc
      .tuple(surveyRating(), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }))
      .map(([{ x, c, r }, a, b]) => {
        const [ub, lb] = a < b ? [a, b] : [b, a];
        r.scale = { lowerBound: lb, upperBound: ub, lowScoreThreshold: ub };
        const message = `${c.field} lowerBound: ${lb} should be less than upperBound: ${ub}.`;
        return { input: x, expected: issue("SCALE_BOUNDS_INVERTED", `${c.field}.scale`, message) };
      }),
  );
  rule(
    "NOT_INTEGER: a fractional score inside its (default or custom) scale",
    surveyRating().chain(({ x, c, r }) => {
      const { lowerBound: lo, upperBound: hi } = effectiveScale(r as unknown as CallRating);
      return fraction(lo, hi).map((score) => {
        r.score = score;
        const path = `${c.field}.score`;
        return {
          input: x,
          expected: issue("NOT_INTEGER", path, `${path}: ${score} should be a whole number.`),
        };
      });
    }),
  );
  rule(
    "NOT_INTEGER: a fractional bound or threshold inside 0–100",
    fc
      .tuple(surveyRating(), scale, fc.constantFrom(...SCALE_KEYS))
      .chain(([s, sc, key]) => fraction(0, 100).map((v) => ({ ...s, sc: { ...sc, [key]: v }, key, v })))
      .map(({ x, c, r, sc, key, v }) => {
        r.scale = sc;
        const path = `${c.field}.scale.${key}`;
        return { input: x, expected: issue("NOT_INTEGER", path, `${path}: ${v} should be a whole number.`) };
      }),
  );
  rule(
    "UNKNOWN_ISSUE_TAG: a tag outside the category's catalogue (e.g. another category's tag), at its index",
    surveyRating()
      .chain(({ x, c, r }) => {
        const foreign = fc.oneof(fc.constantFrom(...ALL_TAGS), fc.string({ maxLength: 80 }));
        const tags = (r.issues as string[] | undefined) ?? [];
        return fc
          .tuple(
            foreign.filter((t) => !(c.issues as readonly string[]).includes(t)),
            fc.nat({ max: tags.length }),
          )
          .map(([tag, i]) => ({ x, c, r, tag, i, tags }));
      })
      .map(({ x, c, r, tag, i, tags }) => {
        r.issues = [...tags.slice(0, i), tag, ...tags.slice(i)];
        const at = `${c.field}.issues[${i}]`;
        const message = `${at}: "${tag.slice(0, 64)}" is not a ${c.field} issue tag; expected one of ${c.issues.join(", ")}.`;
        return { input: x, expected: issue("UNKNOWN_ISSUE_TAG", at, message) };
      }),
  );
  rule(
    "DUPLICATE_ISSUE_TAG: a tag repeated later in the list is reported at the repetition",
    surveyRating()
      .filter(({ r }) => Array.isArray(r.issues) && r.issues.length > 0)
      .chain((s) => fc.nat({ max: (s.r.issues as string[]).length - 1 }).map((j) => ({ ...s, j })))
      .map(({ x, c, r, j }) => {
        const tags = r.issues as string[];
        const tag = tags[j] as string;
        const at = `${c.field}.issues[${tags.length}]`;
        tags.push(tag);
        return {
          input: x,
          expected: issue("DUPLICATE_ISSUE_TAG", at, `${at}: "${tag}" is listed more than once.`),
        };
      }),
  );
  rule(
    "OVERALL_RATING_REQUIRED: other ratings without overallRating (default options)",
    surveyRating((c) => c.key !== "overall").map(({ x }) => {
      delete x.overallRating;
      return {
        input: x,
        expected: issue("OVERALL_RATING_REQUIRED", "overallRating", "Overall survey rating is required."),
      };
    }),
  );
});

// ---------------------------------------------------------------- shape rules

describe("shape rules: one mutation of a valid survey gives exactly one error", () => {
  rule(
    "UNKNOWN_FIELD: an extra top-level, rating or scale key is reported with its dotted path",
    fc
      .tuple(
        withScale,
        fc.constantFrom("top", "rating", "scale"),
        unknownKey([...TOP_FIELDS, "score", "scale", "issues", "improvementSuggestion", ...SCALE_KEYS]),
        fc.jsonValue(),
      )
      .map(([{ x, c, r }, where, key, value]) => {
        const [target, path] =
          where === "top"
            ? [x, key]
            : where === "rating"
              ? [r, `${c.field}.${key}`]
              : [r.scale as Json, `${c.field}.scale.${key}`];
        put(target, key, value);
        return { input: x, expected: issue("UNKNOWN_FIELD", path, `Unknown field "${path}".`) };
      }),
  );
  rule(
    "REQUIRED: a missing id, callId, participantId or clientTime",
    fc.tuple(survey(), fc.constantFrom(...IDENTITY)).map(([s, f]) => {
      const x = structuredClone(s) as Json;
      delete x[f];
      return { input: x, expected: issue("REQUIRED", f, `${f} is required.`) };
    }),
  );
  rule(
    "REQUIRED: an empty id, callId, participantId or clientTime",
    fc.tuple(survey(), fc.constantFrom(...IDENTITY)).map(([s, f]) => ({
      input: { ...s, [f]: "" },
      expected: issue("REQUIRED", f, `${f} must not be empty.`),
    })),
  );
  rule(
    "REQUIRED: a rating without score, or a scale without one of its three fields",
    fc.tuple(withScale, fc.constantFrom("score", ...SCALE_KEYS)).map(([{ x, c, r }, key]) => {
      if (key === "score") {
        delete r.score;
        return { input: x, expected: issue("REQUIRED", `${c.field}.score`, `${c.field}.score is required.`) };
      }
      delete (r.scale as Json)[key];
      const path = `${c.field}.scale.${key}`;
      return { input: x, expected: issue("REQUIRED", path, `${path} is required when a scale is given.`) };
    }),
  );
  rule(
    "INVALID_TYPE: a non-string identity, context, suggestion or dimension value",
    fc
      .tuple(
        surveyRating(),
        fc.constantFrom(...IDENTITY, ...CONTEXT_FIELDS, "suggestion", "dimension"),
        nonString,
        dimensionKey,
      )
      .map(([{ x, c, r }, f, [value, type], key]) => {
        let path: string = f;
        if (f === "suggestion") [r.improvementSuggestion, path] = [value, `${c.field}.improvementSuggestion`];
        else if (f === "dimension") [x.dimensions, path] = [{ [key]: value }, `dimensions.${key}`];
        else x[f] = value;
        return { input: x, expected: issue("INVALID_TYPE", path, `${path} must be a string, got ${type}.`) };
      }),
  );
  rule(
    "INVALID_TYPE: a non-number score or scale field",
    fc
      .tuple(withScale, fc.constantFrom("score", ...SCALE_KEYS), nonNumber)
      .map(([{ x, c, r }, key, [value, type]]) => {
        const path = key === "score" ? `${c.field}.score` : `${c.field}.scale.${key}`;
        if (key === "score") r.score = value;
        else (r.scale as Json)[key] = value;
        return { input: x, expected: issue("INVALID_TYPE", path, `${path} must be a number, got ${type}.`) };
      }),
  );
  rule(
    "INVALID_TYPE: a non-object rating, scale or dimensions; a non-array issues; a non-string issue tag",
    fc
      .tuple(surveyRating(), fc.constantFrom("rating", "scale", "dimensions", "issues", "tag"), nonObject)
      .filter(([, where, [, type]]) => !(where === "issues" && type === "array"))
      .map(([{ x, c, r }, where, [value, type]]) => {
        const paths = {
          rating: c.field,
          scale: `${c.field}.scale`,
          dimensions: "dimensions",
          issues: `${c.field}.issues`,
        };
        if (where === "tag") {
          r.issues = [value];
          const at = `${c.field}.issues[0]`;
          return { input: x, expected: issue("INVALID_TYPE", at, `${at} must be a string, got ${type}.`) };
        }
        if (where === "rating") x[c.field] = value;
        else if (where === "dimensions") x.dimensions = value;
        else r[where] = value;
        const what = where === "issues" ? "an array of issue tags" : "an object";
        return {
          input: x,
          expected: issue("INVALID_TYPE", paths[where], `${paths[where]} must be ${what}, got ${type}.`),
        };
      })
      .filter(({ expected }) => !(expected.message.endsWith("string.") && expected.path.endsWith("]"))),
  );
  rule(
    "INVALID_FORMAT: an id of at most 36 characters that is not a canonical UUID",
    fc
      .tuple(
        survey(),
        fc.oneof(
          fc.string({ minLength: 1, maxLength: 36 }),
          uuid.map((u) => u.replace("-", "")),
          uuid.map((u) => `${u.slice(0, 35)}g`),
        ),
      )
      .filter(([, id]) => !UUID_PATTERN.test(id))
      .map(([s, id]) => ({
        input: { ...s, id },
        expected: issue("INVALID_FORMAT", "id", "id must be a UUID."),
      })),
  );
  rule(
    "INVALID_FORMAT: a clientTime that is not an RFC 3339 date-time with offset",
    fc
      .tuple(
        survey(),
        clientTime,
        fc.constantFrom(
          (t: string) => t.slice(0, 10),
          (t: string) => t.replace("T", " "),
          (t: string) => t.replace(/(Z|[+-]\d\d:\d\d)$/, ""),
          (t: string) => t.toLowerCase(),
        ),
        fc.string({ minLength: 1, maxLength: 40 }),
      )
      .chain(([s, t, f, junk]) => fc.constantFrom(f(t), junk).map((bad) => ({ s, bad })))
      .filter(({ bad }) => !DATE_TIME_PATTERN.test(bad))
      .map(({ s, bad }) => ({
        input: { ...s, clientTime: bad },
        expected: issue(
          "INVALID_FORMAT",
          "clientTime",
          "clientTime must be an RFC 3339 date-time with offset, e.g. 2026-11-23T10:15:00Z.",
        ),
      })),
  );
  rule(
    "INVALID_FORMAT: a well-formed clientTime with an impossible month (> 12), day (> 31), hour (> 24) or minute (> 59)",
    fc
      .tuple(
        survey(),
        clientTime,
        fc.constantFrom([5, 7, 13], [8, 10, 32], [11, 13, 25], [14, 16, 60]),
        fc.nat(39),
      )
      .map(([s, t, [from, to, min], extra]) => ({
        input: {
          ...s,
          clientTime: `${t.slice(0, from)}${String(min + extra).padStart(2, "0")}${t.slice(to)}`,
        },
        expected: issue("INVALID_FORMAT", "clientTime", "clientTime is not a real calendar date-time."),
      })),
  );
  rule(
    "INVALID_FORMAT: a dimension key that does not start with a letter, has other characters or exceeds 40",
    fc
      .tuple(
        survey(),
        fc.oneof(
          fc.string({ maxLength: 45 }),
          dimensionKey.map((k) => k.padEnd(41, "x")),
        ),
        fc.string({ maxLength: 5 }),
      )
      .filter(([, key]) => key.length > LIMITS.dimensionKey || !DIMENSION_KEY_PATTERN.test(key))
      .map(([s, key, value]) => {
        const message = `Dimension key "${key}" must start with a letter, use only letters, digits, "_", "." or "-", and be at most 40 characters.`;
        return {
          input: { ...s, dimensions: put({}, key, value) },
          expected: issue("INVALID_FORMAT", `dimensions.${key}`, message),
        };
      }),
  );
  rule(
    "TOO_LONG: a string over its limit (id 36, identifiers 256, clientTime 40, context 64, dimension value 200, suggestion 2000)",
    fc
      .tuple(
        surveyRating(),
        fc.constantFrom(...IDENTITY, ...CONTEXT_FIELDS, "dimension", "suggestion"),
        fc.integer({ min: 1, max: 30 }),
      )
      .map(([{ x, c, r }, f, extra]) => {
        const limits: Record<string, number> = {
          id: 36,
          callId: 256,
          participantId: 256,
          clientTime: 40,
          dimension: 200,
          suggestion: 2000,
        };
        const max = limits[f] ?? LIMITS.contextValue;
        const long = "a".repeat(max + extra);
        let path: string = f;
        if (f === "suggestion") [r.improvementSuggestion, path] = [long, `${c.field}.improvementSuggestion`];
        else if (f === "dimension") [x.dimensions, path] = [{ tier: long }, "dimensions.tier"];
        else x[f] = long;
        return {
          input: x,
          expected: issue("TOO_LONG", path, `${path} must be at most ${max} characters, got ${max + extra}.`),
        };
      }),
  );
  rule(
    "TOO_LONG: more than 20 dimensions",
    fc.tuple(survey(), fc.uniqueArray(dimensionKey, { minLength: 21, maxLength: 40 })).map(([s, keys]) => ({
      input: { ...s, dimensions: Object.fromEntries(keys.map((k) => [k, "v"])) },
      expected: issue("TOO_LONG", "dimensions", `dimensions may have at most 20 keys, got ${keys.length}.`),
    })),
  );
});

// ---------------------------------------------------------------- derived values and record formats

const accepted = survey().map((s) => {
  const r = validateSurvey(s);
  assert.ok(r.ok);
  return r.value;
});
/** What a submission looks like after a trip through the native record. */
function materialised(s: SurveySubmission): SurveySubmission {
  const out = structuredClone(s) as Json;
  if (s.dimensions && Object.keys(s.dimensions).length === 0) delete out.dimensions;
  for (const c of RATING_CATEGORIES) {
    const r = s[c.field];
    if (!r) continue;
    const { issues, ...rest } = r;
    out[c.field] = { ...rest, scale: effectiveScale(r), ...(issues?.length ? { issues } : {}) };
  }
  return out as unknown as SurveySubmission;
}
/** `ACSCallSurvey` columns written by Aftercall, as named in the Azure Monitor table reference. */
const ACS_COLUMNS = [
  "TimeGenerated",
  "CorrelationId",
  "CallId",
  "ParticipantId",
  "SurveyId",
  "OperationName",
  "OperationVersion",
  "Category",
  "OverallCallIssues",
  "OverallRatingScore",
  "OverallRatingScoreLowerBound",
  "OverallRatingScoreUpperBound",
  "OverallRatingScoreThreshold",
  "AudioIssues",
  "AudioRatingScore",
  "AudioRatingScoreLowerBound",
  "AudioRatingScoreUpperBound",
  "AudioRatingScoreThreshold",
  "VideoIssues",
  "VideoRatingScore",
  "VideoRatingScoreLowerBound",
  "VideoRatingScoreUpperBound",
  "VideoRatingScoreThreshold",
  "ScreenshareIssues",
  "ScreenshareRatingScore",
  "ScreenshareRatingScoreLowerBound",
  "ScreenshareRatingScoreUpperBound",
  "ScreenshareRatingScoreThreshold",
];

describe("derived values and record formats of accepted surveys", () => {
  it("normalizedScore is in [0, 1] (0 at lowerBound, 1 at upperBound) and poor iff score <= threshold", () => {
    fc.assert(
      fc.property(accepted, (s) => {
        for (const [key, r] of Object.entries(toSurveyRecord(s, SERVER).ratings)) {
          const sc = r.scale;
          assert.ok(r.normalizedScore >= 0 && r.normalizedScore <= 1, `${key}: ${r.normalizedScore}`);
          if (r.score === sc.lowerBound) assert.equal(r.normalizedScore, 0);
          if (r.score === sc.upperBound) assert.equal(r.normalizedScore, 1);
          assert.equal(r.poor, r.score <= sc.lowScoreThreshold);
        }
      }),
      RUNS,
    );
  });

  it("toSubmission(toSurveyRecord(x)) is x with scales materialised (empty issues/dimensions dropped) and still valid", () => {
    fc.assert(
      fc.property(accepted, (s) => {
        const back = toSubmission(toSurveyRecord(s, SERVER));
        assert.deepEqual(back, materialised(s));
        const again = validateSurvey(back);
        assert.ok(again.ok);
        assert.deepEqual(again.value, back);
      }),
      RUNS,
    );
  });

  it("the ACSCallSurvey row has exactly the ACS column names, in table order", () => {
    fc.assert(
      fc.property(accepted, (s) =>
        assert.deepEqual(Object.keys(toAcsCallSurveyRow(toSurveyRecord(s, SERVER))), ACS_COLUMNS),
      ),
      RUNS,
    );
  });

  it("row values: envelope ids, comma-separated issues without spaces, materialised scale, null when unrated", () => {
    fc.assert(
      fc.property(accepted, (s) => {
        const row = toAcsCallSurveyRow(toSurveyRecord(s, SERVER));
        assert.equal(row.TimeGenerated, SERVER.receivedAt.toISOString());
        assert.equal(row.CorrelationId, s.participantId);
        assert.equal(row.ParticipantId, s.participantId);
        assert.equal(row.CallId, s.callId);
        assert.equal(row.SurveyId, s.id);
        for (const c of RATING_CATEGORIES) {
          const r = s[c.field];
          const p = `${c.column}RatingScore`;
          const values = [
            row[c.issuesColumn],
            row[p],
            row[`${p}LowerBound`],
            row[`${p}UpperBound`],
            row[`${p}Threshold`],
          ];
          if (!r) {
            assert.deepEqual(values, [null, null, null, null, null]);
            continue;
          }
          const sc = effectiveScale(r);
          assert.deepEqual(values, [
            (r.issues ?? []).join(","),
            r.score,
            sc.lowerBound,
            sc.upperBound,
            sc.lowScoreThreshold,
          ]);
          assert.doesNotMatch(String(values[0]), /\s/);
        }
      }),
      RUNS,
    );
  });

  it("neither the ACS row nor the Azure resource-log record ever contains improvementSuggestion text", () => {
    fc.assert(
      fc.property(accepted, fc.uuid(), (value, secret) => {
        const s = structuredClone(value);
        for (const c of RATING_CATEGORIES) {
          const r = s[c.field];
          if (r) r.improvementSuggestion = `SECRET:${secret}`;
        }
        const record = toSurveyRecord(s, SERVER);
        const row = JSON.stringify(toAcsCallSurveyRow(record));
        const log = JSON.stringify(toAzureResourceLogRecord(record, "/RESOURCE"));
        assert.ok(!row.includes(secret) && !row.includes("mprovementSuggestion"));
        assert.ok(!log.includes(secret) && !log.includes("mprovementSuggestion"));
      }),
      RUNS,
    );
  });
});
