/**
 * A hand-written corpus of concrete inputs and what `validateSurvey` answers for each.
 *
 * Each bad row names the expected code, path and message, and says where that error must appear:
 * - `only`:  it is the one and only error;
 * - `first`: it is the first error (others may follow);
 * - `among`: it is one of the errors.
 * Each good row must be accepted, and its clean value is checked where normalisation applies.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  AUDIO_ISSUES,
  OVERALL_ISSUES,
  SCREENSHARE_ISSUES,
  type ValidateOptions,
  type ValidationIssue,
  VIDEO_ISSUES,
  validateStampedSurvey,
  validateSurvey,
} from "../src/index.js";

const ID = "0b5e4f3c-9d2a-4c1e-8f7a-1a2b3c4d5e6f";
const BASE = {
  id: ID,
  callId: "call-1",
  participantId: "p-1",
  clientTime: "2026-11-23T10:15:00Z",
  overallRating: { score: 4 },
};
/** The base survey with some fields replaced (`undefined` removes a field). */
function survey(patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...BASE, ...patch };
  for (const key of Object.keys(out)) if (out[key] === undefined) delete out[key];
  return out;
}
const overall = (rating: Record<string, unknown>) => survey({ overallRating: { score: 4, ...rating } });
const scale = (lowerBound: unknown, upperBound: unknown, lowScoreThreshold: unknown) => ({
  lowerBound,
  upperBound,
  lowScoreThreshold,
});
const dims = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, "v"]));
const VIDEO_TAGS = VIDEO_ISSUES.join(", ");
const CLIENT_TIME_FORMAT = "clientTime must be an RFC 3339 date-time with offset, e.g. 2026-11-23T10:15:00Z.";
const NOT_A_DATE = "clientTime is not a real calendar date-time.";
const DIMENSION_KEY_RULE = `must start with a letter, use only letters, digits, "_", "." or "-", and be at most 40 characters.`;

type Where = "only" | "first" | "among";
type Expected = [ValidationIssue["code"], string, string?];
interface BadRow {
  name: string;
  input: unknown;
  where: Where;
  expect: Expected;
  options?: ValidateOptions;
}
const bad = (
  name: string,
  input: unknown,
  where: Where,
  expect: Expected,
  options?: ValidateOptions,
): BadRow => ({
  name,
  input,
  where,
  expect,
  ...(options ? { options } : {}),
});

