/**
 * The detector evaluated every minute on seeded streams: it fires on an injected regression (and the
 * explanation names what carries it), resolves after it, stays within its designed false-alarm budget on
 * unchanged data where a per-minute re-test of the window does not, holds below the minimum sample and
 * without a baseline, and takes each survey in exactly once however the slots are re-sent.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type AlertRule, validateAlertRule } from "../../src/alerts/alert-rule.js";
import { RESOLVED_HOLD_MS } from "../../src/alerts/alert-state.js";
import { bernoulliKl } from "../../src/alerts/binomial-cusum.js";
import {
  baselinePeriod,
  type EvaluationInput,
  evaluateRule,
  newDetectorState,
  RESOLVE_THRESHOLD,
} from "../../src/alerts/detector.js";
import { explainExcess } from "../../src/alerts/explain.js";
import { CountHistory, MINUTE_MS, msOf, RuleUnderTest } from "../support/alert-stream.js";
import { poissonUpperQuantile, SeededCounts } from "../support/seeded-counts.js";

const WEEK_MINUTES = 7 * 1440;

function rule(input: Record<string, unknown> = {}): AlertRule {
  const result = validateAlertRule({ name: "Overall complaints", category: "overall", ...input });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
}

describe("evaluateRule on an injected regression", () => {
  // A new app version C ships at the step with 30 % of the traffic and a 40 % poor-rate, while A and B
  // stay at 10 %: the overall rate goes from 10 % to 19 %. The fix ships 30 minutes after the alert.
  const perHour = 300;
  const random = new SeededCounts(42);
  const total = new CountHistory();
  const versions = { A: new CountHistory(), B: new CountHistory(), C: new CountHistory() };
  let phase: "before" | "regression" | "fixed" = "before";
  function addMinute(): void {
    const shares = phase === "before" ? { A: 0.65, B: 0.35, C: 0 } : { A: 0.45, B: 0.25, C: 0.3 };
    let surveys = 0;
    let poor = 0;
    for (const v of ["A", "B", "C"] as const) {
      const rate = v === "C" && phase === "regression" ? 0.4 : 0.1;
      const c = random.minute(perHour * shares[v], rate);
      versions[v].push(c);
      surveys += c.surveys;
      poor += c.poor;
    }
    total.push({ surveys, poor });
  }
  for (let m = 0; m < WEEK_MINUTES + 60; m++) addMinute();
  const subject = new RuleUnderTest(rule(), total);
  const step = total.length + 120;
  const transitions: { to: string; minute: number }[] = [];
  let explanation: ReturnType<typeof explainExcess> | null = null;
  let firedAt = -1;
  let onsetMinute = -1;
  let resolvedAt = -1;
  while (total.length < step + 12 * 60 && resolvedAt < 0) {
    if (total.length === step) phase = "regression";
    if (firedAt >= 0 && total.length === firedAt + 30) phase = "fixed";
    addMinute();
    const { transition, statistics } = subject.evaluate();
    if (!transition) continue;
    const minute = total.length;
    transitions.push({ to: transition.to, minute });
    if (transition.to === "firing" && firedAt < 0) {
      firedAt = minute;
      onsetMinute = ((statistics.evidence?.sinceMs ?? 0) - msOf(0)) / MINUTE_MS;
      // The lead reads the breakdown over the window and the detector's baseline period.
      const period = baselinePeriod(subject.rule, subject.state, msOf(minute));
      const toMinute = (ms: number) => (ms - msOf(0)) / MINUTE_MS;
      const window = (h: CountHistory) => h.sum(minute - subject.rule.windowMinutes, minute);
      const base = (h: CountHistory) => h.sum(toMinute(period.fromMs), toMinute(period.toMs));
      explanation = explainExcess({
        dimension: "appVersion",
        partition: true,
        total: { window: window(total), baseline: base(total) },
        values: Object.entries(versions).map(([value, h]) => ({
          value,
          window: window(h),
          baseline: base(h),
        })),
      });
    }
    if (transition.to === "resolved") resolvedAt = minute;
  }

  it("stays quiet before the step and fires after it, within three times the expected delay", () => {
    assert.ok(firedAt > step, `fired at ${firedAt}, step at ${step}`);
    const test = subject.last?.statistics.test;
    const p0 = test?.inControlRate as number;
    const p1 = test?.alternativeRate as number;
    const h = test?.threshold as number;
    // Expected delay: threshold over the statistic's drift per minute at the new rate (Wald).
    const rate = 0.7 * 0.1 + 0.3 * 0.4;
    const drift = (perHour / 60) * (bernoulliKl(rate, p0) - bernoulliKl(rate, p1));
    assert.ok(
      firedAt - step <= (3 * h) / drift,
      `delay ${firedAt - step} min, expected about ${(h / drift).toFixed(0)}`,
    );
  });

  it("dates the rise close to the step", () => {
    assert.ok(Math.abs(onsetMinute - step) <= 30, `onset at ${onsetMinute}, step at ${step}`);
  });

  it("explains the excess by the new version, significantly, and not by the others", () => {
    const [first, ...rest] = explanation?.contributions ?? [];
    assert.equal(first?.value, "C");
    assert.equal(first?.significant, true);
    assert.equal(first?.baseline.source, "overall", "C had no baseline of its own");
    // Its interval covers the excess the simulation put in: C's surveys × (40 % − 10 %).
    const truth = (first?.window.surveys ?? 0) * (0.4 - 0.1);
    const [lo, hi] = first?.excessPoorCi95 ?? [0, 0];
    assert.ok(lo <= truth && truth <= hi, `${truth} outside ${lo}..${hi}`);
    for (const other of rest) assert.equal(other.significant, false, `${other.value} is not significant`);
  });

  it("resolves once the fix is out, within the recovery evidence's expected time plus the window", () => {
    assert.ok(resolvedAt > firedAt + 30, `resolved at ${resolvedAt}, fix at ${firedAt + 30}`);
    const test = subject.last?.statistics.test;
    const drift = (perHour / 60) * bernoulliKl(0.1, test?.alternativeRate as number);
    const bound = (3 * RESOLVE_THRESHOLD) / drift + subject.rule.windowMinutes;
    assert.ok(
      resolvedAt - (firedAt + 30) <= bound,
      `took ${resolvedAt - firedAt - 30} min, bound ${bound.toFixed(0)}`,
    );
    assert.deepEqual(
      transitions.map((t) => t.to),
      ["firing", "resolved"],
    );
    assert.deepEqual(
      subject.state.history.map((t) => [t.from, t.to, t.reason]),
      [
        ["ok", "firing", "poor-rate-above-baseline"],
        ["firing", "resolved", "poor-rate-back-to-baseline"],
      ],
    );
  });

  it("turns back to ok after a quiet day, without a notification-worthy reason", () => {
    const state = subject.state;
    const nowMs = msOf(total.length) + RESOLVED_HOLD_MS;
    const period = baselinePeriod(subject.rule, state, nowMs);
    const { transition } = evaluateRule(subject.rule, state, {
      nowMs,
      slotMs: MINUTE_MS,
      slots: [],
      baseline: { ...period, surveys: 50_000, poor: 5_000 },
    });
    assert.deepEqual([transition?.from, transition?.to, transition?.reason], ["resolved", "ok", "quiet"]);
  });
});

describe("evaluateRule on unchanged data", () => {
  it("raises no more false alarms than its budget allows, where re-testing the window every minute raises hundreds", () => {
    // A high budget (3 per week) so that 8 rule-weeks give a count worth bounding.
    const budget = 3;
    const weeks = 8;
    const subjectRule = rule({ falseAlarmsPerWeek: budget });
    const random = new SeededCounts(7);
    const history = new CountHistory();
    for (let m = 0; m < WEEK_MINUTES + 60; m++) history.push(random.minute(120, 0.1));
    const subject = new RuleUnderTest(subjectRule, history, false);
    let alarms = 0;
    let naiveAlarms = 0;
    let naiveFiring = false;
    for (let m = 0; m < weeks * WEEK_MINUTES; m++) {
      history.push(random.minute(120, 0.1));
      if (subject.evaluate().transition?.to === "firing") alarms++;
      // The naive rule on the same data: window rate above baseline + minimum effect.
      const now = history.length;
      const w = history.sum(now - 60, now);
      const b = history.sum(now - 60 - WEEK_MINUTES, now - 60);
      const above = w.surveys >= 30 && w.poor / w.surveys > b.poor / b.surveys + 0.05;
      if (above && !naiveFiring) naiveAlarms++;
      naiveFiring = above;
    }
    // The design is `budget` per week on average (the run-length formula errs on the quiet side), so the
    // count is at most a Poisson count of that mean, bounded at its 99.9 % quantile.
    const bound = poissonUpperQuantile(budget * weeks);
    assert.ok(alarms <= bound, `${alarms} false alarms in ${weeks} rule-weeks, bound ${bound}`);
    assert.ok(naiveAlarms > bound, `the naive rule raised ${naiveAlarms}`);
  });
});

describe("evaluateRule holding back", () => {
  it("does not fire below the minimum sample, however strong the evidence", () => {
    const random = new SeededCounts(3);
    const history = new CountHistory();
    for (let m = 0; m < WEEK_MINUTES + 60; m++) history.push(random.minute(60, 0.1));
    const subject = new RuleUnderTest(rule({ minimumSurveys: 200 }), history);
    const held = new Set<string | null>();
    for (let m = 0; m < 600; m++) {
      history.push(random.minute(60, 0.5));
      const { decision, transition } = subject.evaluate();
      held.add(decision.held);
      assert.equal(transition, null);
    }
    assert.ok(held.has("below-minimum-sample"));
    assert.equal(subject.state.status, "ok");
  });

  it("does not evaluate against a baseline with fewer surveys than the rule requires", () => {
    const r = rule({ baseline: { type: "trailing", days: 7, minimumSurveys: 500 } });
    const state = newDetectorState(msOf(0));
    const {
      decision,
      state: next,
      statistics,
    } = evaluateRule(r, state, {
      nowMs: msOf(1),
      slotMs: MINUTE_MS,
      slots: [{ startMs: msOf(0), surveys: 40, poor: 40 }],
      baseline: { fromMs: msOf(-7 * 1440), toMs: msOf(-59), surveys: 499, poor: 50 },
    });
    assert.equal(decision.held, "baseline-too-small");
    assert.equal(next.cusum, 0);
    assert.equal(statistics.test.threshold, null);
    assert.equal(statistics.window.surveys, 40);
  });

  it("uses a fixed baseline rate as it is, taking only the volume from the baseline counts", () => {
    const r = rule({ baseline: { type: "fixed", poorRate: 0.1 } });
    const { statistics } = evaluateRule(r, newDetectorState(msOf(0)), {
      nowMs: msOf(1),
      slotMs: MINUTE_MS,
      slots: [{ startMs: msOf(0), surveys: 5, poor: 1 }],
      baseline: { fromMs: msOf(-WEEK_MINUTES - 60), toMs: msOf(-60), surveys: 20_000, poor: 0 },
    });
    assert.equal(statistics.test.inControlRate, 0.1);
    assert.equal(statistics.test.surveysPerWeek, 20_000);
    assert.ok(statistics.test.statistic > 0);
  });

  it("ignores a late duplicate evaluation", () => {
    const r = rule({ baseline: { type: "fixed", poorRate: 0.1 } });
    const input: EvaluationInput = {
      nowMs: msOf(1),
      slotMs: MINUTE_MS,
      slots: [{ startMs: msOf(0), surveys: 5, poor: 3 }],
      baseline: { fromMs: msOf(-WEEK_MINUTES), toMs: msOf(0), surveys: 1000, poor: 100 },
    };
    const first = evaluateRule(r, newDetectorState(msOf(0)), input);
    const again = evaluateRule(r, first.state, input);
    assert.equal(again.decision.held, "stale-evaluation");
    assert.equal(again.state, first.state);
  });
});

describe("evaluateRule slot intake", () => {
  const r = rule({ baseline: { type: "fixed", poorRate: 0.1 } });
  const baseline = { fromMs: msOf(-WEEK_MINUTES - 60), toMs: msOf(-60), surveys: 30_000, poor: 3_000 };
  const minutes = Array.from({ length: 120 }, (_, i) => ({
    surveys: (i * 7) % 5,
    poor: i % 3 === 0 ? 1 : 0,
  }));
  for (const m of minutes) m.poor = Math.min(m.poor, m.surveys);

  it("gives the same statistic from 15-minute slots re-read every minute as from one-minute slots", () => {
    let byMinute = newDetectorState(msOf(0));
    let bySlot = newDetectorState(msOf(0), 15 * MINUTE_MS);
    for (let m = 0; m < minutes.length; m++) {
      const nowMs = msOf(m + 1);
      const one = [{ startMs: msOf(m), ...(minutes[m] as { surveys: number; poor: number }) }];
      byMinute = evaluateRule(r, byMinute, { nowMs, slotMs: MINUTE_MS, slots: one, baseline }).state;
      // The open 15-minute slot's counts so far, and the previous slot again (late commits).
      const slotStart = Math.floor(m / 15) * 15;
      const cumulative = (from: number, to: number) =>
        minutes
          .slice(from, to)
          .reduce((a, c) => ({ surveys: a.surveys + c.surveys, poor: a.poor + c.poor }), {
            surveys: 0,
            poor: 0,
          });
      const slots = [{ startMs: msOf(slotStart), ...cumulative(slotStart, m + 1) }];
      if (slotStart >= 15)
        slots.unshift({ startMs: msOf(slotStart - 15), ...cumulative(slotStart - 15, slotStart) });
      bySlot = evaluateRule(r, bySlot, { nowMs, slotMs: 15 * MINUTE_MS, slots, baseline }).state;
      assert.ok(
        Math.abs(byMinute.cusum - bySlot.cusum) < 1e-9,
        `minute ${m}: ${byMinute.cusum} vs ${bySlot.cusum}`,
      );
    }
  });

  it("takes in a re-sent slot only for what it gained", () => {
    const state = newDetectorState(msOf(0));
    const first = evaluateRule(r, state, {
      nowMs: msOf(1),
      slotMs: MINUTE_MS,
      slots: [{ startMs: msOf(0), surveys: 4, poor: 2 }],
      baseline,
    });
    const again = evaluateRule(r, first.state, {
      nowMs: msOf(2),
      slotMs: MINUTE_MS,
      slots: [
        { startMs: msOf(0), surveys: 4, poor: 2 },
        { startMs: msOf(1), surveys: 0, poor: 0 },
      ],
      baseline,
    });
    assert.equal(again.state.cusum, first.state.cusum);
    assert.equal(again.statistics.window.surveys, 4);
  });

  it("ignores a slot re-sent after it left the window, and counts it", () => {
    let state = newDetectorState(msOf(0));
    state = evaluateRule(r, state, {
      nowMs: msOf(1),
      slotMs: MINUTE_MS,
      slots: [{ startMs: msOf(0), surveys: 3, poor: 0 }],
      baseline,
    }).state;
    const later = evaluateRule(r, state, { nowMs: msOf(200), slotMs: MINUTE_MS, slots: [], baseline });
    const late = evaluateRule(r, later.state, {
      nowMs: msOf(201),
      slotMs: MINUTE_MS,
      slots: [{ startMs: msOf(0), surveys: 9, poor: 9 }],
      baseline,
    });
    assert.equal(late.decision.ignoredSurveys, 9);
    assert.equal(late.state.cusum, later.state.cusum);
  });

  it("leaves a slot that starts after the evaluation for later, then counts it whole", () => {
    const state = newDetectorState(msOf(0));
    const early = evaluateRule(r, state, {
      nowMs: msOf(1),
      slotMs: MINUTE_MS,
      slots: [{ startMs: msOf(1), surveys: 4, poor: 4 }],
      baseline,
    });
    assert.equal(early.state.cusum, 0);
    assert.deepEqual(early.state.window.slots, []);
    const later = evaluateRule(r, early.state, {
      nowMs: msOf(2),
      slotMs: MINUTE_MS,
      slots: [{ startMs: msOf(1), surveys: 5, poor: 4 }],
      baseline,
    });
    assert.equal(later.statistics.window.surveys, 5);
    assert.ok(later.state.cusum > 0);
  });

  it("refuses counts no store can produce", () => {
    const state = newDetectorState(msOf(0));
    const bad: [Partial<EvaluationInput>, RegExp][] = [
      [{ slots: [{ startMs: msOf(0), surveys: 2, poor: 3 }] }, /poor/],
      [{ slots: [{ startMs: msOf(0) + 1, surveys: 2, poor: 1 }] }, /multiple of slotMs/],
      [{ slots: [{ startMs: msOf(0), surveys: -1, poor: 0 }] }, /surveys/],
      [{ slotMs: 1000 }, /slotMs/],
      [{ baseline: { ...baseline, poor: 40_000 } }, /baseline counts/],
    ];
    for (const [change, message] of bad) {
      assert.throws(
        () => evaluateRule(r, state, { nowMs: msOf(1), slotMs: MINUTE_MS, slots: [], baseline, ...change }),
        (e: unknown) => e instanceof RangeError && message.test(e.message),
      );
    }
  });
});

describe("baselinePeriod", () => {
  it("ends where the window starts, and while firing where the rise began", () => {
    const r = rule({ windowMinutes: 60, baseline: { type: "trailing", days: 7, minimumSurveys: 500 } });
    const state = newDetectorState(msOf(0));
    assert.deepEqual(baselinePeriod(r, state, msOf(1000)), {
      fromMs: msOf(940 - WEEK_MINUTES),
      toMs: msOf(940),
    });
    const firing = {
      ...state,
      status: "firing" as const,
      firing: { sinceMs: msOf(990), onsetMs: msOf(900) },
    };
    assert.deepEqual(baselinePeriod(r, firing, msOf(1000)), {
      fromMs: msOf(900 - WEEK_MINUTES),
      toMs: msOf(900),
    });
  });
});
