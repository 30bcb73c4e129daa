/**
 * `e-model.ts`: the simplified ITU-T G.107 E-model, checked against values worked out by hand from the
 * Recommendation's formulas, and the properties a quality estimate must have.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  BROWSER_CODEC_IMPAIRMENT,
  delayImpairment,
  estimateMos,
  G729_IMPAIRMENT,
  mosFromR,
  R_DEFAULT,
  rFactor,
} from "../src/index.js";

const close = (actual: number, expected: number, tolerance: number) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not within ${tolerance} of ${expected}`);

describe("E-model: R to MOS (G.107 Annex B)", () => {
  it("maps the G.109 category bounds to their MOS", () => {
    // 1 + 0.035 R + R (R − 60)(100 − R) 7e-6
    close(mosFromR(R_DEFAULT), 4.41, 0.005); // a clean G.711 call
    close(mosFromR(90), 4.34, 0.005); // very satisfied above
    close(mosFromR(80), 4.02, 0.005); // satisfied above
    close(mosFromR(70), 3.6, 0.005); // some users dissatisfied above
    close(mosFromR(60), 3.1, 0.005); // many users dissatisfied above
    close(mosFromR(50), 2.58, 0.005); // nearly all users dissatisfied above
  });

  it("is 1 up to R = 6.5 (where the polynomial would dip below 1), 4.5 from R = 100, increasing between", () => {
    for (const r of [-20, 0, 3, 6.4]) assert.equal(mosFromR(r), 1, `at R = ${r}`);
    assert.equal(mosFromR(100), 4.5);
    assert.equal(mosFromR(130), 4.5);
    for (let r = 7; r < 100; r++) assert.ok(mosFromR(r) > mosFromR(r - 0.5), `at R = ${r}`);
    for (let r = -5; r < 110; r += 0.25)
      assert.ok(mosFromR(r + 0.25) >= mosFromR(r), `never falls at R = ${r}`);
  });
});

describe("E-model: impairments", () => {
  it("delay impairs nothing up to 100 ms one way, then grows with Idd", () => {
    assert.equal(delayImpairment(0), 0);
    assert.equal(delayImpairment(100), 0);
    // X = log2(2) = 1: 25 ((1 + 1)^(1/6) − 3 (1 + 1/729)^(1/6) + 2)
    close(delayImpairment(200), 3.044, 0.001);
    // X = 2: 25 (65^(1/6) − 3 (1 + (2/3)^6)^(1/6) + 2)
    close(delayImpairment(400), 24.07, 0.01);
    for (let ta = 110; ta <= 800; ta += 10)
      assert.ok(delayImpairment(ta) > delayImpairment(ta - 10), `${ta} ms`);
    assert.equal(delayImpairment(Number.NaN), 0, "an unknown delay does not impair");
  });

  it("loss impairs by Ie,eff = Ie + (95 − Ie) Ppl / (Ppl + Bpl)", () => {
    close(R_DEFAULT - rFactor(0, 0.01), (95 * 1) / (1 + 25.1), 1e-9);
    close(R_DEFAULT - rFactor(0, 0.05), (95 * 5) / (5 + 25.1), 1e-9);
    // G.729A starts at Ie = 11 and degrades faster (Bpl 19).
    close(R_DEFAULT - rFactor(0, 0, G729_IMPAIRMENT), 11, 1e-9);
    close(R_DEFAULT - rFactor(0, 0.02, G729_IMPAIRMENT), 11 + (84 * 2) / (2 + 19), 1e-9);
    assert.deepEqual(BROWSER_CODEC_IMPAIRMENT, { ie: 0, bpl: 25.1 });
  });
});

describe("E-model: estimateMos", () => {
  it("gives the documented examples", () => {
    assert.equal(estimateMos(60, 0), 4.41);
    // R = 93.2 − 3.044 − 95·5/30.1 = 74.37, MOS 3.79
    assert.equal(estimateMos(200, 0.05), 3.79);
  });

  it("never rises with more delay or more loss, and stays within 1–4.5", () => {
    for (const delay of [0, 50, 150, 300, 600, 2000])
      for (const loss of [0, 0.01, 0.05, 0.2, 1]) {
        const mos = estimateMos(delay, loss);
        assert.ok(mos >= 1 && mos <= 4.5, `${delay} ms, ${loss}: ${mos}`);
        assert.ok(estimateMos(delay + 100, loss) <= mos);
        assert.ok(estimateMos(delay, Math.min(1, loss + 0.02)) <= mos);
      }
  });
});
