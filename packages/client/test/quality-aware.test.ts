/**
 * `@aftercall/client/quality-aware`: sampling by network band on top of the client's own rules and draw,
 * and surveys that carry the call's `callQuality` and the probability it was asked with.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type CallQualitySummary, DEFAULT_SURVEY_CONFIG, type SurveyConfig } from "@aftercall/schema";
import { createSurveyClient } from "../src/index.js";
import * as entry from "../src/quality-aware/index.js";
import { qualityAware } from "../src/quality-aware/index.js";
import { inSample } from "../src/sampling.js";
import { fakeFetch, json, options } from "./support.js";

const GOOD: CallQualitySummary = {
  durationSeconds: 300,
  path: {
    localCandidateType: "host",
    remoteCandidateType: "srflx",
    protocol: "udp",
    rttMs: { p50: 30, p95: 60 },
  },
  audio: { inbound: { lossFraction: 0.001, jitterMs: { p50: 2, p95: 6 }, codec: "opus" } },
  mos: 4.4,
};
const POOR: CallQualitySummary = {
  durationSeconds: 300,
  path: { rttMs: { p50: 280, p95: 650 } },
  audio: { inbound: { lossFraction: 0.09, jitterMs: { p50: 20, p95: 70 } } },
  mos: 3.1,
};

/** A quality-aware client of a project with this configuration; `net.surveys()` are the surveys sent. */
function setup(change: Partial<SurveyConfig>) {
  const config = { ...DEFAULT_SURVEY_CONFIG, ...change };
  const net = fakeFetch((c) =>
    c.url.endsWith("/v1/config")
      ? json(200, { projectId: "demo", requireOverallRating: true, config })
      : json(201, {}),
  );
  return { net, surveys: qualityAware(createSurveyClient(options(net.fetch))) };
}
const callsAt = (rate: number, asked: boolean, n: number): { callId: string; participantId: string }[] => {
  const found: { callId: string; participantId: string }[] = [];
  for (let i = 0; found.length < n; i++) {
    const call = { callId: `c-${i}`, participantId: "p" };
    if (inSample(call, rate) === asked) found.push(call);
  }
  return found;
};
/** The first call the client's draw asks (or not) at `rate`. */
const callAt = (rate: number, asked = true) =>
  callsAt(rate, asked, 1)[0] as { callId: string; participantId: string };

describe("quality-aware sampling", () => {
  it("exports qualityAware only", () => {
    assert.deepEqual(Object.keys(entry), ["qualityAware"]);
  });

  it("always asks after a poor-network call when the project says so, even with sampleRate 0", async () => {
    const { surveys } = setup({ sampleRate: 0, sampleRateByBand: { poor: 1 } });
    for (const call of callsAt(0.5, false, 5)) {
      assert.deepEqual(await surveys.shouldAsk({ ...call, callQuality: POOR }), {
        ask: true,
        reason: "ok",
        band: "poor",
      });
      assert.deepEqual(await surveys.shouldAsk({ ...call, callQuality: GOOD }), {
        ask: false,
        reason: "sampled-out",
        probability: 0,
        band: "good",
      });
    }
  });

  it("asks one good-network call in ten with { good: 0.1 }, the same ones on every device", async () => {
    const { surveys } = setup({ sampleRateByBand: { good: 0.1, poor: 1 } });
    let asked = 0;
    for (let i = 0; i < 2000; i++) {
      const call = { callId: `call-${i}`, participantId: `p-${i % 7}` };
      const decision = await surveys.shouldAsk({ ...call, callQuality: GOOD });
      assert.equal(decision.ask, inSample(call, 0.1), "the client's deterministic draw");
      assert.equal(decision.probability, 0.1);
      if (decision.ask) asked++;
    }
    assert.ok(Math.abs(asked / 2000 - 0.1) < 0.02, `asked ${asked / 2000}`);
  });

  it("uses sampleRate for a band the project gave no rate, and for a call without callQuality", async () => {
    const { surveys } = setup({ sampleRate: 0.3, sampleRateByBand: { poor: 1 } });
    const call = callAt(0.3);
    assert.deepEqual(await surveys.shouldAsk({ ...call, callQuality: GOOD }), {
      ask: true,
      reason: "ok",
      probability: 0.3,
      band: "good",
    });
    assert.deepEqual(await surveys.shouldAsk(call), { ask: true, reason: "ok", probability: 0.3 });
  });

  it("bands with the project's thresholds", async () => {
    const { surveys } = setup({
      sampleRateByBand: { poor: 1, good: 0.5 },
      networkBands: { lossFraction: { poor: 0.2 } },
    });
    const lossy = {
      ...POOR,
      path: { rttMs: { p50: 30, p95: 60 } },
      mos: 4.3,
      audio: { inbound: { lossFraction: 0.09 } },
    };
    const decision = await surveys.shouldAsk({ callId: "x", participantId: "y", callQuality: lossy });
    assert.equal(decision.band, "fair", "9 % loss is fair when poor starts at 20 %");
  });

  it("keeps the client's other reasons not to ask", async () => {
    const { surveys } = setup({ minCallDurationSeconds: 60, sampleRateByBand: { poor: 1 } });
    const decision = await surveys.shouldAsk({
      callId: "c",
      participantId: "p",
      durationSeconds: 10,
      callQuality: POOR,
    });
    assert.deepEqual(decision, { ask: false, reason: "too-short" });
  });
});

