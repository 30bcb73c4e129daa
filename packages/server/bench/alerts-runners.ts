/**
 * The rules `npm run bench:alerts` compares, each evaluated every minute on the minute's counts, exactly
 * as the product will: the product's detector (`evaluateRule`, fed one-minute slots and the baseline
 * period it asks for), and two naive rules an operator might write by hand.
 */
import type { AlertRule } from "../src/alerts/alert-rule.js";
import {
  baselinePeriod,
  type DetectorState,
  evaluateRule,
  newDetectorState,
} from "../src/alerts/detector.js";
import { twoProportionTest } from "../src/analytics/statistics.js";
import type { MinuteStream } from "./alerts-streams.js";

export type Status = "ok" | "firing" | "resolved";

export interface Runner {
  readonly name: string;
  readonly status: Status;
  /** Evaluate at the end of minute t; returns the new status when it changed. */
  step(stream: MinuteStream, t: number): Status | null;
}

/** The product's detector. */
export class CusumRunner implements Runner {
  private state: DetectorState;
  constructor(
    readonly name: string,
    private readonly rule: AlertRule,
    stream: MinuteStream,
    startMinute: number,
  ) {
    this.state = newDetectorState(stream.minuteStartMs(startMinute));
  }
  get status(): Status {
    return this.state.status;
  }
  /** Statistic, threshold and rates of the last evaluation, for reports. */
  lastThreshold: number | null = null;
  step(stream: MinuteStream, t: number): Status | null {
    const nowMs = stream.minuteStartMs(t + 1);
    const period = baselinePeriod(this.rule, this.state, nowMs);
    const baseline = stream.sum(stream.minuteOf(period.fromMs), stream.minuteOf(period.toMs));
    const { surveys, poor } = stream.minute(t);
    const result = evaluateRule(this.rule, this.state, {
      nowMs,
      slotMs: 60_000,
      slots: [{ startMs: stream.minuteStartMs(t), surveys, poor }],
      baseline: { fromMs: period.fromMs, toMs: period.toMs, surveys: baseline.surveys, poor: baseline.poor },
    });
    this.state = result.state;
    this.lastThreshold = result.statistics.test.threshold;
    return result.transition ? result.transition.to : null;
  }
}

/**
 * A hand-written rule: fire when the last window's poor-rate is above the trailing baseline's by the
 * minimum effect ("threshold"), or significantly above it by a one-sided z-test at 5 % ("repeated test"),
 * with at least the minimum sample; resolve after `quietMinutes` consecutive evaluations without.
 */
export class NaiveRunner implements Runner {
  status: Status = "ok";
  private quiet = 0;
  constructor(
    readonly name: string,
    private readonly kind: "threshold" | "repeated-test",
    private readonly rule: AlertRule,
    private readonly quietMinutes = 15,
  ) {}
  step(stream: MinuteStream, t: number): Status | null {
    const now = t + 1;
    const window = this.rule.windowMinutes;
    const days = this.rule.baseline.type === "trailing" ? this.rule.baseline.days : 7;
    const w = stream.sum(now - window, now);
    const b = stream.sum(now - window - days * 1440, now - window);
    let alarm = false;
    if (w.surveys >= this.rule.minimumSurveys && b.surveys > 0) {
      const effect = this.rule.minimumEffect;
      const base = b.poor / b.surveys;
      const bar = effect.type === "difference" ? base + effect.value : base * effect.value;
      alarm =
        this.kind === "threshold"
          ? w.poor / w.surveys > bar
          : twoProportionTest({ poor: w.poor, n: w.surveys }, { poor: b.poor, n: b.surveys }).z >
            1.6448536269514722;
    }
    if (alarm) {
      this.quiet = 0;
      if (this.status === "firing") return null;
      this.status = "firing";
      return this.status;
    }
    if (this.status !== "firing") return null;
    this.quiet++;
    if (this.quiet < this.quietMinutes) return null;
    this.status = "resolved";
    return this.status;
  }
}