// biome-ignore format: one row per line reads as a table
const BAD: BadRow[] = [
  // --- not a survey object
  bad("a string", "survey", "only", ["INVALID_TYPE", "", "Survey must be a JSON object, got string."]),
  bad("a number", 42, "only", ["INVALID_TYPE", "", "Survey must be a JSON object, got number."]),
  bad("null", null, "only", ["INVALID_TYPE", "", "Survey must be a JSON object, got null."]),
  bad("undefined (empty body)", undefined, "only", ["INVALID_TYPE", "", "Survey must be a JSON object, got undefined."]),
  bad("an empty array", [], "only", ["INVALID_TYPE", "", "Survey must be a JSON object, got array."]),
  bad("a batch array of one valid survey", [BASE], "only", ["INVALID_TYPE", "", "Survey must be a JSON object, got array."]),
  bad("an empty object: id reported first", {}, "first", ["REQUIRED", "id", "id is required."]),
  bad("an empty object: V1 too", {}, "among", ["SURVEY_EMPTY", "", "At least one survey rating is required."]),
  // --- identity
  bad("missing id", survey({ id: undefined }), "only", ["REQUIRED", "id", "id is required."]),
  bad("empty id", survey({ id: "" }), "only", ["REQUIRED", "id", "id must not be empty."]),
  bad("uuid without dashes", survey({ id: ID.replaceAll("-", "") }), "only", ["INVALID_FORMAT", "id", "id must be a UUID."]),
  bad("uuid with a non-hex digit", survey({ id: `${ID.slice(0, 35)}g` }), "only", ["INVALID_FORMAT", "id", "id must be a UUID."]),
  bad("uuid in braces (38 chars)", survey({ id: `{${ID}}` }), "only", ["TOO_LONG", "id", "id must be at most 36 characters, got 38."]),
  bad("numeric id", survey({ id: 123 }), "only", ["INVALID_TYPE", "id", "id must be a string, got number."]),
  bad("empty callId", survey({ callId: "" }), "only", ["REQUIRED", "callId", "callId must not be empty."]),
  bad("257-char callId", survey({ callId: "c".repeat(257) }), "only", ["TOO_LONG", "callId", "callId must be at most 256 characters, got 257."]),
  bad("missing participantId", survey({ participantId: undefined }), "only", ["REQUIRED", "participantId", "participantId is required."]),
  bad("participantId as object", survey({ participantId: { id: "p" } }), "only", ["INVALID_TYPE", "participantId", "participantId must be a string, got object."]),
  // --- clientTime
  bad('clientTime "yesterday"', survey({ clientTime: "yesterday" }), "only", ["INVALID_FORMAT", "clientTime", CLIENT_TIME_FORMAT]),
  bad("clientTime without offset", survey({ clientTime: "2026-11-23T10:15:00" }), "only", ["INVALID_FORMAT", "clientTime", CLIENT_TIME_FORMAT]),
  bad("clientTime date only", survey({ clientTime: "2026-11-23" }), "only", ["INVALID_FORMAT", "clientTime", CLIENT_TIME_FORMAT]),
  bad("clientTime with a space for T", survey({ clientTime: "2026-11-23 10:15:00Z" }), "only", ["INVALID_FORMAT", "clientTime", CLIENT_TIME_FORMAT]),
  bad("clientTime as epoch millis", survey({ clientTime: 1795428900000 }), "only", ["INVALID_TYPE", "clientTime", "clientTime must be a string, got number."]),
  bad("clientTime of 41 chars", survey({ clientTime: `2026-11-23T10:15:00.${"0".repeat(20)}Z` }), "only", ["TOO_LONG", "clientTime", "clientTime must be at most 40 characters, got 41."]),
  bad("clientTime on February 32nd", survey({ clientTime: "2026-02-32T00:00:00Z" }), "only", ["INVALID_FORMAT", "clientTime", NOT_A_DATE]),
  bad("clientTime in month 13", survey({ clientTime: "2026-13-01T00:00:00Z" }), "only", ["INVALID_FORMAT", "clientTime", NOT_A_DATE]),
  bad("clientTime at 25 o'clock", survey({ clientTime: "2026-11-23T25:00:00Z" }), "only", ["INVALID_FORMAT", "clientTime", NOT_A_DATE]),
  bad("clientTime with offset +24:00", survey({ clientTime: "2026-11-23T10:15:00+24:00" }), "only", ["INVALID_FORMAT", "clientTime", NOT_A_DATE]),
  // --- scores
  bad("score as a string", overall({ score: "4" }), "only", ["INVALID_TYPE", "overallRating.score", "overallRating.score must be a finite number, got string."]),
  bad("score 2.5 on the default scale", overall({ score: 2.5 }), "only", ["NOT_INTEGER", "overallRating.score", "overallRating.score: 2.5 should be a whole number."]),
  bad("score 0 on the default scale (V2)", overall({ score: 0 }), "only", ["SCORE_OUT_OF_DEFAULT_SCALE", "overallRating.score", "In default scale overallRating.score should be 1 to 5."]),
  bad("audio score 6 on the default scale (V2)", survey({ audioRating: { score: 6 } }), "only", ["SCORE_OUT_OF_DEFAULT_SCALE", "audioRating.score", "In default scale audioRating.score should be 1 to 5."]),
  bad("video score -1 on the default scale (V2)", survey({ videoRating: { score: -1 } }), "only", ["SCORE_OUT_OF_DEFAULT_SCALE", "videoRating.score", "In default scale videoRating.score should be 1 to 5."]),
  bad("screenshare score 0: V2 says ScreenshareRating (ACS quirk)", survey({ screenshareRating: { score: 0 } }), "only", ["SCORE_OUT_OF_DEFAULT_SCALE", "screenshareRating.score", "In default scale ScreenshareRating.score should be 1 to 5."]),
  bad("5.5 on the default scale is out of scale, not fractional", overall({ score: 5.5 }), "only", ["SCORE_OUT_OF_DEFAULT_SCALE", "overallRating.score", "In default scale overallRating.score should be 1 to 5."]),
  bad("missing score", survey({ overallRating: { issues: ["HadToRejoin"] } }), "only", ["REQUIRED", "overallRating.score", "overallRating.score is required."]),
  bad("Infinity score (not JSON)", overall({ score: Number.POSITIVE_INFINITY }), "only", ["INVALID_TYPE", "overallRating.score"]),
  // --- scales
  bad("0–10 scale, score 11 (V3)", overall({ score: 11, scale: scale(0, 10, 5) }), "only", ["SCORE_OUT_OF_SCALE", "overallRating.score", "overallRating: 11 should be between 0 and 10."]),
  bad("0–10 scale, threshold 11 (V4)", overall({ score: 7, scale: scale(0, 10, 11) }), "only", ["THRESHOLD_OUT_OF_SCALE", "overallRating.scale.lowScoreThreshold", "overallRating: 11 should be between 0 and 10."]),
  bad("bounds -1 and 101 (V5)", overall({ score: 50, scale: scale(-1, 101, 50) }), "only", ["SCALE_OUT_OF_RANGE", "overallRating.scale", "overallRating lowerBound: -1 and upperBound: 101 should be between 0 and 100."]),
  bad("audio upper bound 101 (V5)", survey({ audioRating: { score: 50, scale: scale(0, 101, 50) } }), "only", ["SCALE_OUT_OF_RANGE", "audioRating.scale", "audioRating lowerBound: 0 and upperBound: 101 should be between 0 and 100."]),
  bad("lowerBound == upperBound", overall({ score: 5, scale: scale(5, 5, 5) }), "only", ["SCALE_BOUNDS_INVERTED", "overallRating.scale", "overallRating lowerBound: 5 should be less than upperBound: 5."]),
  bad("lowerBound > upperBound", overall({ score: 5, scale: scale(10, 0, 5) }), "only", ["SCALE_BOUNDS_INVERTED", "overallRating.scale", "overallRating lowerBound: 10 should be less than upperBound: 0."]),
  bad("fractional lowerBound", overall({ score: 5, scale: scale(0.5, 10, 5) }), "only", ["NOT_INTEGER", "overallRating.scale.lowerBound", "overallRating.scale.lowerBound: 0.5 should be a whole number."]),
  bad("fractional threshold", overall({ score: 5, scale: scale(0, 10, 2.5) }), "only", ["NOT_INTEGER", "overallRating.scale.lowScoreThreshold", "overallRating.scale.lowScoreThreshold: 2.5 should be a whole number."]),
  bad("scale without lowScoreThreshold", overall({ scale: { lowerBound: 0, upperBound: 10 } }), "only", ["REQUIRED", "overallRating.scale.lowScoreThreshold", "overallRating.scale.lowScoreThreshold is required when a scale is given."]),
  bad("scale with an extra key", overall({ scale: { ...scale(0, 10, 5), step: 1 } }), "only", ["UNKNOWN_FIELD", "overallRating.scale.step", 'Unknown field "overallRating.scale.step".']),
  bad("scale as an array", overall({ scale: [0, 10, 5] }), "only", ["INVALID_TYPE", "overallRating.scale", "overallRating.scale must be an object, got array."]),
  bad("bound as a string", overall({ scale: scale("0", 10, 5) }), "only", ["INVALID_TYPE", "overallRating.scale.lowerBound", "overallRating.scale.lowerBound must be a finite number, got string."]),
  // --- issue tags
  bad("issues as a string", survey({ audioRating: { score: 2, issues: "Echo" } }), "only", ["INVALID_TYPE", "audioRating.issues", "audioRating.issues must be an array of issue tags, got string."]),
  bad('"Echo" in videoRating', survey({ videoRating: { score: 2, issues: ["Freezes", "Echo"] } }), "only", ["UNKNOWN_ISSUE_TAG", "videoRating.issues[1]", `videoRating.issues[1]: "Echo" is not a videoRating issue tag; expected one of ${VIDEO_TAGS}.`]),
  bad('lower-case "echo"', survey({ audioRating: { score: 2, issues: ["echo"] } }), "only", ["UNKNOWN_ISSUE_TAG", "audioRating.issues[0]"]),
  bad('native-SDK tag name "CannotJoin"', overall({ issues: ["CannotJoin"] }), "only", ["UNKNOWN_ISSUE_TAG", "overallRating.issues[0]"]),
  bad("duplicate tag", survey({ audioRating: { score: 2, issues: ["Echo", "LowVolume", "Echo"] } }), "only", ["DUPLICATE_ISSUE_TAG", "audioRating.issues[2]", 'audioRating.issues[2]: "Echo" is listed more than once.']),
  bad("tag of the wrong type", survey({ audioRating: { score: 2, issues: [1] } }), "only", ["INVALID_TYPE", "audioRating.issues[0]", "audioRating.issues[0] must be a string, got number."]),
  // --- free text, context, dimensions
  bad("suggestion of 2001 chars", overall({ improvementSuggestion: "x".repeat(2001) }), "only", ["TOO_LONG", "overallRating.improvementSuggestion", "overallRating.improvementSuggestion must be at most 2000 characters, got 2001."]),
  bad("suggestion of 1001 emoji: limits count UTF-16 units", overall({ improvementSuggestion: "😀".repeat(1001) }), "only", ["TOO_LONG", "overallRating.improvementSuggestion", "overallRating.improvementSuggestion must be at most 2000 characters, got 2002."]),
  bad("appVersion of 65 chars", survey({ appVersion: "1".repeat(65) }), "only", ["TOO_LONG", "appVersion", "appVersion must be at most 64 characters, got 65."]),
  bad("platform as a number", survey({ platform: 11 }), "only", ["INVALID_TYPE", "platform", "platform must be a string, got number."]),
  bad("21 dimensions", survey({ dimensions: dims(21) }), "only", ["TOO_LONG", "dimensions", "dimensions may have at most 20 keys, got 21."]),
  bad("dimension key starting with a digit", survey({ dimensions: { "1region": "eu" } }), "only", ["INVALID_FORMAT", "dimensions.1region", `Dimension key "1region" ${DIMENSION_KEY_RULE}`]),
  bad("dimension key with a space", survey({ dimensions: { "my key": "eu" } }), "only", ["INVALID_FORMAT", "dimensions.my key", `Dimension key "my key" ${DIMENSION_KEY_RULE}`]),
  bad("dimension key of 41 chars", survey({ dimensions: { ["k".repeat(41)]: "eu" } }), "only", ["INVALID_FORMAT", `dimensions.${"k".repeat(41)}`, `Dimension key "${"k".repeat(41)}" ${DIMENSION_KEY_RULE}`]),
  bad("dimension value not a string", survey({ dimensions: { tier: 7 } }), "only", ["INVALID_TYPE", "dimensions.tier", "dimensions.tier must be a string, got number."]),
  bad("dimension value of 201 chars", survey({ dimensions: { tier: "t".repeat(201) } }), "only", ["TOO_LONG", "dimensions.tier", "dimensions.tier must be at most 200 characters, got 201."]),
  bad("dimensions as an array", survey({ dimensions: [["tier", "gold"]] }), "only", ["INVALID_TYPE", "dimensions", "dimensions must be an object, got array."]),
  // --- unknown fields and rating presence
  bad("unknown top-level field", survey({ comment: "hi" }), "only", ["UNKNOWN_FIELD", "comment", 'Unknown field "comment".']),
  bad("response field localParticipantId submitted", survey({ localParticipantId: "p-1" }), "only", ["UNKNOWN_FIELD", "localParticipantId", 'Unknown field "localParticipantId".']),
  bad('"ScreenShareRating" (capital S)', survey({ ScreenShareRating: { score: 3 } }), "only", ["UNKNOWN_FIELD", "ScreenShareRating", 'Unknown field "ScreenShareRating".']),
  bad('"__proto__" from JSON.parse', JSON.parse(`{"__proto__":{"x":1},${JSON.stringify(BASE).slice(1)}`), "only", ["UNKNOWN_FIELD", "__proto__", 'Unknown field "__proto__".']),
  bad("unknown rating field", overall({ comment: "hi" }), "only", ["UNKNOWN_FIELD", "overallRating.comment", 'Unknown field "overallRating.comment".']),
  bad("overallRating null", survey({ overallRating: null }), "only", ["INVALID_TYPE", "overallRating", "overallRating must be an object, got null."]),
  bad("only audioRating, strict (default)", survey({ overallRating: undefined, audioRating: { score: 3 } }), "only", ["OVERALL_RATING_REQUIRED", "overallRating", "Overall survey rating is required."]),
  bad("no rating at all (V1)", survey({ overallRating: undefined }), "only", ["SURVEY_EMPTY", "", "At least one survey rating is required."]),
  bad("no rating at all, web-compatible options (V1)", survey({ overallRating: undefined }), "only", ["SURVEY_EMPTY", "", "At least one survey rating is required."], { requireOverallRating: false }),
  bad("unknown fields are reported before identity and ratings", survey({ id: "x", extra: 1, overallRating: { score: 9 } }), "first", ["UNKNOWN_FIELD", "extra", 'Unknown field "extra".']),
];

