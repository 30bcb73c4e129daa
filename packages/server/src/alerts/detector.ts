/**
 * The detector of one alert rule: given the rule, its persisted state, the counts that arrived since the
 * last evaluation and the baseline's counts, it returns the new state, the decision and the statistics.
 * Pure and JSON-in/JSON-out, so the state can live in a database row and any server can evaluate next.
 *
 * Method (docs/alerts.md): a Bernoulli CUSUM of "poor-rate p1" against "poor-rate p0", where p0 is the
 * upper 95 % Wilson bound of the trailing baseline (or the fixed rate) and p1 is chosen so that evidence
 * accumulates exactly when the rate is above p0 plus the minimum effect. Its threshold h gives an
 * in-control run length of (surveys per week ÷ false alarms per week). While firing, a second CUSUM of
 * "p0" against "p1" collects evidence of recovery; it resolves the alert once it crosses ln(100) and the
 * window's rate is below the boundary.
 */
import { wilsonInterval } from "../analytics/statistics.js";
import { type AlertRule, boundaryRate } from "./alert-rule.js";
import {
  type AlertSignals,
  type AlertStatus,
  type AlertTransition,
  nextTransition,
  withTransition,
} from "./alert-state.js";
import {
  alternativeForBoundary,
  type CusumWeights,
  cusumWeights,
  logLikelihoodRatio,
  thresholdForArl,
} from "./binomial-cusum.js";
import {
  emptySlotWindow,
  type SlotCounts,
  type SlotIntake,
  type SlotWindowState,
  takeSlots,
  windowTotals,
} from "./slot-window.js";

const MINUTE_MS = 60_000;
const WEEK_MS = 7 * 24 * 60 * MINUTE_MS;

/**
 * Evidence (nats) the recovery statistic needs to resolve. While the rate stays at the alternative p1, a
 * start of the recovery statistic crosses it with probability ≤ 1/100 (Ville's inequality), so a false
 * resolution takes at least 100 surveys on average (Lorden) and in practice thousands.
 */
export const RESOLVE_THRESHOLD = Math.log(100);

/** Evidence accumulated since the alarm statistic last left 0: the CUSUM's estimate of when a rise began. */
export interface Onset {
  startMs: number;
  surveys: number;
  poor: number;
}

/** Everything a rule's detector remembers between evaluations. JSON-serialisable; version for migrations. */
export interface DetectorState {
  version: 1;
  status: AlertStatus;
  statusSinceMs: number;
  lastEvaluatedMs: number | null;
  /** Alarm statistic S ≥ 0 (log-likelihood ratio of p1 against p0, Page's recursion). */
  cusum: number;
  onset: Onset | null;
  /** Recovery statistic R ≥ 0 (p0 against p1), meaningful while firing. */
  recovery: number;
  /** When the current or last firing began, and the estimated onset of its rise. */
  firing: { sinceMs: number; onsetMs: number } | null;
  window: SlotWindowState;
  history: AlertTransition[];
}

/** The same filter's counts over the baseline period (see {@link baselinePeriod}), also for fixed baselines (volume). */
export interface BaselineCounts {
  fromMs: number;
  toMs: number;
  surveys: number;
  poor: number;
}

export interface EvaluationInput {
  nowMs: number;
  /** Length of the slots (60000 from raw rows, 900000 from rollups); keep one per rule. */
  slotMs: number;
  /** Cumulative counts of every slot overlapping [previous evaluation − a few minutes, nowMs). */
  slots: readonly SlotCounts[];
  baseline: BaselineCounts;
}

/** Why an evaluation did not (fully) apply its test. */
export type HoldReason =
  /** The trailing baseline has fewer surveys than `baseline.minimumSurveys`. */
  | "baseline-too-small"
  /** The boundary (baseline + minimum effect) is at or above 100 %. */
  | "effect-unreachable"
  /** The alarm statistic is over its threshold but the window has fewer than `minimumSurveys`. */
  | "below-minimum-sample"
  /** `nowMs` is not after the previous evaluation (a late duplicate); nothing changed. */
  | "stale-evaluation";

