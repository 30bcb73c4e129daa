/**
 * A survey's `callQuality` and `askProbability`: what `validateSurvey` accepts and refuses (codes, paths,
 * messages naming the field), that `surveySubmissionSchema` (the OpenAPI description) agrees with it,
 * and that the SDK's stamped validator leaves both to the server.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import fc from "fast-check";
import {
  CANDIDATE_TYPES,
  type CallQualitySummary,
  callQualitySchema,
  MEDIA_DIRECTIONS,
  MEDIA_KINDS,
  surveySubmissionSchema,
  TRANSPORT_PROTOCOLS,
  VALIDATION_CODES,
  type ValidationIssue,
  validateStampedSurvey,
  validateSurvey,
} from "../src/index.js";

const BASE = {
  id: "0b5e4f3c-9d2a-4c1e-8f7a-1a2b3c4d5e6f",
  callId: "call-1",
  participantId: "p-1",
  clientTime: "2026-11-23T10:15:00Z",
  overallRating: { score: 2, issues: ["HadToRejoin"] },
};
const FULL: CallQualitySummary = {
  durationSeconds: 312.4,
  mos: 4.12,
  path: {
    localCandidateType: "srflx",
    remoteCandidateType: "relay",
    protocol: "udp",
    rttMs: { p50: 48, p95: 95 },
  },
  audio: {
    inbound: {
      lossFraction: 0.004,
      jitterMs: { p50: 3, p95: 11.5 },
      rttMs: { p50: 50, p95: 97 },
      bitrateKbps: 34.2,
      concealmentRatio: 0.012,
      codec: "opus",
    },
    outbound: {
      lossFraction: 0.01,
      jitterMs: { p50: 2, p95: 6 },
      rttMs: { p50: 47, p95: 90 },
      codec: "opus",
    },
  },
  video: {
    inbound: {
      lossFraction: 0,
      framesPerSecond: 29.5,
      freezeCount: 2,
      freezeSeconds: 1.3,
      bitrateKbps: 1200,
      codec: "VP8",
    },
  },
  screenshare: { outbound: { framesPerSecond: 5, bitrateKbps: 300, codec: "H264" } },
};
const withQuality = (callQuality: unknown, extra: Record<string, unknown> = {}) => ({
  ...BASE,
  callQuality,
  ...extra,
});
/** The errors of a survey with this `callQuality`, as [code, path, message]. */
const errors = (callQuality: unknown, extra?: Record<string, unknown>) => {
  const result = validateSurvey(withQuality(callQuality, extra));
  return result.ok ? [] : result.errors.map((e: ValidationIssue) => [e.code, e.path, e.message]);
};