describe("bad inputs: each is rejected with the stated error", () => {
  for (const row of BAD) {
    const [code, path, message] = row.expect;
    it(`${row.name} → ${code} at "${path}" (${row.where})`, () => {
      const result = validateSurvey(row.input, row.options);
      assert.equal(result.ok, false, "accepted");
      if (result.ok) return;
      const match = (e: ValidationIssue) =>
        e.code === code && e.path === path && (message === undefined || e.message === message);
      const shown = JSON.stringify(result.errors, null, 1);
      if (row.where === "only") assert.equal(result.errors.length, 1, shown);
      if (row.where === "among") assert.ok(result.errors.some(match), shown);
      else assert.ok(result.errors[0] && match(result.errors[0]), shown);
    });
  }

  for (const clientTime of [
    "2026-02-30T00:00:00Z",
    "2026-04-31T10:00:00Z",
    "2025-02-29T10:00:00Z",
    "2026-11-23T24:00:00Z",
  ]) {
    it(`${clientTime} is not a real calendar date-time (Date.parse would roll it over)`, () => {
      const result = validateSurvey(survey({ clientTime }));
      assert.deepEqual(result, {
        ok: false,
        errors: [{ code: "INVALID_FORMAT", path: "clientTime", message: NOT_A_DATE }],
      });
    });
  }

  it("accepts February 29th in a leap year", () => {
    assert.equal(validateSurvey(survey({ clientTime: "2028-02-29T23:59:59.999+02:00" })).ok, true);
  });

  it("reports at most 50 errors", () => {
    const result = validateSurvey({
      ...BASE,
      ...Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`x${i}`, i])),
    });
    assert.ok(
      !result.ok && result.errors.length === 50 && result.errors.every((e) => e.code === "UNKNOWN_FIELD"),
    );
  });
});