export interface RateWithInterval {
  surveys: number;
  poor: number;
  poorRate: number | null;
  poorRateCi95: [number, number] | null;
}

/** The numbers behind a decision, as shown in alert records and the dashboard. */
export interface AlertStatistics {
  evaluatedAtMs: number;
  window: RateWithInterval & { fromMs: number; toMs: number };
  baseline: RateWithInterval & { type: "trailing" | "fixed"; fromMs: number; toMs: number };
  /** Surveys since the estimated onset of the rise (null while the alarm statistic is at 0). */
  evidence: (RateWithInterval & { sinceMs: number }) | null;
  test: {
    method: "bernoulli-cusum";
    /** p0: the baseline's upper 95 % bound (trailing) or the fixed rate. */
    inControlRate: number | null;
    /** p0 plus the minimum effect: above it, evidence accumulates. */
    boundaryRate: number | null;
    /** p1: the rate the chart detects fastest. */
    alternativeRate: number | null;
    statistic: number;
    threshold: number | null;
    recoveryStatistic: number;
    recoveryThreshold: number;
    falseAlarmsPerWeek: number;
    surveysPerWeek: number | null;
  };
}

export interface Decision {
  status: AlertStatus;
  held: HoldReason | null;
  /** Surveys in re-sent slots that had already left the window, ignored. */
  ignoredSurveys: number;
}

export interface Evaluation {
  state: DetectorState;
  transition: AlertTransition | null;
  decision: Decision;
  statistics: AlertStatistics;
}

/** The state of a rule that was never evaluated. */
export function newDetectorState(nowMs: number, slotMs = MINUTE_MS): DetectorState {
  return {
    version: 1,
    status: "ok",
    statusSinceMs: nowMs,
    lastEvaluatedMs: null,
    cusum: 0,
    onset: null,
    recovery: 0,
    firing: null,
    window: emptySlotWindow(slotMs),
    history: [],
  };
}

/**
 * The period whose counts the lead reads as the baseline at `nowMs`: the rule's trailing days ending
 * where its window starts, or, while firing, where the rise began (the incident stays out of its own
 * baseline). Fixed baselines use the same period for their volume.
 */
export function baselinePeriod(
  rule: AlertRule,
  state: DetectorState,
  nowMs: number,
): { fromMs: number; toMs: number } {
  const days = rule.baseline.type === "trailing" ? rule.baseline.days : 7;
  const windowStart = nowMs - rule.windowMinutes * MINUTE_MS;
  const toMs =
    state.status === "firing" && state.firing ? Math.min(windowStart, state.firing.onsetMs) : windowStart;
  return { fromMs: toMs - days * 24 * 60 * MINUTE_MS, toMs };
}

interface Chart {
  p0: number;
  boundary: number;
  p1: number;
  weights: CusumWeights;
  threshold: number;
  surveysPerWeek: number;
}

/** The chart of this evaluation, or why there is none. */
function chartFor(rule: AlertRule, baseline: BaselineCounts, windowSurveys: number): Chart | HoldReason {
  const periodMs = baseline.toMs - baseline.fromMs;
  let p0: number;
  if (rule.baseline.type === "trailing") {
    if (baseline.surveys < rule.baseline.minimumSurveys || baseline.surveys === 0)
      return "baseline-too-small";
    p0 = wilsonInterval(baseline.poor, baseline.surveys)[1];
  } else {
    p0 = rule.baseline.poorRate;
  }
  const boundary = boundaryRate(p0, rule.minimumEffect);
  const p1 = boundary < 1 ? alternativeForBoundary(p0, boundary) : Number.NaN;
  if (Number.isNaN(p1)) return "effect-unreachable";
  // Volume from the baseline period; a fixed baseline of a new project falls back to the window's pace.
  const surveysPerWeek = Math.max(
    1,
    baseline.surveys > 0 && periodMs > 0
      ? (baseline.surveys * WEEK_MS) / periodMs
      : (windowSurveys * WEEK_MS) / (rule.windowMinutes * MINUTE_MS),
  );
  const threshold = Math.max(1, thresholdForArl(surveysPerWeek / rule.falseAlarmsPerWeek, p0, p1));
  return { p0, boundary, p1, weights: cusumWeights(p0, p1), threshold, surveysPerWeek };
}