describe("quality-aware surveys", () => {
  it("carry the call's callQuality and the probability it was asked with", async () => {
    const { net, surveys } = setup({ sampleRateByBand: { good: 0.25, poor: 1 } });
    const good = callAt(0.25);
    assert.equal((await surveys.shouldAsk({ ...good, callQuality: GOOD })).ask, true);
    const result = await surveys.forCall(good).send({ overallRating: { score: 4 } });
    assert.ok(result.ok && result.status === "delivered");
    const poor = { callId: "poor-call", participantId: "p" };
    await surveys.shouldAsk({ ...poor, callQuality: POOR });
    await surveys.forCall(poor).submitSurvey({ overallRating: { score: 1 } });
    const [first, second] = net.surveys().map((c) => c.body as Record<string, unknown>);
    assert.deepEqual(first?.callQuality, GOOD);
    assert.equal(first?.askProbability, 0.25);
    assert.deepEqual(second?.callQuality, POOR);
    assert.equal(second?.askProbability, undefined, "asked with probability 1: nothing to weight");
  });

  it("records a rate below the schema's floor at the floor (0.0001), so the survey stays valid", async () => {
    const { net, surveys } = setup({ sampleRate: 0.00002 });
    const call = callAt(0.00002);
    const decision = await surveys.shouldAsk(call);
    assert.equal(decision.probability, 0.00002);
    await surveys.forCall(call).send({ overallRating: { score: 3 } });
    const body = net.surveys()[0]?.body as { askProbability?: number } | undefined;
    assert.equal(body?.askProbability, 0.0001);
  });

  it("takes callQuality given to forCall when shouldAsk was not asked, and replaces what the app put in the survey", async () => {
    const { net, surveys } = setup({});
    const call = { callId: "direct", participantId: "p" };
    const forged = { overallRating: { score: 5 }, callQuality: { durationSeconds: -1 }, askProbability: 0.5 };
    await surveys.forCall({ ...call, callQuality: GOOD }).send(forged as never);
    const body = net.surveys()[0]?.body as Record<string, unknown>;
    assert.deepEqual(body.callQuality, GOOD);
    assert.equal(
      body.askProbability,
      undefined,
      "no decision recorded for this call: none, whatever the app says",
    );
    await surveys.shouldAsk({ ...call, callQuality: POOR });
    await surveys.forCall(call).send(forged as never);
    const again = net.surveys()[1]?.body as Record<string, unknown>;
    assert.deepEqual(again.callQuality, POOR);
  });

  it("remembers the last 16 calls only", async () => {
    const { net, surveys } = setup({ sampleRateByBand: { poor: 1 } });
    for (let i = 0; i < 17; i++)
      await surveys.shouldAsk({ callId: `c${i}`, participantId: "p", callQuality: POOR });
    await surveys.forCall({ callId: "c0", participantId: "p" }).send({ overallRating: { score: 2 } });
    await surveys.forCall({ callId: "c16", participantId: "p" }).send({ overallRating: { score: 2 } });
    const [oldest, newest] = net.surveys().map((c) => c.body as Record<string, unknown>);
    assert.equal(oldest?.callQuality, undefined);
    assert.deepEqual(newest?.callQuality, POOR);
  });

  it("is still the client: config, flush, pending, events", async () => {
    const { net, surveys } = setup({});
    await surveys.forCall({ callId: "e", participantId: "p" }).track("shown");
    await surveys.flush();
    assert.equal(await surveys.pending(), 0);
    assert.equal((await surveys.getConfig()).source, "server");
    assert.equal(net.events().length, 1);
  });
});
