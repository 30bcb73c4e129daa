/**
 * The Bernoulli CUSUM's arithmetic: the alternative rate puts the chart's zero-drift point exactly at
 * baseline + minimum effect, the threshold inverts the run-length formula, and that formula does not
 * promise more quiet than the chart delivers (checked against seeded simulation of the chart itself).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  alternativeForBoundary,
  bernoulliKl,
  cusumWeights,
  inControlArl,
  logLikelihoodRatio,
  referenceRate,
  thresholdForArl,
} from "../../src/alerts/binomial-cusum.js";
import { SeededCounts } from "../support/seeded-counts.js";

describe("alternativeForBoundary", () => {
  it("gives the chart whose reference rate is the boundary, across rates and effects", () => {
    for (const p0 of [0.0005, 0.01, 0.1, 0.3, 0.6, 0.9])
      for (const boundary of [p0 * 1.02, p0 + (1 - p0) * 0.1, p0 + (1 - p0) * 0.5]) {
        const p1 = alternativeForBoundary(p0, boundary);
        assert.ok(p1 > boundary && p1 < 1, `p1=${p1} for p0=${p0}, boundary=${boundary}`);
        assert.ok(Math.abs(referenceRate(p0, p1) - boundary) < 1e-9, `p0=${p0}, boundary=${boundary}`);
      }
  });

  it("tunes the chart to about twice the minimum effect for small effects", () => {
    const p1 = alternativeForBoundary(0.1, 0.15);
    assert.ok(p1 > 0.2 && p1 < 0.22, `p1=${p1}`);
  });

  it("answers NaN when no double-precision rate has the boundary as reference", () => {
    assert.ok(Number.isNaN(alternativeForBoundary(0.3, 0.999999)));
    assert.throws(() => alternativeForBoundary(0.2, 0.1), RangeError);
  });
});

describe("the log-likelihood ratio", () => {
  it("drifts down at the baseline rate and up at the alternative, by the divergences", () => {
    const [p0, p1] = [0.1, 0.2];
    const w = cusumWeights(p0, p1);
    // Expected LLR of one survey: −KL(p0‖p1) when the rate is p0, +KL(p1‖p0) when it is p1.
    assert.ok(Math.abs(p0 * w.poor + (1 - p0) * w.fine + bernoulliKl(p0, p1)) < 1e-15);
    assert.ok(Math.abs(p1 * w.poor + (1 - p1) * w.fine - bernoulliKl(p1, p0)) < 1e-15);
    assert.equal(logLikelihoodRatio(w, 10, 3), 3 * Math.log(2) + 7 * Math.log(0.8 / 0.9));
  });
});

describe("thresholdForArl", () => {
  it("inverts inControlArl", () => {
    for (const arl of [50, 1e3, 3.36e5, 1e8]) {
      const h = thresholdForArl(arl, 0.1, 0.21);
      assert.ok(Math.abs(inControlArl(h, 0.1, 0.21) / arl - 1) < 1e-9, `arl ${arl}`);
    }
  });

  it("never promises less than Lorden's guarantee e^h", () => {
    for (const [p0, p1] of [
      [0.01, 0.05],
      [0.1, 0.21],
      [0.5, 0.6],
    ] as const) {
      const h = thresholdForArl(1e5, p0, p1);
      assert.ok(inControlArl(h, p0, p1) >= Math.exp(h));
    }
  });
});

describe("inControlArl", () => {
  // Mean run length to a false alarm of the per-survey chart, over `runs` seeded runs. Run lengths are
  // roughly geometric, so the mean's standard error is about mean/√runs.
  function simulatedArl(p0: number, p1: number, h: number, runs: number, seed: number): number {
    const random = new SeededCounts(seed);
    const w = cusumWeights(p0, p1);
    let total = 0;
    for (let run = 0; run < runs; run++) {
      let s = 0;
      let n = 0;
      do {
        n++;
        s = Math.max(0, s + (random.uniform() < p0 ? w.poor : w.fine));
      } while (s < h);
      total += n;
    }
    return total / runs;
  }

  for (const [p0, p1, h] of [
    [0.1, 0.21, 5],
    [0.02, 0.07, 5],
    [0.3, 0.42, 5],
    [0.1, 0.15, 4],
  ] as const) {
    it(`is on the safe side of the simulated run length (p0 ${p0}, p1 ${p1}, h ${h})`, () => {
      const runs = 300;
      const simulated = simulatedArl(p0, p1, h, runs, 1000 + Math.round(p0 * 1000));
      const formula = inControlArl(h, p0, p1);
      // The formula must not exceed the truth; three standard errors of slack for the simulation.
      assert.ok(
        formula <= simulated * (1 + 3 / Math.sqrt(runs)),
        `formula ${formula.toFixed(0)} vs simulated ${simulated.toFixed(0)}`,
      );
    });
  }
});