function checkInput(input: EvaluationInput): void {
  const { nowMs, baseline: b } = input;
  if (!Number.isSafeInteger(nowMs)) throw new RangeError(`nowMs must be epoch milliseconds, got ${nowMs}`);
  if (
    !Number.isSafeInteger(b.surveys) ||
    b.surveys < 0 ||
    !Number.isSafeInteger(b.poor) ||
    b.poor < 0 ||
    b.poor > b.surveys
  )
    throw new RangeError(
      `baseline counts must be whole numbers with 0 ≤ poor ≤ surveys, got ${b.poor}/${b.surveys}`,
    );
  if (!(Number.isFinite(b.fromMs) && Number.isFinite(b.toMs) && b.fromMs <= b.toMs))
    throw new RangeError(`baseline period must have fromMs ≤ toMs, got ${b.fromMs}..${b.toMs}`);
}

const NO_SIGNALS: AlertSignals = { fire: false, resolve: false };

/**
 * Page's recursion for both statistics on `next` (a fresh copy the caller owns), with the onset
 * bookkeeping; returns the signals for the state machine and whether the minimum sample held a firing.
 */
function applyChart(
  next: DetectorState,
  chart: Chart,
  intake: SlotIntake,
  inWindow: { surveys: number; poor: number },
  rule: AlertRule,
): { signals: AlertSignals; heldBySample: boolean } {
  const { surveys, poor } = intake;
  const llr = surveys > 0 ? logLikelihoodRatio(chart.weights, surveys, poor) : 0;
  if (surveys > 0) {
    // Capped at twice the threshold: beyond it more evidence changes nothing, and a long-held statistic
    // (e.g. below the minimum sample) must still be able to sink back in reasonable time.
    next.cusum = Math.min(2 * chart.threshold, Math.max(0, next.cusum + llr));
    if (next.cusum === 0) next.onset = null;
    else if (next.onset)
      next.onset = {
        startMs: next.onset.startMs,
        surveys: next.onset.surveys + surveys,
        poor: next.onset.poor + poor,
      };
    else next.onset = { startMs: intake.firstNewSlotMs ?? next.lastEvaluatedMs ?? 0, surveys, poor };
  }
  next.recovery = next.status === "firing" ? Math.max(0, next.recovery - llr) : 0;
  const overThreshold = next.cusum >= chart.threshold;
  const enoughSample = inWindow.surveys >= rule.minimumSurveys;
  const windowRate = inWindow.surveys > 0 ? inWindow.poor / inWindow.surveys : 0;
  return {
    signals: {
      fire: overThreshold && enoughSample,
      resolve: next.recovery >= RESOLVE_THRESHOLD && windowRate < chart.boundary,
    },
    heldBySample: overThreshold && !enoughSample && next.status !== "firing",
  };
}

/**
 * Evaluate a rule once. Throws RangeError only for inputs no store can produce (negative counts, poor >
 * surveys, misaligned slots); everything else is a decision.
 *
 * @example
 * let state = newDetectorState(Date.now());
 * const { state: next, transition, statistics } = evaluateRule(rule, state, {
 *   nowMs, slotMs: 60_000, slots: [{ startMs: minuteStart, surveys: 4, poor: 1 }],
 *   baseline: { ...baselinePeriod(rule, state, nowMs), surveys: 33_600, poor: 3_360 },
 * });
 */