describe("callQuality in validateSurvey", () => {
  it("accepts a full summary and keeps it unchanged, in a copy that shares nothing with the input", () => {
    const input = withQuality(structuredClone(FULL), { askProbability: 0.1 });
    const result = validateSurvey(input);
    assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
    assert.deepEqual(result.value.callQuality, FULL);
    assert.equal(result.value.askProbability, 0.1);
    assert.notEqual(result.value.callQuality, input.callQuality);
    assert.notEqual(result.value.callQuality?.audio?.inbound?.jitterMs, FULL.audio?.inbound?.jitterMs);
  });

  it("accepts the smallest summary: a duration; every metric is optional", () => {
    assert.deepEqual(errors({ durationSeconds: 0 }), []);
    assert.deepEqual(errors({ durationSeconds: 5, audio: {}, path: {} }), []);
  });

  it("refuses unknown keys at every depth, naming the field", () => {
    assert.deepEqual(errors({ ...FULL, bandwidth: 1 }), [
      ["UNKNOWN_FIELD", "callQuality.bandwidth", 'Unknown field "callQuality.bandwidth".'],
    ]);
    assert.deepEqual(errors({ durationSeconds: 1, audio: { sideways: {} } }), [
      ["UNKNOWN_FIELD", "callQuality.audio.sideways", 'Unknown field "callQuality.audio.sideways".'],
    ]);
    assert.deepEqual(
      errors({ durationSeconds: 1, video: { inbound: { jitterMs: { p50: 1, p95: 2, p99: 3 } } } }),
      [
        [
          "UNKNOWN_FIELD",
          "callQuality.video.inbound.jitterMs.p99",
          'Unknown field "callQuality.video.inbound.jitterMs.p99".',
        ],
      ],
    );
  });

  // biome-ignore format: one row per line reads as a table
  const BAD: [name: string, callQuality: unknown, expected: unknown[][]][] = [
    ["not an object", "fast", [["INVALID_TYPE", "callQuality", "callQuality must be an object, got string."]]],
    ["an array", [], [["INVALID_TYPE", "callQuality", "callQuality must be an object, got array."]]],
    ["no duration", { mos: 4 }, [["REQUIRED", "callQuality.durationSeconds", "callQuality.durationSeconds is required."]]],
    ["a negative duration", { durationSeconds: -1 }, [["OUT_OF_RANGE", "callQuality.durationSeconds", "callQuality.durationSeconds must be from 0 to 604800, got -1."]]],
    ["a duration over a week", { durationSeconds: 604_801 }, [["OUT_OF_RANGE", "callQuality.durationSeconds", "callQuality.durationSeconds must be from 0 to 604800, got 604801."]]],
    ["a duration as text", { durationSeconds: "60" }, [["INVALID_TYPE", "callQuality.durationSeconds", "callQuality.durationSeconds must be a finite number, got string."]]],
    ["a MOS above 4.5", { durationSeconds: 1, mos: 5 }, [["OUT_OF_RANGE", "callQuality.mos", "callQuality.mos must be from 1 to 4.5, got 5."]]],
    ["a loss above 1", { durationSeconds: 1, audio: { inbound: { lossFraction: 1.5 } } }, [["OUT_OF_RANGE", "callQuality.audio.inbound.lossFraction", "callQuality.audio.inbound.lossFraction must be from 0 to 1, got 1.5."]]],
    ["a null metric", { durationSeconds: 1, audio: { outbound: { bitrateKbps: null } } }, [["INVALID_TYPE", "callQuality.audio.outbound.bitrateKbps", "callQuality.audio.outbound.bitrateKbps must be a finite number, got null."]]],
    ["a fractional freeze count", { durationSeconds: 1, video: { inbound: { freezeCount: 1.5 } } }, [["NOT_INTEGER", "callQuality.video.inbound.freezeCount", "callQuality.video.inbound.freezeCount: 1.5 should be a whole number."]]],
    ["a frame rate of 1000", { durationSeconds: 1, video: { outbound: { framesPerSecond: 1000 } } }, [["OUT_OF_RANGE", "callQuality.video.outbound.framesPerSecond", "callQuality.video.outbound.framesPerSecond must be from 0 to 240, got 1000."]]],
    ["p50 above p95", { durationSeconds: 1, audio: { inbound: { jitterMs: { p50: 30, p95: 20 } } } }, [["PERCENTILES_INVERTED", "callQuality.audio.inbound.jitterMs", "callQuality.audio.inbound.jitterMs: p50 (30) must not exceed p95 (20)."]]],
    ["a missing p95", { durationSeconds: 1, path: { rttMs: { p50: 30 } } }, [["REQUIRED", "callQuality.path.rttMs.p95", "callQuality.path.rttMs.p95 is required."]]],
    ["an RTT over a minute", { durationSeconds: 1, path: { rttMs: { p50: 30, p95: 70_000 } } }, [["OUT_OF_RANGE", "callQuality.path.rttMs.p95", "callQuality.path.rttMs.p95 must be from 0 to 60000, got 70000."]]],
    ["percentiles as a number", { durationSeconds: 1, path: { rttMs: 40 } }, [["INVALID_TYPE", "callQuality.path.rttMs", "callQuality.path.rttMs must be an object, got number."]]],
    ["an unknown candidate type", { durationSeconds: 1, path: { localCandidateType: "serverreflexive" } }, [["INVALID_FORMAT", "callQuality.path.localCandidateType", "callQuality.path.localCandidateType must be one of host, srflx, prflx, relay."]]],
    ["a protocol as a number", { durationSeconds: 1, path: { protocol: 17 } }, [["INVALID_TYPE", "callQuality.path.protocol", "callQuality.path.protocol must be one of udp, tcp."]]],
    ["a codec with a slash", { durationSeconds: 1, audio: { inbound: { codec: "audio/opus" } } }, [["INVALID_FORMAT", "callQuality.audio.inbound.codec", 'callQuality.audio.inbound.codec must be a name of letters, digits, ".", "_", "+" or "-".']]],
    ["a 33-character codec", { durationSeconds: 1, audio: { inbound: { codec: "x".repeat(33) } } }, [["TOO_LONG", "callQuality.audio.inbound.codec", "callQuality.audio.inbound.codec must be at most 32 characters, got 33."]]],
    ["a stream as a list", { durationSeconds: 1, video: { inbound: [1] } }, [["INVALID_TYPE", "callQuality.video.inbound", "callQuality.video.inbound must be an object, got array."]]],
  ];
  for (const [name, callQuality, expected] of BAD) {
    it(`refuses ${name}`, () => assert.deepEqual(errors(callQuality), expected));
  }

  it("reports every problem of a summary, in field order", () => {
    const codes = errors({
      durationSeconds: -5,
      mos: 0,
      audio: { inbound: { lossFraction: 2, codec: 7 } },
    }).map(([code, path]) => `${code} ${path}`);
    assert.deepEqual(codes, [
      "OUT_OF_RANGE callQuality.durationSeconds",
      "OUT_OF_RANGE callQuality.mos",
      "OUT_OF_RANGE callQuality.audio.inbound.lossFraction",
      "INVALID_TYPE callQuality.audio.inbound.codec",
    ]);
  });

  it("keeps the ACS ratings' messages when the summary is also wrong", () => {
    const result = validateSurvey({ ...withQuality({ durationSeconds: -1 }), overallRating: { score: 9 } });
    assert.ok(!result.ok);
    assert.deepEqual(
      result.errors.map((e) => e.message),
      [
        "In default scale overallRating.score should be 1 to 5.",
        "callQuality.durationSeconds must be from 0 to 604800, got -1.",
      ],
    );
  });

  it("every code it reports is a stable validation code", () => {
    for (const [, callQuality] of BAD)
      for (const [code] of errors(callQuality))
        assert.ok(VALIDATION_CODES.includes(code as never), String(code));
  });
});

