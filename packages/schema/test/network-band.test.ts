/**
 * Network bands: the rule (worst metric wins, thresholds exclusive, MOS the other way round), the
 * metrics it reads from a summary, a project's overrides, and their validation in the survey
 * configuration.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  bandMetrics,
  bandOf,
  type CallQualitySummary,
  DEFAULT_NETWORK_BAND_THRESHOLDS,
  DEFAULT_SURVEY_CONFIG,
  networkBand,
  VALIDATION_CODES,
  validateSurveyConfig,
} from "../src/index.js";

const metrics = (values: Partial<Record<"rttMs" | "lossFraction" | "jitterMs" | "mos", number>>) => ({
  rttMs: undefined,
  lossFraction: undefined,
  jitterMs: undefined,
  mos: undefined,
  ...values,
});

describe("bandOf: the band rule", () => {
  it("is good up to each fair threshold, fair beyond it, poor beyond the poor one (thresholds exclusive)", () => {
    const { rttMs, lossFraction, jitterMs } = DEFAULT_NETWORK_BAND_THRESHOLDS;
    for (const [metric, t] of [
      ["rttMs", rttMs],
      ["lossFraction", lossFraction],
      ["jitterMs", jitterMs],
    ] as const) {
      assert.equal(bandOf(metrics({ [metric]: t.fair })), "good", `${metric} at fair`);
      assert.equal(bandOf(metrics({ [metric]: t.fair * 1.01 })), "fair", `${metric} past fair`);
      assert.equal(bandOf(metrics({ [metric]: t.poor })), "fair", `${metric} at poor`);
      assert.equal(bandOf(metrics({ [metric]: t.poor * 1.01 })), "poor", `${metric} past poor`);
    }
  });

  it("reads MOS the other way round: lower is worse", () => {
    assert.equal(bandOf(metrics({ mos: 4.4 })), "good");
    assert.equal(bandOf(metrics({ mos: 4.02 })), "good");
    assert.equal(bandOf(metrics({ mos: 4.0 })), "fair");
    assert.equal(bandOf(metrics({ mos: 3.6 })), "fair");
    assert.equal(bandOf(metrics({ mos: 3.59 })), "poor");
  });

  it("takes the worst metric, and has no band without any metric", () => {
    assert.equal(bandOf(metrics({ rttMs: 40, lossFraction: 0.2, jitterMs: 2, mos: 4.4 })), "poor");
    assert.equal(bandOf(metrics({ rttMs: 350, lossFraction: 0, mos: 4.4 })), "fair");
    assert.equal(bandOf(metrics({})), undefined);
  });

  it("applies a project's overrides, metric by metric, over the defaults", () => {
    assert.equal(bandOf(metrics({ rttMs: 600 })), "poor");
    assert.equal(bandOf(metrics({ rttMs: 600 }), { rttMs: { poor: 800 } }), "fair");
    assert.equal(bandOf(metrics({ rttMs: 600 }), { rttMs: { fair: 700, poor: 800 } }), "good");
    assert.equal(
      bandOf(metrics({ lossFraction: 0.02 }), { rttMs: { poor: 800 } }),
      "fair",
      "others keep defaults",
    );
  });

  it("never throws on a malformed (corrupt cached) override", () => {
    for (const bad of [null, { rttMs: null }, { rttMs: 5 }, { rttMs: { fair: "x" } }, { mos: [] }] as never[])
      assert.doesNotThrow(() => bandOf(metrics({ rttMs: 100, mos: 4 }), bad));
  });
});

describe("bandMetrics: what a summary contributes", () => {
  const summary: CallQualitySummary = {
    durationSeconds: 60,
    path: { rttMs: { p50: 40, p95: 120 } },
    audio: {
      inbound: { lossFraction: 0.002, jitterMs: { p50: 4, p95: 12 }, rttMs: { p50: 60, p95: 900 } },
      outbound: { lossFraction: 0.03, jitterMs: { p50: 3, p95: 35 } },
    },
    video: { inbound: { lossFraction: 0.001, jitterMs: { p50: 20, p95: 400 } } },
    mos: 4.2,
  };

  it("takes the path's RTT p95, the worst loss of any stream, the worst audio jitter p95, and MOS", () => {
    assert.deepEqual(bandMetrics(summary), { rttMs: 120, lossFraction: 0.03, jitterMs: 35, mos: 4.2 });
    assert.equal(networkBand(summary), "fair");
  });

  it("falls back to the streams' RTT without a path, and leaves video jitter out", () => {
    const { path: _path, ...noPath } = summary;
    assert.equal(bandMetrics(noPath).rttMs, 900);
    assert.equal(networkBand(noPath), "poor");
    const videoOnly: CallQualitySummary = { durationSeconds: 9, video: summary.video as never };
    assert.deepEqual(bandMetrics(videoOnly), {
      rttMs: undefined,
      lossFraction: 0.001,
      jitterMs: undefined,
      mos: undefined,
    });
    assert.equal(networkBand(videoOnly), "good");
  });

  it("has no band for a summary that measured nothing", () => {
    assert.equal(networkBand({ durationSeconds: 0 }), undefined);
    assert.equal(networkBand({ durationSeconds: 3, audio: { inbound: { codec: "opus" } } }), undefined);
  });
});

describe("survey configuration: networkBands and sampleRateByBand", () => {
  const errors = (input: unknown) => {
    const result = validateSurveyConfig(input);
    return result.ok ? [] : result.errors.map((e) => [e.code, e.path, e.message]);
  };

  it("defaults to no overrides and no per-band rates", () => {
    assert.deepEqual(DEFAULT_SURVEY_CONFIG.networkBands, {});
    assert.deepEqual(DEFAULT_SURVEY_CONFIG.sampleRateByBand, {});
    const result = validateSurveyConfig({});
    assert.ok(result.ok);
    assert.deepEqual(result.value.networkBands, {});
    assert.deepEqual(result.value.sampleRateByBand, {});
  });

  it("accepts overrides and rates, and keeps exactly them", () => {
    const input = {
      networkBands: { rttMs: { poor: 800 }, mos: { fair: 4.2, poor: 3.4 } },
      sampleRateByBand: { poor: 1, fair: 0.5, good: 0.1 },
    };
    const result = validateSurveyConfig(input);
    assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
    assert.deepEqual(result.value.networkBands, input.networkBands);
    assert.deepEqual(result.value.sampleRateByBand, input.sampleRateByBand);
    assert.notEqual(result.value.networkBands, input.networkBands, "a copy");
  });

  // biome-ignore format: one row per line reads as a table
  const BAD: [name: string, input: unknown, expected: unknown[][]][] = [
    ["bands as a list", { networkBands: [] }, [["INVALID_TYPE", "networkBands", "networkBands must be an object keyed by metric."]]],
    ["an unknown metric", { networkBands: { bandwidth: { poor: 1 } } }, [["UNKNOWN_FIELD", "networkBands.bandwidth", 'networkBands.bandwidth: "bandwidth" is not one of rttMs, lossFraction, jitterMs, mos.']]],
    ["a threshold as a number", { networkBands: { rttMs: 500 } }, [["INVALID_TYPE", "networkBands.rttMs", "networkBands.rttMs must be an object with fair and/or poor."]]],
    ["an unknown threshold", { networkBands: { rttMs: { bad: 900 } } }, [["UNKNOWN_FIELD", "networkBands.rttMs.bad", 'networkBands.rttMs.bad: "bad" is not one of fair, poor.']]],
    ["a loss above 1", { networkBands: { lossFraction: { poor: 5 } } }, [["OUT_OF_RANGE", "networkBands.lossFraction.poor", "networkBands.lossFraction.poor must be from 0 to 1, got 5."]]],
    ["a MOS as text", { networkBands: { mos: { fair: "4" } } }, [["INVALID_TYPE", "networkBands.mos.fair", "networkBands.mos.fair must be a number from 1 to 4.5."]]],
    ["fair beyond poor", { networkBands: { rttMs: { poor: 200 } } }, [["BAND_THRESHOLDS_INVERTED", "networkBands.rttMs", "networkBands.rttMs: fair (300) must be at most poor (200)."]]],
    ["a MOS fair below poor", { networkBands: { mos: { fair: 3, poor: 3.5 } } }, [["BAND_THRESHOLDS_INVERTED", "networkBands.mos", "networkBands.mos: fair (3) must be at least poor (3.5)."]]],
    ["rates as a number", { sampleRateByBand: 1 }, [["INVALID_TYPE", "sampleRateByBand", "sampleRateByBand must be an object keyed by network band."]]],
    ["an unknown band", { sampleRateByBand: { awful: 1 } }, [["UNKNOWN_FIELD", "sampleRateByBand.awful", 'sampleRateByBand.awful: "awful" is not one of good, fair, poor.']]],
    ["a rate of 0 (a band never asked cannot be estimated)", { sampleRateByBand: { good: 0 } }, [["OUT_OF_RANGE", "sampleRateByBand.good", "sampleRateByBand.good must be from 0.0001 to 1, got 0."]]],
    ["a rate above 1", { sampleRateByBand: { poor: 2 } }, [["OUT_OF_RANGE", "sampleRateByBand.poor", "sampleRateByBand.poor must be from 0.0001 to 1, got 2."]]],
  ];
  for (const [name, input, expected] of BAD) {
    it(`refuses ${name}`, () => {
      assert.deepEqual(errors(input), expected);
      for (const [code] of expected) assert.ok(VALIDATION_CODES.includes(code as never));
    });
  }
});
