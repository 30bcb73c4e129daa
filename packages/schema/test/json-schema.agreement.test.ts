/**
 * `surveySubmissionSchema` and `validateSurvey` agree: the schema describes the shape, the validator adds
 * the cross-field rules. Checked with ajv (draft 2020-12) over valid surveys, randomly mutated surveys
 * and arbitrary JSON.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";
import fc from "fast-check";
import {
  AUDIO_ISSUES,
  CONTEXT_FIELDS,
  isWellFormedText,
  LIMITS,
  OVERALL_ISSUES,
  RATING_CATEGORIES,
  ratingScaleSchema,
  SCREENSHARE_ISSUES,
  surveyResponseSchema,
  surveySubmissionSchema,
  toSurveyRecord,
  toSurveyResponse,
  type ValidationIssue,
  VIDEO_ISSUES,
  validateSurvey,
} from "../src/index.js";

const RUNS = { numRuns: 400 };
const ajv = new Ajv2020({ strict: true, allErrors: true });
const schemaAccepts = ajv.compile(surveySubmissionSchema);
type Json = Record<string, unknown>;
const ALL_TAGS = [
  ...new Set<string>([...OVERALL_ISSUES, ...AUDIO_ISSUES, ...VIDEO_ISSUES, ...SCREENSHARE_ISSUES]),
];
const FIELD_NAMES = [
  ...["id", "callId", "participantId", "clientTime", "dimensions", ...CONTEXT_FIELDS],
  ...RATING_CATEGORIES.map((c) => c.field),
  ...["score", "scale", "issues", "improvementSuggestion", "lowerBound", "upperBound", "lowScoreThreshold"],
];

// ---------------------------------------------------------------- valid surveys

/** `s` with each character refused in labels (INVALID_CHARACTER) replaced by "x"s of its UTF-16 length. */
const labelText = (s: string) =>
  s.replace(/[\p{Cc}\p{Cs}\p{Zl}\p{Zp}\p{NChar}]/gu, (c) => "x".repeat(c.length));
const text = (max: number, min = 0) =>
  fc.oneof(
    fc
      .string({ unit: "binary", minLength: min, maxLength: max })
      .map((s) => labelText(s.slice(0, max)))
      .filter(isWellFormedText),
    fc.constant("x".repeat(max)),
  );
const scale = fc
  .tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), fc.nat())
  .filter(([a, b]) => a !== b)
  .map(([a, b, n]) => {
    const [lowerBound, upperBound] = a < b ? [a, b] : [b, a];
    return { lowerBound, upperBound, lowScoreThreshold: lowerBound + (n % (upperBound - lowerBound + 1)) };
  });
const rating = (catalogue: readonly string[]) =>
  fc
    .record(
      {
        scale,
        issues: fc.shuffledSubarray([...catalogue]),
        improvementSuggestion: text(LIMITS.improvementSuggestion),
        n: fc.nat(),
      },
      { requiredKeys: ["n"] },
    )
    .map(({ n, ...r }) => {
      const { lowerBound: lo, upperBound: hi } = r.scale ?? { lowerBound: 1, upperBound: 5 };
      return { score: lo + (n % (hi - lo + 1)), ...r };
    });
const validSurvey: fc.Arbitrary<Json> = fc.record(
  {
    id: fc.uuid(),
    callId: text(LIMITS.identifier, 1),
    participantId: text(LIMITS.identifier, 1),
    clientTime: fc
      .date({ noInvalidDate: true, min: new Date(0), max: new Date("9999-01-01") })
      .map((d) => d.toISOString()),
    ...Object.fromEntries(CONTEXT_FIELDS.map((f) => [f, text(LIMITS.contextValue)])),
    dimensions: fc.integer({ min: 0, max: LIMITS.dimensions }).chain((n) =>
      fc.dictionary(fc.stringMatching(/^[A-Za-z][\w.-]{0,39}$/), text(LIMITS.dimensionValue), {
        minKeys: n,
        maxKeys: n,
      }),
    ),
    ...Object.fromEntries(RATING_CATEGORIES.map((c) => [c.field, rating(c.issues)])),
  } as Record<string, fc.Arbitrary<unknown>>,
  { requiredKeys: ["id", "callId", "participantId", "clientTime", "overallRating"] },
);

// ---------------------------------------------------------------- mutations