describe("askProbability in validateSurvey", () => {
  it("accepts a probability from 0.0001 to 1", () => {
    for (const p of [0.0001, 0.1, 1]) assert.deepEqual(errors(undefined, { askProbability: p }), []);
  });

  it("refuses 0, more than 1, below the floor and non-numbers, naming the field", () => {
    assert.deepEqual(errors(undefined, { askProbability: 0 }), [
      ["OUT_OF_RANGE", "askProbability", "askProbability must be from 0.0001 to 1, got 0."],
    ]);
    assert.deepEqual(errors(undefined, { askProbability: 0.00001 })[0]?.[0], "OUT_OF_RANGE");
    assert.deepEqual(errors(undefined, { askProbability: 1.01 })[0]?.[0], "OUT_OF_RANGE");
    assert.deepEqual(errors(undefined, { askProbability: "0.5" }), [
      ["INVALID_TYPE", "askProbability", "askProbability must be a finite number."],
    ]);
    assert.deepEqual(errors(undefined, { askProbability: null })[0]?.[0], "INVALID_TYPE");
  });
});

describe("validateStampedSurvey (the SDK's) and the measurements", () => {
  it("copies callQuality and askProbability unchecked: the SDK sets them, the server checks them", () => {
    const input = withQuality({ durationSeconds: -1 }, { askProbability: 5 });
    const stamped = validateStampedSurvey(input);
    assert.ok(stamped.ok);
    assert.deepEqual(stamped.value.callQuality, { durationSeconds: -1 });
    assert.notEqual(stamped.value.callQuality, input.callQuality, "a copy");
    assert.equal(validateSurvey(input).ok, false);
  });

  it("still refuses every other unknown field", () => {
    const result = validateStampedSurvey({ ...BASE, callQualityScore: 3 });
    assert.ok(!result.ok);
    assert.equal(result.errors[0]?.code, "UNKNOWN_FIELD");
  });
});

// ---------------------------------------------------------------- the JSON Schema agrees