// ---------------------------------------------------------------- valid edge cases

interface GoodRow {
  name: string;
  input: Record<string, unknown>;
  options?: ValidateOptions;
  /** Fields of the clean value that differ from the input. */
  normalised?: Record<string, unknown>;
}
const allTags = (tags: readonly string[]) => ({ score: 1, issues: [...tags] });

const GOOD: GoodRow[] = [
  { name: "the base survey", input: BASE },
  { name: "binary 0–1 scale, threshold 0, score 0", input: overall({ score: 0, scale: scale(0, 1, 0) }) },
  { name: "binary 0–1 scale, threshold 0, score 1", input: overall({ score: 1, scale: scale(0, 1, 0) }) },
  { name: "0–100 scale, score 0, threshold 100", input: overall({ score: 0, scale: scale(0, 100, 100) }) },
  { name: "0–100 scale, score 100", input: overall({ score: 100, scale: scale(0, 100, 50) }) },
  {
    name: "ACS example: 0–10 scale, score 7, threshold 5",
    input: overall({ score: 7, scale: scale(0, 10, 5) }),
  },
  {
    name: "custom scale, score and threshold at lowerBound",
    input: overall({ score: 3, scale: scale(3, 9, 3) }),
  },
  {
    name: "custom scale, score and threshold at upperBound",
    input: overall({ score: 9, scale: scale(3, 9, 9) }),
  },
  { name: "default scale, score 1", input: overall({ score: 1 }) },
  { name: "default scale, score 5", input: overall({ score: 5 }) },
  { name: "score 3.0 is a whole number", input: overall({ score: 3.0 }) },
  {
    name: "all tags of every category",
    input: survey({
      overallRating: allTags(OVERALL_ISSUES),
      audioRating: allTags(AUDIO_ISSUES),
      videoRating: allTags(VIDEO_ISSUES),
      screenshareRating: allTags(SCREENSHARE_ISSUES),
    }),
  },
  {
    name: "all audio tags in reverse order",
    input: survey({ audioRating: { score: 2, issues: [...AUDIO_ISSUES].reverse() } }),
  },
  {
    name: "shared tag names in their own categories",
    input: survey({
      videoRating: { score: 2, issues: ["LowQuality", "OtherIssues"] },
      screenshareRating: { score: 2, issues: ["LowQuality", "OtherIssues"] },
    }),
  },
  { name: "empty issues list", input: overall({ issues: [] }) },
  {
    name: "unicode suggestion of exactly 2000 UTF-16 units (1000 emoji)",
    input: overall({ improvementSuggestion: "😀".repeat(1000) }),
  },
  {
    name: "accented suggestion of exactly 2000 characters",
    input: overall({ improvementSuggestion: "é".repeat(2000) }),
  },
  { name: "empty suggestion", input: overall({ improvementSuggestion: "" }) },
  {
    name: "callId and participantId of exactly 256 chars",
    input: survey({ callId: "c".repeat(256), participantId: "p".repeat(256) }),
  },
  {
    name: "context values of exactly 64 chars",
    input: survey({
      appVersion: "a".repeat(64),
      platform: "p".repeat(64),
      browser: "b".repeat(64),
      sdkVersion: "s".repeat(64),
    }),
  },
  { name: "exactly 20 dimensions", input: survey({ dimensions: dims(20) }) },
  {
    name: "dimension key of 40 chars with _ . -, value of 200 chars",
    input: survey({ dimensions: { [`a_b.c-${"d".repeat(34)}`]: "v".repeat(200) } }),
  },
  { name: "empty dimensions object", input: survey({ dimensions: {} }) },
  {
    name: "clientTime with offset and nanoseconds",
    input: survey({ clientTime: "2026-11-23T10:15:00.123456789+05:30" }),
  },
  { name: "clientTime on a leap day", input: survey({ clientTime: "2028-02-29T23:59:59-12:00" }) },
  { name: "nil UUID", input: survey({ id: "00000000-0000-0000-0000-000000000000" }) },
  {
    name: "upper-case UUID is accepted and lower-cased",
    input: survey({ id: ID.toUpperCase() }),
    normalised: { id: ID },
  },
  {
    name: "only audioRating with requireOverallRating:false",
    input: survey({ overallRating: undefined, audioRating: { score: 3 } }),
    options: { requireOverallRating: false },
  },
  {
    name: "only screenshareRating on a 0–10 scale with requireOverallRating:false",
    input: survey({
      overallRating: undefined,
      screenshareRating: {
        score: 2,
        scale: scale(0, 10, 3),
        issues: ["StoppedUnexpectedly", "CannotPresent"],
      },
    }),
    options: { requireOverallRating: false },
  },
];

