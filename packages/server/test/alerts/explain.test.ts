/**
 * explainExcess: excess poor ratings per value (observed − expected at the baseline rate), with n ×
 * Newcombe's interval of the rate difference, ranked; new values against the overall baseline; the part
 * a changed mix explains for partitions; limits; and refusal of impossible counts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Breakdown, explainExcess, MAX_BREAKDOWN_VALUES } from "../../src/alerts/explain.js";
import { twoProportionTest } from "../../src/analytics/statistics.js";

const close = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);

const versions: Breakdown = {
  dimension: "appVersion",
  partition: true,
  total: { window: { surveys: 300, poor: 57 }, baseline: { surveys: 30_000, poor: 3_000 } },
  values: [
    { value: "5.1.3", window: { surveys: 135, poor: 14 }, baseline: { surveys: 19_500, poor: 1_950 } },
    { value: "5.0.9", window: { surveys: 75, poor: 7 }, baseline: { surveys: 10_500, poor: 1_050 } },
    { value: "5.2.0", window: { surveys: 90, poor: 36 }, baseline: { surveys: 0, poor: 0 } },
  ],
};

describe("explainExcess", () => {
  it("computes each value's excess and its interval from Newcombe's difference", () => {
    const result = explainExcess(versions);
    const top = result.contributions[0];
    assert.equal(top?.value, "5.2.0");
    close(top?.expectedPoor as number, 9, "expected = 90 × 10 %");
    close(top?.excessPoor as number, 27, "excess = 36 − 9");
    const diff = twoProportionTest({ poor: 36, n: 90 }, { poor: 3_000, n: 30_000 }).ci95;
    close(top?.excessPoorCi95[0] as number, 90 * diff[0], "lower bound");
    close(top?.excessPoorCi95[1] as number, 90 * diff[1], "upper bound");
    assert.equal(top?.significant, true);
    assert.equal(top?.baseline.source, "overall");
    close(top?.shareOfExcess as number, 27 / 27, "share of 57 − 30 = 27");
  });

  it("lists only values with a positive excess, largest first", () => {
    const result = explainExcess(versions);
    // 5.1.3: 14 − 13.5 = +0.5; 5.0.9: 7 − 7.5 = −0.5 (left out).
    assert.deepEqual(
      result.contributions.map((c) => c.value),
      ["5.2.0", "5.1.3"],
    );
    assert.equal(result.contributions[1]?.significant, false);
    assert.equal(result.contributions[1]?.baseline.source, "own");
    close(result.totalExcessPoor as number, 27, "total");
  });

  it("reports what a changed mix explains, for partitions only", () => {
    // Same rates as the baseline per value, but more surveys from the version that was already worse.
    const mix: Breakdown = {
      dimension: "platform",
      partition: true,
      total: { window: { surveys: 200, poor: 40 }, baseline: { surveys: 20_000, poor: 2_800 } },
      values: [
        { value: "android", window: { surveys: 150, poor: 36 }, baseline: { surveys: 8_000, poor: 1_920 } },
        { value: "ios", window: { surveys: 50, poor: 4 }, baseline: { surveys: 12_000, poor: 880 } },
      ],
    };
    const result = explainExcess(mix);
    close(result.totalExcessPoor as number, 40 - 200 * 0.14, "total");
    const own = 36 - 150 * 0.24 + (4 - (50 * 880) / 12_000);
    close(result.composition as number, (result.totalExcessPoor as number) - own, "composition");
    assert.ok((result.composition as number) > 10, "most of the rise is the mix");
    assert.equal(explainExcess({ ...mix, partition: false }).composition, null);
  });

  it("compares tags with the category's surveys (overlapping values, no composition)", () => {
    const tags: Breakdown = {
      dimension: "tag",
      partition: false,
      total: { window: { surveys: 300, poor: 57 }, baseline: { surveys: 30_000, poor: 3_000 } },
      values: [
        { value: "Echo", window: { surveys: 300, poor: 30 }, baseline: { surveys: 30_000, poor: 600 } },
        {
          value: "AudioNoise",
          window: { surveys: 300, poor: 12 },
          baseline: { surveys: 30_000, poor: 1_200 },
        },
      ],
    };
    const result = explainExcess(tags);
    assert.deepEqual(
      result.contributions.map((c) => [c.value, c.excessPoor]),
      [["Echo", 30 - 6]],
    );
    assert.equal(result.composition, null);
  });

  it("shows at most `limit` values and counts the rest", () => {
    const many: Breakdown = {
      dimension: "dimension.region",
      partition: true,
      total: { window: { surveys: 1_000, poor: 300 }, baseline: { surveys: 100_000, poor: 10_000 } },
      values: Array.from({ length: 40 }, (_, i) => ({
        value: `r${i}`,
        window: { surveys: 25, poor: 5 + (i % 7) },
        baseline: { surveys: 2_500, poor: 250 },
      })),
    };
    const result = explainExcess(many, { limit: 5 });
    assert.equal(result.contributions.length, 5);
    assert.equal(result.omitted, 35);
    const excesses = result.contributions.map((c) => c.excessPoor);
    assert.deepEqual(
      excesses,
      [...excesses].sort((a, b) => b - a),
    );
  });

  it("skips values without surveys in the window and copes with empty totals", () => {
    const result = explainExcess({
      dimension: "browser",
      partition: true,
      total: { window: { surveys: 0, poor: 0 }, baseline: { surveys: 0, poor: 0 } },
      values: [{ value: "firefox", window: { surveys: 0, poor: 0 }, baseline: { surveys: 0, poor: 0 } }],
    });
    assert.deepEqual(result.contributions, []);
    assert.equal(result.totalExcessPoor, null);
  });

  it("refuses counts no store can produce, and too many values", () => {
    const bad = (values: Breakdown["values"]) => () => explainExcess({ ...versions, values }, { limit: 3 });
    assert.throws(
      bad([{ value: "x", window: { surveys: 2, poor: 3 }, baseline: { surveys: 5, poor: 1 } }]),
      /values\[0\]\.window/,
    );
    assert.throws(
      bad([{ value: "x", window: { surveys: 2, poor: 1 }, baseline: { surveys: -5, poor: 0 } }]),
      /values\[0\]\.baseline/,
    );
    const tooMany = Array.from({ length: MAX_BREAKDOWN_VALUES + 1 }, (_, i) => ({
      value: `${i}`,
      window: { surveys: 1, poor: 0 },
      baseline: { surveys: 1, poor: 0 },
    }));
    assert.throws(bad(tooMany), RangeError);
  });
});
