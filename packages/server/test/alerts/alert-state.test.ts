/**
 * The alert's states and transitions, and the hysteresis the detector gives them: once firing, an alert
 * needs evidence of recovery to resolve, so a short dip inside a regression does not end it, and a rate
 * hovering at the firing boundary does not flap.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { validateAlertRule } from "../../src/alerts/alert-rule.js";
import {
  type AlertStatus,
  HISTORY_LENGTH,
  nextTransition,
  notifies,
  RESOLVED_HOLD_MS,
  withTransition,
} from "../../src/alerts/alert-state.js";
import { CountHistory, RuleUnderTest } from "../support/alert-stream.js";
import { SeededCounts } from "../support/seeded-counts.js";

const none = { fire: false, resolve: false };
const fire = { fire: true, resolve: false };
const resolve = { fire: false, resolve: true };

describe("nextTransition", () => {
  const cases: [AlertStatus, typeof none, number, AlertStatus | null][] = [
    ["ok", none, 0, null],
    ["ok", fire, 0, "firing"],
    ["ok", resolve, 0, null],
    ["firing", fire, 0, null],
    ["firing", none, RESOLVED_HOLD_MS * 3, null],
    ["firing", resolve, 0, "resolved"],
    ["resolved", fire, 0, "firing"],
    ["resolved", none, RESOLVED_HOLD_MS - 1, null],
    ["resolved", none, RESOLVED_HOLD_MS, "ok"],
    ["resolved", resolve, 0, null],
  ];
  for (const [from, signals, elapsed, to] of cases) {
    it(`goes from ${from} with ${JSON.stringify(signals)} after ${elapsed} ms to ${to ?? "nowhere"}`, () => {
      const t = nextTransition(from, 1_000, signals, 1_000 + elapsed);
      assert.equal(t?.to ?? null, to);
      if (t) {
        assert.equal(t.from, from);
        assert.equal(t.atMs, 1_000 + elapsed);
      }
    });
  }

  it("notifies firing and resolving, not the fade back to ok", () => {
    assert.equal(notifies({ from: "ok", to: "firing", atMs: 0, reason: "poor-rate-above-baseline" }), true);
    assert.equal(
      notifies({ from: "firing", to: "resolved", atMs: 0, reason: "poor-rate-back-to-baseline" }),
      true,
    );
    assert.equal(notifies({ from: "resolved", to: "ok", atMs: 0, reason: "quiet" }), false);
  });

  it("keeps the last transitions only", () => {
    let history = withTransition([], {
      from: "ok",
      to: "firing",
      atMs: 0,
      reason: "poor-rate-above-baseline",
    });
    for (let i = 1; i < 50; i++)
      history = withTransition(history, {
        from: "firing",
        to: "resolved",
        atMs: i,
        reason: "poor-rate-back-to-baseline",
      });
    assert.equal(history.length, HISTORY_LENGTH);
    assert.equal(history.at(-1)?.atMs, 49);
  });
});

describe("hysteresis of the detector", () => {
  const rule = validateAlertRule({ name: "h", category: "audio" });
  if (!rule.ok) throw new Error("rule");

  function firingSubject(seed: number): {
    subject: RuleUnderTest;
    random: SeededCounts;
    history: CountHistory;
  } {
    const random = new SeededCounts(seed);
    const history = new CountHistory();
    for (let m = 0; m < 7 * 1440 + 60; m++) history.push(random.minute(300, 0.1));
    const subject = new RuleUnderTest(rule.ok ? rule.value : (undefined as never), history, false);
    for (let m = 0; m < 600 && subject.state.status !== "firing"; m++) {
      history.push(random.minute(300, 0.3));
      subject.evaluate();
    }
    assert.equal(subject.state.status, "firing");
    return { subject, random, history };
  }

  it("stays firing through a short dip back to the baseline inside a regression", () => {
    const { subject, random, history } = firingSubject(11);
    const statuses = new Set<string>();
    for (let m = 0; m < 10; m++) {
      history.push(random.minute(300, 0.1));
      statuses.add(subject.evaluate().state.status);
    }
    for (let m = 0; m < 120; m++) {
      history.push(random.minute(300, 0.3));
      statuses.add(subject.evaluate().state.status);
    }
    assert.deepEqual([...statuses], ["firing"]);
  });

  it("fires once, not on and off, while the rate stays above the boundary", () => {
    const { subject, random, history } = firingSubject(12);
    const before = subject.state.history.length;
    for (let m = 0; m < 6 * 60; m++) {
      history.push(random.minute(300, 0.22));
      subject.evaluate();
    }
    assert.equal(subject.state.history.length, before, JSON.stringify(subject.state.history.slice(before)));
  });
});