describe("valid edge cases: each is accepted and comes back unchanged", () => {
  for (const row of GOOD) {
    it(row.name, () => {
      const result = validateSurvey(row.input, row.options);
      assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
      assert.deepEqual(result.value, { ...row.input, ...row.normalised });
    });
  }
});

describe("text the stores could not give back unchanged", () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ["NUL in callId", { callId: "a\u0000b" }, "callId"],
    ["lone high surrogate in participantId", { participantId: "\ud800" }, "participantId"],
    [
      "lone low surrogate in a suggestion",
      { overallRating: { score: 3, improvementSuggestion: "ok \udc00" } },
      "overallRating.improvementSuggestion",
    ],
    ["NUL in a dimension value", { dimensions: { region: "eu\u0000" } }, "dimensions.region"],
  ];
  for (const [name, patch, path] of cases) {
    it(`rejects ${name}`, () => {
      const result = validateSurvey({ ...BASE, ...patch });
      assert.equal(result.ok, false);
      assert.deepEqual(!result.ok && result.errors.map((e) => [e.code, e.path, e.message]), [
        ["INVALID_FORMAT", path, `${path} must be valid Unicode text without NUL characters.`],
      ]);
    });
  }

  it("accepts paired surrogates (emoji) and other unicode", () => {
    assert.equal(
      validateSurvey({
        ...BASE,
        callId: "📞 Anruf – 通話",
        overallRating: { score: 3, improvementSuggestion: "👍🏽" },
      }).ok,
      true,
    );
  });
});