/** Values that are wrong somewhere: other JSON types, boundary numbers, tags, long or malformed strings. */
const nasty: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(-1, 0, 1, 5, 6, 10, 11, 99, 100, 101, 2.5, -0.5, 1e21, "", " ", "5", true, null, [], {}),
  fc.constantFrom(...ALL_TAGS, "echo", "CannotJoin"),
  fc.array(fc.constantFrom(...ALL_TAGS), { maxLength: 10 }),
  fc.constantFrom(35, 36, 37, 40, 41, 64, 65, 200, 201, 256, 257, 2000, 2001).map((n) => "a".repeat(n)),
  fc.constantFrom(32, 128, 129, 1000, 1001).map((n) => "😀".repeat(n)),
  fc
    .tuple(fc.uuid(), fc.nat())
    .map(([u, n]) => pick([u.toUpperCase(), u.replaceAll("-", ""), `{${u}}`, `${u.slice(0, 35)}z`], n)),
  fc.constantFrom(
    "2026-02-30T00:00:00Z",
    "2026-13-01T00:00:00Z",
    "2026-11-23T10:15:00",
    "yesterday",
    "2026-11-23T10:15Z",
  ),
  fc.record({
    lowerBound: fc.integer({ min: -5, max: 105 }),
    upperBound: fc.integer({ min: -5, max: 105 }),
    lowScoreThreshold: fc.integer({ min: -5, max: 105 }),
  }),
  fc.dictionary(fc.string({ maxLength: 42 }), fc.oneof(fc.string(), fc.integer()), { maxKeys: 22 }),
);
function pick<T>(items: readonly T[], n: number): T {
  return items[n % items.length] as T;
}
type Op = readonly [kind: number, at: number, key: string, value: unknown];
const op: fc.Arbitrary<Op> = fc.tuple(
  fc.nat(2),
  fc.nat(),
  fc.oneof(fc.constantFrom(...FIELD_NAMES), fc.string({ maxLength: 12 })),
  nasty,
);

/** Every object or array inside `root`, root included. */
function containers(root: unknown, out: (Json | unknown[])[] = []): (Json | unknown[])[] {
  if (typeof root === "object" && root !== null) {
    out.push(root as Json);
    for (const v of Object.values(root)) containers(v, out);
  }
  return out;
}
/** Replace, delete or add one entry somewhere in the value. */
function apply(root: unknown, [kind, at, key, value]: Op): unknown {
  const nodes = containers(root);
  const node = nodes[at % Math.max(1, nodes.length)];
  if (!node) return value;
  const keys = Object.keys(node);
  const existing = keys[at % Math.max(1, keys.length)];
  const copy = structuredClone(value);
  if (kind === 0 && existing !== undefined) (node as Json)[existing] = copy;
  else if (kind === 1 && existing !== undefined) {
    if (Array.isArray(node)) node.splice(Number(existing), 1);
    else delete node[existing];
  } else if (Array.isArray(node)) node.push(copy);
  else
    Object.defineProperty(node, key, { value: copy, enumerable: true, writable: true, configurable: true });
  return root;
}
const mutated = fc
  .tuple(validSurvey, fc.array(op, { minLength: 1, maxLength: 3 }))
  .map(([s, ops]) => ops.reduce<unknown>((v, o) => apply(v, o), structuredClone(s)));