const ajv = new Ajv2020({ strict: true, allErrors: true });
const schemaAccepts = ajv.compile(surveySubmissionSchema);
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });
const clean = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
const number = (max: number) => fc.double({ min: 0, max, noNaN: true, noDefaultInfinity: true });
const percentiles = (max: number) =>
  fc.tuple(number(max), number(max)).map(([a, b]) => ({ p50: Math.min(a, b), p95: Math.max(a, b) }));
const stream = fc
  .record({
    lossFraction: optional(number(1)),
    jitterMs: optional(percentiles(10_000)),
    rttMs: optional(percentiles(60_000)),
    bitrateKbps: optional(number(100_000)),
    framesPerSecond: optional(number(240)),
    freezeCount: optional(fc.integer({ min: 0, max: 1_000_000 })),
    freezeSeconds: optional(number(604_800)),
    concealmentRatio: optional(number(1)),
    codec: optional(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,31}$/)),
  })
  .map(clean);
const summary: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    durationSeconds: number(604_800),
    mos: optional(fc.double({ min: 1, max: 4.5, noNaN: true })),
    path: optional(
      fc
        .record({
          localCandidateType: optional(fc.constantFrom(...CANDIDATE_TYPES)),
          remoteCandidateType: optional(fc.constantFrom(...CANDIDATE_TYPES)),
          protocol: optional(fc.constantFrom(...TRANSPORT_PROTOCOLS)),
          rttMs: optional(percentiles(60_000)),
        })
        .map(clean),
    ),
    ...Object.fromEntries(
      MEDIA_KINDS.map((k) => [
        k,
        optional(
          fc.record(Object.fromEntries(MEDIA_DIRECTIONS.map((d) => [d, optional(stream)]))).map(clean),
        ),
      ]),
    ),
  })
  .map(clean);
/** A path into a summary and a bad value to put there. */
const mutation = fc.tuple(
  fc.constantFrom(
    ["durationSeconds"],
    ["mos"],
    ["path", "protocol"],
    ["path", "rttMs", "p50"],
    ["audio", "inbound", "lossFraction"],
    ["video", "outbound", "freezeCount"],
    ["screenshare", "inbound", "codec"],
    ["audio", "extra"],
    ["extra"],
  ),
  fc.oneof(
    fc.constantFrom(-1, 1.5, 5, 1e9, 0.5, "x", null, true, [], {}, "audio/opus", "x".repeat(40)),
    fc.jsonValue({ maxDepth: 1 }),
  ),
);
function mutate(
  s: Record<string, unknown>,
  [path, value]: [readonly string[], unknown],
): Record<string, unknown> {
  const out = structuredClone(s);
  let at = out;
  for (const key of path.slice(0, -1)) {
    at[key] ??= {};
    at = at[key] as Record<string, unknown>;
  }
  at[path[path.length - 1] as string] = value;
  return out;
}

describe("callQualitySchema agrees with the validator", () => {
  it("is a valid 2020-12 schema under ajv strict mode", () => {
    assert.equal(ajv.validateSchema(callQualitySchema), true);
  });

  it("every summary the validator accepts, ajv accepts", () => {
    fc.assert(
      fc.property(summary, (s) => {
        const input = withQuality(s);
        assert.ok(validateSurvey(input).ok, JSON.stringify(s));
        assert.ok(schemaAccepts(input), JSON.stringify(schemaAccepts.errors));
      }),
      { numRuns: 300 },
    );
  });

  it("every mutated summary ajv refuses, the validator refuses; the other way round only for p50 > p95", () => {
    let refused = 0;
    fc.assert(
      fc.property(summary, mutation, (s, m) => {
        const input = withQuality(mutate(s, m));
        const ours = validateSurvey(input);
        if (!schemaAccepts(input)) {
          refused++;
          assert.equal(ours.ok, false, JSON.stringify(schemaAccepts.errors));
        } else if (!ours.ok) {
          for (const e of ours.errors) assert.equal(e.code, "PERCENTILES_INVERTED", JSON.stringify(e));
        }
      }),
      { numRuns: 400 },
    );
    assert.ok(refused > 200, `the mutations are mostly bad ones: ${refused}`);
  });

  it("the gap is real: p50 above p95 passes ajv but not the validator", () => {
    const input = withQuality({ durationSeconds: 1, path: { rttMs: { p50: 9, p95: 3 } } });
    assert.ok(schemaAccepts(input));
    assert.equal(validateSurvey(input).ok, false);
  });
});
