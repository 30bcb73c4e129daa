import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_SURVEY_CONFIG, type SurveyConfig } from "@aftercall/schema";
import { createSurveyClient, memoryStorage } from "../src/index.js";
import { decide, fnv1a, inSample } from "../src/sampling.js";
import { fakeFetch, json, options } from "./support.js";

const config = (change: Partial<SurveyConfig> = {}): SurveyConfig => ({
  ...DEFAULT_SURVEY_CONFIG,
  ...change,
});
const DAY = 86_400_000;

describe("sampling", () => {
  it("hashes with FNV-1a 32-bit", () => {
    // Reference values of the FNV-1a test suite.
    assert.equal(fnv1a(""), 0x811c9dc5);
    assert.equal(fnv1a("a"), 0xe40c292c);
    assert.equal(fnv1a("foobar"), 0xbf9cf968);
  });

  it("is deterministic per (call, participant) and monotonic in the rate", () => {
    for (let i = 0; i < 200; i++) {
      const pair = { callId: `call-${i}`, participantId: `user-${i % 13}` };
      const first = inSample(pair, 0.3);
      assert.equal(inSample({ ...pair }, 0.3), first);
      if (first) assert.ok(inSample(pair, 0.31));
    }
    assert.equal(inSample({ callId: "a", participantId: "b" }, 0), false);
    assert.equal(inSample({ callId: "a", participantId: "b" }, 1), true);
  });

  it("asks about sampleRate of 10,000 pairs, within 2 points", () => {
    for (const rate of [0.05, 0.25, 0.5, 0.9]) {
      let asked = 0;
      for (let i = 0; i < 10_000; i++) {
        if (inSample({ callId: `8f1c-${i * 7919}`, participantId: `participant-${i % 97}` }, rate)) asked++;
      }
      assert.ok(Math.abs(asked / 10_000 - rate) <= 0.02, `rate ${rate}: asked ${asked / 10_000}`);
    }
  });
});

describe("do-not-ask rules", () => {
  const call = { callId: "c", participantId: "p", durationSeconds: 120 };
  const now = 1_800_000_000_000;

  it("checks join-failed, removed, too-short, cooldown, sampled-out in that order", () => {
    const strict = config({ minCallDurationSeconds: 300, cooldownDays: 7, sampleRate: 0 });
    const all = { ...call, joinFailed: true, removedFromCall: true };
    assert.deepEqual(decide(strict, all, now, now), { ask: false, reason: "join-failed" });
    assert.deepEqual(decide(strict, { ...all, joinFailed: false }, now, now), {
      ask: false,
      reason: "removed-from-call",
    });
    assert.deepEqual(decide(strict, call, now, now), { ask: false, reason: "too-short" });
    assert.deepEqual(decide(strict, { ...call, durationSeconds: 300 }, now, now), {
      ask: false,
      reason: "cooldown",
    });
    assert.deepEqual(decide(strict, { ...call, durationSeconds: 300 }, now - 7 * DAY, now), {
      ask: false,
      reason: "sampled-out",
    });
    assert.deepEqual(decide(config(), all, undefined, now).ask, false);
    assert.deepEqual(decide(config(), call, now, now), { ask: true, reason: "ok" });
  });

  it("never asks after a move to a breakout room, whatever the configuration", () => {
    const lenient = config({ skipWhen: { joinFailed: false, removedFromCall: false } });
    const moved = { ...call, movedToBreakout: true };
    assert.deepEqual(decide(lenient, moved, undefined, now), { ask: false, reason: "moved-to-breakout" });
    assert.deepEqual(decide(config(), { ...moved, joinFailed: true }, undefined, now).reason, "join-failed");
    assert.deepEqual(decide(config(), { ...call, movedToBreakout: false }, undefined, now).ask, true);
  });

  it("follows skipWhen, and an unknown duration never blocks", () => {
    const lenient = config({
      skipWhen: { joinFailed: false, removedFromCall: false },
      minCallDurationSeconds: 60,
    });
    const call2 = { callId: "c", participantId: "p", joinFailed: true, removedFromCall: true };
    assert.deepEqual(decide(lenient, call2, undefined, now), { ask: true, reason: "ok" });
    assert.deepEqual(decide(lenient, { ...call2, durationSeconds: 59 }, undefined, now).reason, "too-short");
  });

  it("keeps the cooldown per participant in storage, across page loads", async () => {
    const storage = memoryStorage();
    const net = fakeFetch((c) =>
      c.url.endsWith("/v1/config")
        ? json(200, { projectId: "demo", requireOverallRating: true, config: config({ cooldownDays: 30 }) })
        : json(201, {}),
    );
    const client = createSurveyClient(options(net.fetch, storage));
    const alice = { callId: "c1", participantId: "alice" };
    assert.deepEqual(await client.shouldAsk(alice), { ask: true, reason: "ok" });
    await client.forCall(alice).send({ overallRating: { score: 4 } });
    const reload = createSurveyClient(options(net.fetch, storage));
    assert.deepEqual(await reload.shouldAsk({ ...alice, callId: "c2" }), { ask: false, reason: "cooldown" });
    assert.deepEqual(await reload.shouldAsk({ callId: "c2", participantId: "bob" }), {
      ask: true,
      reason: "ok",
    });
    const stored = Number(await storage.getItem("aftercall:ac_pk_test:surveyed:alice"));
    assert.ok(Math.abs(stored - Date.now()) < 5000);
    await client.flush();
  });
});