const percent = fc.integer({ min: 0, max: 100 });
const two = (n: number) => String(n).padStart(2, "0");
const over = (limit: number) => "a".repeat(limit + 1);
/** Well-shaped surveys with one edit that may break a cross-field rule, or sits just over a limit. */
const crossField = fc
  .tuple(
    validSurvey,
    fc.constantFrom(...RATING_CATEGORIES),
    fc.tuple(percent, percent, percent, percent),
    fc.nat(),
  )
  .map(([s, c, [score, lowerBound, upperBound, lowScoreThreshold], n]) => {
    const x = structuredClone(s);
    const edits: (() => void)[] = [
      () => (x[c.field] = { score }),
      () => (x[c.field] = { score, scale: { lowerBound, upperBound, lowScoreThreshold } }),
      () => {
        for (const { field } of RATING_CATEGORIES) delete x[field];
      },
      () => ([x.overallRating, x[c.field]] = [undefined, { score: 3 }]),
      () => (x.clientTime = `2026-02-${two(score % 40)}T${two(lowerBound % 30)}:00:00Z`),
      () => (x.participantId = "😀".repeat(128 + (score % 3))),
      () => (x[c.field] = { score: 3, issues: [pick(c.issues, score), pick(c.issues, lowerBound)] }),
      () => (x[c.field] = { score: 3, issues: [pick(ALL_TAGS, score)] }),
      () => (x[pick(["id", "callId", "participantId", "clientTime"], score)] = ""),
      () => (x[pick(["callId", "participantId"], score)] = over(LIMITS.identifier)),
      () => (x[pick(CONTEXT_FIELDS, score)] = over(LIMITS.contextValue)),
      () => (x.dimensions = { tier: over(LIMITS.dimensionValue) }),
      () => (x.dimensions = { [`k${over(LIMITS.dimensionKey - 1)}`]: "v" }),
      () =>
        (x.dimensions = Object.fromEntries(
          Array.from({ length: 21 + (score % 2) }, (_, i) => [`k${i}`, "v"]),
        )),
      () => (x[c.field] = { score: 3, improvementSuggestion: over(LIMITS.improvementSuggestion) }),
    ];
    pick(edits, n)();
    return JSON.parse(JSON.stringify(x)) as Json;
  });
