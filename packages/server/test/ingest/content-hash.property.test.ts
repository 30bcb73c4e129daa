/**
 * The content hash decides whether a resubmitted survey is a retry or a conflict, and hashes are stored:
 * its bytes must never change. `fastSubmissionJson` writes the canonical JSON of a submission directly
 * for the known shape; these properties prove it byte-identical to the reference `canonicalJson` path, and
 * `submissionHash` identical to the original implementation (copied verbatim below), over arbitrary valid
 * submissions in any key order and spelling, and over shapes the fast path does not expect.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import {
  CONTEXT_FIELDS,
  DEFAULT_SCALE,
  effectiveScale,
  isWellFormedText,
  LIMITS,
  RATING_CATEGORIES,
  type SurveySubmission,
  UUID_PATTERN,
  validateSurvey,
} from "@aftercall/schema";
import fc from "fast-check";
import {
  canonicalJson,
  canonicalSubmissionJson,
  fastSubmissionJson,
  submissionHash,
} from "../../src/ingest/content-hash.js";

const RUNS = { numRuns: 3000 };

/** `submissionHash` as first released (commit 65e2b74), verbatim: the hashes already stored. */
function releasedSubmissionHash(submission: SurveySubmission): string {
  const normal: Record<string, unknown> = { ...submission };
  if (submission.dimensions && Object.keys(submission.dimensions).length === 0) delete normal.dimensions;
  for (const { field } of RATING_CATEGORIES) {
    const rating = submission[field];
    if (!rating) continue;
    const copy: Record<string, unknown> = { ...rating, scale: effectiveScale(rating) };
    if (rating.issues?.length === 0) delete copy.issues;
    normal[field] = copy;
  }
  return createHash("sha256").update(canonicalJson(normal)).digest("base64url").slice(0, 32);
}

// ---------------------------------------------------------------------------------------------------
// Arbitrary valid submissions, keys in any order, with the spellings the normal form folds together.

/** Any well-formed text (what the validator lets through), at most `max` UTF-16 units, now and then at the limit. */
const text = (max: number, min = 0): fc.Arbitrary<string> =>
  fc
    .oneof(
      { weight: 4, arbitrary: fc.string({ unit: "binary", maxLength: max }) },
      { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: max }) },
      { weight: 1, arbitrary: fc.constant('"\\/é🎧') },
      { weight: 1, arbitrary: fc.constant("x".repeat(max)) },
    )
    // Characters refused in labels (INVALID_CHARACTER) become "x"s, keeping the length.
    .map((s) => s.slice(0, max).replace(/[\p{Cc}\p{Cs}\p{Zl}\p{Zp}\p{NChar}]/gu, (c) => "x".repeat(c.length)))
    .filter((s) => s.length >= min && isWellFormedText(s));

/** An object with these entries in a random order; `undefined` entries are kept as own keys. */
function shuffled(entries: Array<[string, unknown]>): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length })
    .map((e) => Object.fromEntries(e));
}

/** Absent, present, or (now and then) an own key holding `undefined`. */
const optional = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constant<"absent">("absent") },
    { weight: 5, arbitrary: arb },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );

const scale = fc
  .tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }))
  .filter(([a, b]) => a !== b)
  .chain(([a, b]) => {
    const [lowerBound, upperBound] = a < b ? [a, b] : [b, a];
    return fc.integer({ min: lowerBound, max: upperBound }).chain((lowScoreThreshold) =>
      shuffled([
        ["lowerBound", lowerBound],
        ["upperBound", upperBound],
        ["lowScoreThreshold", lowScoreThreshold],
      ]),
    );
  });

function rating(catalogue: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  const scaled = fc.oneof(
    fc.constant(undefined),
    fc.constant({ ...DEFAULT_SCALE }),
    fc.constant({ upperBound: 5, lowScoreThreshold: 2, lowerBound: 1 }),
    scale,
  );
  return fc
    .tuple(
      scaled,
      fc.oneof(fc.constant([]), fc.shuffledSubarray([...catalogue])),
      optional(text(LIMITS.improvementSuggestion)),
      fc.boolean(),
      fc.boolean(),
    )
    .chain(([s, issues, suggestion, withScale, withIssues]) => {
      const { lowerBound, upperBound } = (s as typeof DEFAULT_SCALE | undefined) ?? DEFAULT_SCALE;
      return fc.integer({ min: lowerBound, max: upperBound }).chain((score) => {
        const entries: Array<[string, unknown]> = [["score", score]];
        if (s !== undefined || withScale) entries.push(["scale", s]);
        if (withIssues || issues.length > 0) entries.push(["issues", issues]);
        if (suggestion !== "absent") entries.push(["improvementSuggestion", suggestion]);
        return shuffled(entries);
      });
    });
}

const dimensions = fc.oneof(
  fc.constant({}),
  fc.dictionary(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,39}$/), text(LIMITS.dimensionValue), {
    maxKeys: LIMITS.dimensions,
    noNullPrototype: true,
  }),
);