describe("validateStampedSurvey (the client SDK's, which stamps id and clientTime itself)", () => {
  const STAMP_FORMAT = ["id must be a UUID.", CLIENT_TIME_FORMAT, NOT_A_DATE];
  const isStampFormat = (e: ValidationIssue) =>
    e.code === "INVALID_FORMAT" && STAMP_FORMAT.includes(e.message);

  it("answers every input of the corpus as validateSurvey does, minus the stamp's format errors", () => {
    let formatOnly = 0;
    for (const row of [...BAD, ...GOOD]) {
      const full = validateSurvey(row.input, row.options);
      const stamped = validateStampedSurvey(row.input, row.options);
      const expected = full.ok ? [] : full.errors.filter((e) => !isStampFormat(e));
      assert.deepEqual(stamped.ok ? [] : stamped.errors, expected, row.name);
      if (full.ok) assert.deepEqual(stamped, full, row.name);
      if (!full.ok && !expected.length) formatOnly++;
    }
    assert.ok(formatOnly >= 3, "the corpus has inputs whose only fault is the stamp's format");
  });

  it("still requires the stamp as a bounded string", () => {
    const codes = (input: unknown) => {
      const result = validateStampedSurvey(input);
      return result.ok ? [] : result.errors.map((e) => [e.code, e.path]);
    };
    assert.deepEqual(codes(survey({ id: undefined })), [["REQUIRED", "id"]]);
    assert.deepEqual(codes(survey({ clientTime: 7 })), [["INVALID_TYPE", "clientTime"]]);
    assert.deepEqual(codes(survey({ id: `${ID}-0` })), [["TOO_LONG", "id"]]);
    assert.deepEqual(codes(survey({ clientTime: "" })), [["REQUIRED", "clientTime"]]);
    assert.deepEqual(codes(survey({ id: "not-a-uuid", clientTime: "2026-02-30T00:00:00Z" })), []);
  });
});
