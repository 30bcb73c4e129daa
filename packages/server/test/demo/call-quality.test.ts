/**
 * `demo/call-quality.ts`: synthetic call-quality summaries for demo data are valid surveys' `callQuality`,
 * fall in the network band of the condition they were made for, and come with ratings that follow the
 * network.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { networkBand, validateSurvey } from "@aftercall/schema";
import {
  CONDITION_MIX,
  drawCondition,
  drawOverallScore,
  type NetworkCondition,
  syntheticCallQuality,
} from "../../src/demo/call-quality.js";
import { seededRandom } from "../../src/demo/generate-surveys.js";

const CONDITIONS: NetworkCondition[] = ["good", "fair", "poor"];
const survey = (callQuality: unknown) => ({
  id: "0b5e4f3c-9d2a-4c1e-8f7a-1a2b3c4d5e6f",
  callId: "c-1",
  participantId: "p-1",
  clientTime: "2026-11-23T10:15:00Z",
  overallRating: { score: 3 },
  callQuality,
});

describe("synthetic call quality for demo data", () => {
  it("makes summaries the survey validator accepts, with and without video and screen share", () => {
    const random = seededRandom(5);
    for (let i = 0; i < 600; i++) {
      const condition = CONDITIONS[i % 3] as NetworkCondition;
      const callQuality = syntheticCallQuality(random, condition, {
        video: i % 2 === 0,
        screenshare: i % 5 === 0,
      });
      const result = validateSurvey(survey(callQuality));
      assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
      assert.deepEqual(result.value.callQuality, callQuality, "nothing dropped by the clean copy");
    }
  });

  it("puts every summary in the network band of its condition, under the default thresholds", () => {
    const random = seededRandom(6);
    for (const condition of CONDITIONS)
      for (let i = 0; i < 500; i++)
        assert.equal(networkBand(syntheticCallQuality(random, condition)), condition);
  });

  it("is deterministic for a seed", () => {
    const make = () =>
      syntheticCallQuality(seededRandom(9), "fair", { durationSeconds: 300, screenshare: true });
    assert.deepEqual(make(), make());
    assert.equal(make().durationSeconds, 300);
  });

  it("gives more poor ratings on worse networks, and some on good ones", () => {
    const random = seededRandom(8);
    const poorShare = (condition: NetworkCondition) => {
      let poor = 0;
      for (let i = 0; i < 5000; i++) if (drawOverallScore(random, condition) <= 2) poor++;
      return poor / 5000;
    };
    const [good, fair, poor] = CONDITIONS.map(poorShare) as [number, number, number];
    assert.ok(good > 0.03 && good < fair && fair < poor, `${good} ${fair} ${poor}`);
    assert.ok(Math.abs(good - 0.06) < 0.015 && Math.abs(fair - 0.16) < 0.02 && Math.abs(poor - 0.4) < 0.03);
  });

  it("draws conditions in the demo mix", () => {
    const random = seededRandom(4);
    const counts = { good: 0, fair: 0, poor: 0 };
    for (let i = 0; i < 10_000; i++) counts[drawCondition(random)]++;
    for (const c of CONDITIONS)
      assert.ok(Math.abs(counts[c] / 10_000 - CONDITION_MIX[c]) < 0.015, JSON.stringify(counts));
  });

  it("estimates a higher MOS on better networks", () => {
    const random = seededRandom(3);
    const mean = (condition: NetworkCondition) => {
      let sum = 0;
      for (let i = 0; i < 300; i++) sum += syntheticCallQuality(random, condition).mos ?? 0;
      return sum / 300;
    };
    const [good, fair, poor] = CONDITIONS.map(mean) as [number, number, number];
    assert.ok(good > fair && fair > poor && poor >= 1, `${good} ${fair} ${poor}`);
  });
});