const validSubmission: fc.Arbitrary<SurveySubmission> = fc
  .record({
    id: fc.oneof(fc.uuid(), fc.stringMatching(UUID_PATTERN)),
    callId: text(LIMITS.identifier, 1),
    participantId: text(LIMITS.identifier, 1),
    clientTime: fc.constantFrom(
      "2026-03-01T12:59:58.250+01:00",
      "2026-11-23T10:15:00Z",
      "1999-12-31T23:59:59.123456789-05:00",
    ),
    context: fc.tuple(...CONTEXT_FIELDS.map(() => optional(text(LIMITS.contextValue)))),
    dimensions: optional(dimensions),
    ratings: fc.tuple(...RATING_CATEGORIES.map((c) => optional(rating(c.issues)))),
  })
  .filter(({ ratings }) => ratings.some((r) => r !== "absent" && r !== undefined))
  .chain(({ id, callId, participantId, clientTime, context, dimensions, ratings }) => {
    const entries: Array<[string, unknown]> = [
      ["id", id],
      ["callId", callId],
      ["participantId", participantId],
      ["clientTime", clientTime],
    ];
    CONTEXT_FIELDS.forEach((f, i) => {
      if (context[i] !== "absent") entries.push([f, context[i]]);
    });
    if (dimensions !== "absent") entries.push(["dimensions", dimensions]);
    RATING_CATEGORIES.forEach((c, i) => {
      if (ratings[i] !== "absent") entries.push([c.field, ratings[i]]);
    });
    return shuffled(entries);
  })
  .map((s) => s as unknown as SurveySubmission);

// ---------------------------------------------------------------------------------------------------

describe("content hash: fast serializer", () => {
  it("the generator yields only valid submissions (so the properties below are about valid input)", () => {
    fc.assert(
      fc.property(validSubmission, (s) => {
        const result = validateSurvey(structuredClone(s), { requireOverallRating: false });
        assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
      }),
      { numRuns: 500 },
    );
  });

  it("writes byte-identical canonical JSON for every valid submission, as sent and as validated", () => {
    fc.assert(
      fc.property(validSubmission, (sent) => {
        assert.equal(fastSubmissionJson(sent), canonicalSubmissionJson(sent));
        const result = validateSurvey(sent, { requireOverallRating: false });
        assert.ok(result.ok);
        assert.equal(fastSubmissionJson(result.value), canonicalSubmissionJson(result.value));
      }),
      RUNS,
    );
  });

  it("hashes every valid submission exactly as the released implementation did", () => {
    fc.assert(
      fc.property(validSubmission, (sent) => {
        assert.equal(submissionHash(sent), releasedSubmissionHash(sent));
        const result = validateSurvey(sent, { requireOverallRating: false });
        assert.ok(result.ok);
        assert.equal(submissionHash(result.value), releasedSubmissionHash(result.value));
      }),
      RUNS,
    );
  });

  it("falls back to the reference for shapes it does not expect, with the same bytes", () => {
    const odd = fc.oneof(
      fc.jsonValue(),
      fc.constant(null),
      fc.constant([]),
      fc.constant({}),
      fc.constant(Object.assign([1, 2], { 3: 4 })),
      fc.object(),
    );
    const paths = fc.constantFrom(
      [],
      ["audioRating"],
      ["overallRating", "scale"],
      ["overallRating", "issues"],
      ["dimensions"],
    );
    fc.assert(
      fc.property(validSubmission, paths, fc.string(), odd, (sent, path, key, value) => {
        let target = sent as unknown as Record<string, unknown>;
        for (const step of path) {
          const next = target[step];
          if (next === null || typeof next !== "object") return;
          target = next as Record<string, unknown>;
        }
        if (Array.isArray(target)) target.push(value);
        else target[key] = value;
        assert.equal(fastSubmissionJson(sent), canonicalSubmissionJson(sent));
        assert.equal(submissionHash(sent), releasedSubmissionHash(sent));
      }),
      RUNS,
    );
  });

  it("folds the spellings of the normal form together: default scale, empty issues, empty dimensions", () => {
    const base = {
      id: "0f8fad5b-d9cb-469f-a165-70867728950e",
      callId: "c",
      participantId: "p",
      clientTime: "2026-03-01T12:00:00Z",
      overallRating: { score: 4 },
    };
    const respelled = {
      dimensions: {},
      overallRating: { issues: [], scale: { upperBound: 5, lowerBound: 1, lowScoreThreshold: 2 }, score: 4 },
      clientTime: "2026-03-01T12:00:00Z",
      participantId: "p",
      callId: "c",
      id: "0f8fad5b-d9cb-469f-a165-70867728950e",
    };
    assert.equal(submissionHash(respelled), submissionHash(base));
  });

  it("keeps the hashes of the released implementation (known answers)", () => {
    const survey = {
      id: "0f8fad5b-d9cb-469f-a165-70867728950e",
      callId: "call-1",
      participantId: "8:acs:p-1",
      clientTime: "2026-03-01T12:59:58.250+01:00",
      overallRating: { score: 2, issues: ["HadToRejoin"], improvementSuggestion: 'Écho — "quoted" 🎧' },
      audioRating: { score: 5, issues: [] },
      screenshareRating: { score: 3, scale: { lowerBound: 0, upperBound: 10, lowScoreThreshold: 4 } },
      appVersion: "4.12.1",
      platform: "web",
      dimensions: { tier: "pro", region: "eu-west" },
    } as SurveySubmission;
    assert.equal(submissionHash(survey), "TDL0nrAxPnff4sJVzYjanYGkozC8fybd");
    const minimal = {
      id: "0f8fad5b-d9cb-469f-a165-70867728950e",
      callId: "c",
      participantId: "p",
      clientTime: "2026-03-01T12:00:00Z",
      overallRating: { score: 4 },
    };
    assert.equal(submissionHash(minimal), "gIz3Yr5BPUQ9o9glM8f0sCVW205jRfTr");
  });
});
