/**
 * A rule evaluated every minute over a seeded stream of per-minute counts, the way the evaluator will
 * call the detector: the minute's slot, and the baseline period the detector asks for, summed from the
 * stream's history. The state goes through JSON between evaluations, as it will through the database.
 */
import type { AlertRule } from "../../src/alerts/alert-rule.js";
import {
  baselinePeriod,
  type DetectorState,
  type Evaluation,
  evaluateRule,
  newDetectorState,
} from "../../src/alerts/detector.js";

export const MINUTE_MS = 60_000;
/** Minute 0 of every test stream (a Monday). */
export const T0 = Date.UTC(2026, 2, 2);
export const msOf = (minute: number): number => T0 + minute * MINUTE_MS;

/** Per-minute counts with prefix sums. */
export class CountHistory {
  private readonly prefixSurveys = [0];
  private readonly prefixPoor = [0];
  readonly minutes: { surveys: number; poor: number }[] = [];
  push(counts: { surveys: number; poor: number }): void {
    this.minutes.push(counts);
    this.prefixSurveys.push((this.prefixSurveys.at(-1) as number) + counts.surveys);
    this.prefixPoor.push((this.prefixPoor.at(-1) as number) + counts.poor);
  }
  get length(): number {
    return this.minutes.length;
  }
  /** Totals of minutes [from, to), clamped to the history. */
  sum(from: number, to: number): { surveys: number; poor: number } {
    const a = Math.min(Math.max(0, from), this.length);
    const b = Math.min(Math.max(a, to), this.length);
    return {
      surveys: (this.prefixSurveys[b] as number) - (this.prefixSurveys[a] as number),
      poor: (this.prefixPoor[b] as number) - (this.prefixPoor[a] as number),
    };
  }
}

export class RuleUnderTest {
  state: DetectorState;
  last: Evaluation | null = null;
  constructor(
    readonly rule: AlertRule,
    readonly history: CountHistory,
    /** Pass the state through JSON between evaluations (off for long runs: it costs more than the rule). */
    private readonly roundTrip = true,
  ) {
    this.state = newDetectorState(msOf(history.length));
  }
  /** Evaluate at the end of the history's last minute. */
  evaluate(): Evaluation {
    const m = this.history.length - 1;
    const nowMs = msOf(m + 1);
    const period = baselinePeriod(this.rule, this.state, nowMs);
    const baseline = this.history.sum((period.fromMs - T0) / MINUTE_MS, (period.toMs - T0) / MINUTE_MS);
    const counts = this.history.minutes[m] as { surveys: number; poor: number };
    this.last = evaluateRule(this.rule, this.state, {
      nowMs,
      slotMs: MINUTE_MS,
      slots: [{ startMs: msOf(m), ...counts }],
      baseline: { ...period, ...baseline },
    });
    this.state = this.roundTrip
      ? (JSON.parse(JSON.stringify(this.last.state)) as DetectorState)
      : this.last.state;
    return this.last;
  }
}