export function evaluateRule(rule: AlertRule, state: DetectorState, input: EvaluationInput): Evaluation {
  checkInput(input);
  const { nowMs } = input;
  const windowMs = rule.windowMinutes * MINUTE_MS;
  if (state.lastEvaluatedMs !== null && nowMs <= state.lastEvaluatedMs) {
    const decision: Decision = { status: state.status, held: "stale-evaluation", ignoredSurveys: 0 };
    const inWindow = windowTotals(state.window, nowMs, windowMs);
    return {
      state,
      transition: null,
      decision,
      statistics: statisticsOf(rule, state, input, inWindow, null),
    };
  }
  const intake = takeSlots(state.window, input.slots, input.slotMs, nowMs, windowMs);
  const inWindow = windowTotals(intake.window, nowMs, windowMs);
  const chart = chartFor(rule, input.baseline, inWindow.surveys);
  let next: DetectorState = {
    version: 1,
    status: state.status,
    statusSinceMs: state.statusSinceMs,
    lastEvaluatedMs: nowMs,
    cusum: state.cusum,
    onset: state.onset,
    recovery: state.recovery,
    firing: state.firing,
    window: intake.window,
    history: state.history,
  };
  let held: HoldReason | null = null;
  let signals = NO_SIGNALS;
  if (typeof chart === "string") held = chart;
  else {
    const applied = applyChart(next, chart, intake, inWindow, rule);
    signals = applied.signals;
    if (applied.heldBySample) held = "below-minimum-sample";
  }
  const transition = nextTransition(state.status, state.statusSinceMs, signals, nowMs);
  if (transition) next = applyTransition(next, transition);
  return {
    state: next,
    transition,
    decision: { status: next.status, held, ignoredSurveys: intake.ignoredSurveys },
    statistics: statisticsOf(rule, next, input, inWindow, typeof chart === "string" ? null : chart),
  };
}

function applyTransition(state: DetectorState, t: AlertTransition): DetectorState {
  const moved = { ...state, status: t.to, statusSinceMs: t.atMs, history: withTransition(state.history, t) };
  if (t.to === "firing")
    return { ...moved, recovery: 0, firing: { sinceMs: t.atMs, onsetMs: state.onset?.startMs ?? t.atMs } };
  // The evidence that fired the alert is spent: a new alert needs new evidence.
  if (t.to === "resolved") return { ...moved, cusum: 0, onset: null, recovery: 0 };
  return moved;
}

function rateOf(surveys: number, poor: number): RateWithInterval {
  return {
    surveys,
    poor,
    poorRate: surveys > 0 ? poor / surveys : null,
    poorRateCi95: surveys > 0 ? wilsonInterval(poor, surveys) : null,
  };
}

function statisticsOf(
  rule: AlertRule,
  state: DetectorState,
  input: EvaluationInput,
  w: { surveys: number; poor: number },
  chart: Chart | null,
): AlertStatistics {
  const windowMs = rule.windowMinutes * MINUTE_MS;
  const b = input.baseline;
  const window = rateOf(w.surveys, w.poor) as AlertStatistics["window"];
  window.fromMs = input.nowMs - windowMs;
  window.toMs = input.nowMs;
  const baseline = rateOf(b.surveys, b.poor) as AlertStatistics["baseline"];
  baseline.type = rule.baseline.type;
  baseline.fromMs = b.fromMs;
  baseline.toMs = b.toMs;
  let evidence: AlertStatistics["evidence"] = null;
  if (state.onset) {
    evidence = rateOf(state.onset.surveys, state.onset.poor) as NonNullable<AlertStatistics["evidence"]>;
    evidence.sinceMs = state.onset.startMs;
  }
  return {
    evaluatedAtMs: input.nowMs,
    window,
    baseline,
    evidence,
    test: {
      method: "bernoulli-cusum",
      inControlRate: chart ? chart.p0 : null,
      boundaryRate: chart ? chart.boundary : null,
      alternativeRate: chart ? chart.p1 : null,
      statistic: state.cusum,
      threshold: chart ? chart.threshold : null,
      recoveryStatistic: state.recovery,
      recoveryThreshold: RESOLVE_THRESHOLD,
      falseAlarmsPerWeek: rule.falseAlarmsPerWeek,
      surveysPerWeek: chart ? chart.surveysPerWeek : null,
    },
  };
}