/** Mostly-valid inputs: some pass both, many fail one or both. */
const inputs = fc.oneof(
  { weight: 2, arbitrary: validSurvey },
  { weight: 4, arbitrary: crossField },
  { weight: 4, arbitrary: mutated },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

// ---------------------------------------------------------------- where errors point

/** Top-level field each ajv error blames ("" for the document itself). */
function ajvFields(errors: ErrorObject[]): Set<string> {
  return new Set(
    errors.map((e) => {
      const [first] = e.instancePath.split("/").slice(1);
      if (first !== undefined) return first.replaceAll("~1", "/").replaceAll("~0", "~");
      const p = e.params as { missingProperty?: string; additionalProperty?: string };
      return p.missingProperty ?? p.additionalProperty ?? "";
    }),
  );
}
/** Top-level field of a validator error path (`a.b[1]` → `a`; `dimensions.x.y` → `dimensions`; `x.y` → `x.y`). */
function validatorField(input: unknown, { path }: ValidationIssue): string {
  if (typeof input === "object" && input !== null && Object.hasOwn(input, path)) return path;
  return path.startsWith("dimensions.") ? "dimensions" : (path.split(/[.[]/)[0] ?? "");
}
/** Cross-field rules that the schema leaves to the validator (see the schema's descriptions). */
const VALIDATOR_ONLY = new Set([
  "SURVEY_EMPTY",
  "OVERALL_RATING_REQUIRED",
  "SCORE_OUT_OF_DEFAULT_SCALE",
  "SCORE_OUT_OF_SCALE",
  "THRESHOLD_OUT_OF_SCALE",
  "SCALE_BOUNDS_INVERTED",
]);
/** The string an error path points at, for the string-length rules. */
function stringAt(input: Json, path: string): unknown {
  if (path.startsWith("dimensions.")) return (input.dimensions as Json)[path.slice("dimensions.".length)];
  const [head, tail] = path.split(".") as [string, string?];
  return tail === undefined ? input[head] : (input[head] as Json)[tail];
}

// ---------------------------------------------------------------- properties

describe("surveySubmissionSchema agrees with validateSurvey", () => {
  it("the schema compiles under ajv strict mode and is a valid 2020-12 schema", () => {
    assert.equal(ajv.validateSchema(surveySubmissionSchema), true);
    assert.equal(ajv.validateSchema(ratingScaleSchema), true);
  });

  it("(a) every value the validator accepts, ajv accepts too", () => {
    const counts = { both: 0, validatorOnly: 0, neither: 0 };
    fc.assert(
      fc.property(inputs, (input) => {
        const ours = validateSurvey(input);
        const theirs = schemaAccepts(input);
        if (ours.ok) assert.ok(theirs, JSON.stringify(schemaAccepts.errors));
        if (ours.ok) assert.ok(schemaAccepts(ours.value), "the clean copy is schema-valid");
        counts[ours.ok ? "both" : theirs ? "validatorOnly" : "neither"]++;
      }),
      RUNS,
    );
    assert.ok(
      counts.both > 20 && counts.validatorOnly > 20 && counts.neither > 20,
      `the inputs mix all outcomes: ${JSON.stringify(counts)}`,
    );
  });

  it("(b) every value ajv rejects, the validator rejects too, blaming every top-level field ajv blames", () => {
    fc.assert(
      fc.property(inputs, (input) => {
        if (schemaAccepts(input)) return;
        const blamed = ajvFields(schemaAccepts.errors ?? []);
        const ours = validateSurvey(input);
        assert.equal(ours.ok, false, `ajv rejected: ${JSON.stringify(schemaAccepts.errors)}`);
        if (ours.ok) return;
        const ourFields = new Set(ours.errors.map((e) => validatorField(input, e)));
        for (const field of blamed)
          assert.ok(ourFields.has(field), `${field}: ${JSON.stringify(ours.errors)}`);
      }),
      RUNS,
    );
  });

  it("(c) when ajv accepts what the validator rejects, only cross-field rules, calendar dates or UTF-16 lengths differ", () => {
    fc.assert(
      fc.property(inputs, (input) => {
        const ours = validateSurvey(input);
        if (ours.ok || !schemaAccepts(input)) return;
        for (const e of ours.errors) {
          const calendar =
            e.code === "INVALID_FORMAT" && e.path === "clientTime" && e.message.includes("calendar");
          const value = e.code === "TOO_LONG" ? stringAt(input as Json, e.path) : undefined;
          const utf16 = typeof value === "string" && [...value].length < value.length;
          // JSON Schema cannot say "no NUL, no lone surrogate", and does not list the characters refused
          // in labels (INVALID_CHARACTER); the validator refuses such text.
          const illFormed =
            e.message.endsWith("must be valid Unicode text without NUL characters.") ||
            e.code === "INVALID_CHARACTER";
          assert.ok(VALIDATOR_ONLY.has(e.code) || calendar || utf16 || illFormed, JSON.stringify(e));
        }
      }),
      RUNS,
    );
  });

  it("the gap is real: ajv accepts surveys the validator rejects for cross-field rules", () => {
    const base = { id: "0b5e4f3c-9d2a-4c1e-8f7a-1a2b3c4d5e6f", callId: "c", participantId: "p" };
    const at = (clientTime: string, rating?: Json) => ({ ...base, clientTime, ...rating });
    const rated = (score: number, lowerBound: number, upperBound: number, lowScoreThreshold: number) =>
      at("2026-11-23T10:15:00Z", {
        overallRating: { score, scale: { lowerBound, upperBound, lowScoreThreshold } },
      });
    const cases: [Json, ValidationIssue["code"]][] = [
      [at("2026-11-23T10:15:00Z"), "SURVEY_EMPTY"],
      [at("2026-11-23T10:15:00Z", { audioRating: { score: 3 } }), "OVERALL_RATING_REQUIRED"],
      [at("2026-11-23T10:15:00Z", { overallRating: { score: 0 } }), "SCORE_OUT_OF_DEFAULT_SCALE"],
      [rated(11, 0, 10, 5), "SCORE_OUT_OF_SCALE"],
      [rated(1, 0, 10, 11), "THRESHOLD_OUT_OF_SCALE"],
      [rated(5, 5, 5, 5), "SCALE_BOUNDS_INVERTED"],
      [at("2026-02-31T25:00:00Z", { overallRating: { score: 3 } }), "INVALID_FORMAT"],
      [
        { ...at("2026-11-23T10:15:00Z", { overallRating: { score: 3 } }), callId: "😀".repeat(200) },
        "TOO_LONG",
      ],
    ];
    for (const [input, code] of cases) {
      assert.ok(schemaAccepts(input), code);
      const ours = validateSurvey(input);
      assert.ok(!ours.ok && ours.errors[0]?.code === code, JSON.stringify(ours));
    }
  });
});

describe("surveyResponseSchema describes toSurveyResponse", () => {
  const responseAccepts = ajv.compile(surveyResponseSchema);
  it("every response built from an accepted survey is schema-valid", () => {
    fc.assert(
      fc.property(validSurvey, (s) => {
        const result = validateSurvey(s);
        assert.ok(result.ok);
        const response = toSurveyResponse(
          toSurveyRecord(result.value, { projectId: "p", receivedAt: new Date(0) }),
        );
        assert.ok(responseAccepts(response), JSON.stringify(responseAccepts.errors));
      }),
      { numRuns: 100 },
    );
  });
});
