/**
 * `analytics/weighted-rate.ts`: the Hájek poor-rate of surveys asked with unequal probabilities, its
 * linearisation variance and its interval. The algebra is checked against a direct computation, and a
 * simulation shows what the weighting is for: sampling by network band biases the plain share of poor
 * ratings, while the weighted estimate's 95 % interval covers the truth.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { wilsonInterval } from "../../src/analytics/statistics.js";
import {
  emptyTally,
  mergeTallies,
  tallySurvey,
  type WeightedTally,
  weightedPoorRate,
} from "../../src/analytics/weighted-rate.js";
import { seededRandom } from "../../src/demo/generate-surveys.js";

type Survey = { poor: boolean; probability: number };
const tally = (surveys: Survey[]): WeightedTally =>
  surveys.reduce((t, s) => tallySurvey(t, s.poor, s.probability), emptyTally());
const close = (a: number, b: number, tolerance = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

describe("weighted poor-rate (Hájek)", () => {
  it("is the plain share, with the ordinary Wilson interval at n − 1, when every survey has one probability", () => {
    for (const probability of [1, 0.25]) {
      const surveys = Array.from({ length: 40 }, (_, i) => ({ poor: i % 5 === 0, probability }));
      const result = weightedPoorRate(tally(surveys));
      close(result.rate, 8 / 40);
      close(result.effectiveSize, 39);
      const [low, high] = wilsonInterval(0.2 * 39, 39);
      close(result.ci95[0], low);
      close(result.ci95[1], high);
      assert.equal(result.surveys, 40);
      close(result.weightedCount, 40 / probability);
    }
  });

  it("weights each survey by 1 / askProbability", () => {
    // One poor rating always asked, one good rating asked with probability 0.1: it stands for ten calls.
    const result = weightedPoorRate(
      tally([
        { poor: true, probability: 1 },
        { poor: false, probability: 0.1 },
      ]),
    );
    close(result.rate, 1 / 11);
    close(result.weightedCount, 11);
  });

  it("computes the linearisation variance from five sums exactly as from the surveys one by one", () => {
    const random = seededRandom(11);
    for (let run = 0; run < 50; run++) {
      const surveys = Array.from({ length: 2 + Math.floor(random() * 60) }, () => ({
        poor: random() < 0.3,
        probability: [1, 0.5, 0.1, 0.02][Math.floor(random() * 4)] as number,
      }));
      const n = surveys.length;
      const weights = surveys.map((s) => 1 / s.probability);
      const total = weights.reduce((a, b) => a + b, 0);
      const p = surveys.reduce((sum, s, i) => sum + (s.poor ? (weights[i] as number) : 0), 0) / total;
      // zᵢ = wᵢ (yᵢ − p̂) / Σw, V̂ = n/(n − 1) Σ zᵢ².
      const residuals = surveys.map((s, i) => ((weights[i] as number) * (+s.poor - p)) / total);
      const variance = (n / (n - 1)) * residuals.reduce((sum, z) => sum + z * z, 0);
      const result = weightedPoorRate(tally(surveys));
      close(result.rate, p, 1e-12);
      close(result.standardError ?? Number.NaN, Math.sqrt(variance), 1e-9);
    }
  });

  it("adds up: the tally of two cohorts merged is the tally of all their surveys", () => {
    const a = [
      { poor: true, probability: 0.5 },
      { poor: false, probability: 1 },
    ];
    const b = [
      { poor: false, probability: 0.1 },
      { poor: true, probability: 0.1 },
      { poor: false, probability: 1 },
    ];
    assert.deepEqual(mergeTallies(tally(a), tally(b)), tally([...a, ...b]));
    assert.deepEqual(mergeTallies(), emptyTally());
  });

  it("stays inside [0, 1] at the edges: all poor, none poor, a single survey", () => {
    const none = weightedPoorRate(
      tally([
        { poor: false, probability: 0.2 },
        { poor: false, probability: 1 },
      ]),
    );
    assert.equal(none.rate, 0);
    assert.equal(none.ci95[0], 0);
    assert.ok(none.ci95[1] > 0 && none.ci95[1] < 1);
    // Kish's effective size (Σw)² / Σw² = 36 / 26.
    close(none.effectiveSize, 36 / 26);
    const all = weightedPoorRate(
      tally([
        { poor: true, probability: 0.5 },
        { poor: true, probability: 0.5 },
      ]),
    );
    assert.equal(all.rate, 1);
    assert.equal(all.ci95[1], 1);
    const one = weightedPoorRate(tally([{ poor: true, probability: 0.1 }]));
    assert.equal(one.rate, 1);
    assert.equal(one.standardError, null);
    assert.deepEqual(one.ci95, wilsonInterval(1, 1));
  });

  it("refuses what carries no information or cannot come from surveys", () => {
    assert.throws(() => weightedPoorRate(emptyTally()), RangeError);
    assert.throws(() => tallySurvey(emptyTally(), true, 0), RangeError);
    assert.throws(() => tallySurvey(emptyTally(), true, 1.5), RangeError);
    assert.throws(() => tallySurvey(emptyTally(), true, Number.NaN), RangeError);
    const broken = { ...tally([{ poor: true, probability: 1 }]), poorWeight: 2 };
    assert.throws(() => weightedPoorRate(broken), RangeError);
  });
});

describe("sampling by network band, simulated", () => {
  // A population of calls in three network bands; poor ratings are more common on poor networks.
  // Asked: every poor-network call, half the fair ones, one good-network call in ten.
  const BANDS = [
    { share: 0.7, poorRating: 0.05, askProbability: 0.1 },
    { share: 0.2, poorRating: 0.15, askProbability: 0.5 },
    { share: 0.1, poorRating: 0.45, askProbability: 1 },
  ];
  const CALLS = 6000;
  const RUNS = 1000;
  const population = (() => {
    const random = seededRandom(2026);
    return Array.from({ length: CALLS }, () => {
      const r = random();
      const band = (r < 0.7 ? BANDS[0] : r < 0.9 ? BANDS[1] : BANDS[2]) as (typeof BANDS)[number];
      return { poor: random() < band.poorRating, askProbability: band.askProbability };
    });
  })();
  const truth = population.filter((c) => c.poor).length / CALLS;

  const runs = Array.from({ length: RUNS }, (_, run) => {
    // Each call is asked independently with its band's probability, as the client's draw does.
    const random = seededRandom(run + 1);
    const asked = population.filter((c) => random() < c.askProbability);
    const poor = asked.filter((c) => c.poor).length;
    return {
      unweighted: poor / asked.length,
      unweightedCi: wilsonInterval(poor, asked.length),
      weighted: weightedPoorRate(tally(asked.map((c) => ({ poor: c.poor, probability: c.askProbability })))),
    };
  });
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const covers = ([low, high]: [number, number]) => low <= truth && truth <= high;

  it("the population has the poor-rate its bands imply", () => {
    // 0.7 · 0.05 + 0.2 · 0.15 + 0.1 · 0.45 = 0.11
    assert.ok(Math.abs(truth - 0.11) < 0.01, `truth ${truth}`);
  });

  it("the plain share of poor ratings among the surveys is biased, and its interval misses the truth", () => {
    const bias = mean(runs.map((r) => r.unweighted)) - truth;
    assert.ok(bias > 0.08, `unweighted bias ${bias.toFixed(4)}`);
    const coverage = runs.filter((r) => covers(r.unweightedCi)).length / RUNS;
    console.log(`unweighted: bias ${bias.toFixed(4)}, 95 % interval coverage ${coverage}`);
    assert.ok(coverage < 0.01, `unweighted coverage ${coverage}`);
  });

  it("the weighted estimate is unbiased and its 95 % interval covers the truth in at least 93 % of runs", () => {
    const bias = mean(runs.map((r) => r.weighted.rate)) - truth;
    assert.ok(Math.abs(bias) < 0.003, `weighted bias ${bias.toFixed(4)}`);
    const coverage = runs.filter((r) => covers(r.weighted.ci95)).length / RUNS;
    console.log(`weighted: bias ${bias.toFixed(4)}, 95 % interval coverage ${coverage}`);
    assert.ok(coverage >= 0.93, `weighted coverage ${coverage}`);
    // The interval is honest, not just wide: narrower than ±5 points on about 1,400 surveys.
    const width = mean(runs.map((r) => r.weighted.ci95[1] - r.weighted.ci95[0]));
    assert.ok(width < 0.1, `mean width ${width.toFixed(4)}`);
  });

  it("keeps its coverage with ten times fewer calls (about 140 surveys a run)", () => {
    const small = population.slice(0, CALLS / 10);
    const smallTruth = small.filter((c) => c.poor).length / small.length;
    let covered = 0;
    for (let run = 0; run < RUNS; run++) {
      const random = seededRandom(10_000 + run);
      const asked = small.filter((c) => random() < c.askProbability);
      const [low, high] = weightedPoorRate(
        tally(asked.map((c) => ({ poor: c.poor, probability: c.askProbability }))),
      ).ci95;
      if (low <= smallTruth && smallTruth <= high) covered++;
    }
    console.log(`weighted, ${small.length} calls: 95 % interval coverage ${covered / RUNS}`);
    assert.ok(covered / RUNS >= 0.93, `coverage ${covered / RUNS}`);
  });

  it("says how many were asked and how many calls they stand for", () => {
    const expectedAsked = CALLS * BANDS.reduce((sum, b) => sum + b.share * b.askProbability, 0);
    const asked = mean(runs.map((r) => r.weighted.surveys));
    assert.ok(Math.abs(asked - expectedAsked) / expectedAsked < 0.03, `asked ${asked} vs ${expectedAsked}`);
    const standsFor = mean(runs.map((r) => r.weighted.weightedCount));
    assert.ok(Math.abs(standsFor - CALLS) / CALLS < 0.02, `weighted count ${standsFor}`);
  });
});
