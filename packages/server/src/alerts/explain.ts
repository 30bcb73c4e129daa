/**
 * Which values of a breakdown (issue tags, app versions, dimension values, network bands…) carry an
 * alert's excess poor ratings, ranked, with 95 % intervals.
 *
 * Method: for each value v with n_v surveys and x_v poor ratings in the window, the expected poor ratings
 * under its baseline rate b_v are n_v·b_v, and its excess is x_v − n_v·b_v = n_v·(p_v − b_v). The interval
 * of the excess is n_v times Newcombe's hybrid score interval of the difference p_v − b_v (from the two
 * Wilson intervals), so it covers the baseline's uncertainty as well as the window's. A value with too few
 * baseline surveys of its own (a new app version) is compared with the overall baseline instead.
 *
 * For breakdowns whose values split the surveys (app version, platform, band), the total excess minus
 * the values' excesses is the part explained by the mix changing (more surveys from values that were
 * already worse), reported as `composition`. Issue tags overlap (a survey carries several), so the lead
 * passes per tag the category's surveys and the poor surveys carrying the tag, and no composition.
 *
 * Pure; inputs are store counts. Throws RangeError for counts no store can produce.
 */
import { twoProportionTest } from "../analytics/statistics.js";

/** Counts of one period: surveys rated in the rule's category, and the poor ones among them. */
export interface Counts {
  surveys: number;
  poor: number;
}

export interface BreakdownValue {
  value: string;
  window: Counts;
  baseline: Counts;
}

export interface Breakdown {
  /** What the values are: "tag", "appVersion", "platform", "dimension.region", "networkBand", … */
  dimension: string;
  /** Whether each survey has exactly one value (enables `composition`); false for tags. */
  partition: boolean;
  values: readonly BreakdownValue[];
  /** The rule's totals in the same periods: the fallback baseline and the total excess. */
  total: { window: Counts; baseline: Counts };
}

export interface ExplainOptions {
  /** Values shown (default 10, at most 50). */
  limit?: number;
  /** Below this many baseline surveys a value is compared with the overall baseline (default 30). */
  minimumBaselineSurveys?: number;
}

export interface ExcessContribution {
  value: string;
  window: Counts & { poorRate: number };
  baseline: Counts & { poorRate: number; source: "own" | "overall" };
  /** Poor ratings expected in the window at the baseline rate. */
  expectedPoor: number;
  /** Observed minus expected poor ratings. */
  excessPoor: number;
  excessPoorCi95: [number, number];
  /** Share of the total excess (null when the total excess is not positive). */
  shareOfExcess: number | null;
  /** Whether the interval excludes 0: the value's rate is significantly above its baseline. */
  significant: boolean;
}

export interface ExcessExplanation {
  dimension: string;
  /** Values with a positive excess, largest first (ties: larger lower bound, then value). */
  contributions: ExcessContribution[];
  /** Values with a positive excess not shown because of the limit. */
  omitted: number;
  /** Excess of the rule's totals: window poor − window surveys × baseline rate, with its interval. */
  totalExcessPoor: number | null;
  totalExcessPoorCi95: [number, number] | null;
  /** Total excess not carried by any value's own rise (partitions only): the mix moved. */
  composition: number | null;
}

/** At most this many values per breakdown (custom dimensions are free-form). */
export const MAX_BREAKDOWN_VALUES = 10_000;
const MAX_LIMIT = 50;

function checkCounts(c: Counts, path: string): void {
  if (
    !Number.isSafeInteger(c.surveys) ||
    c.surveys < 0 ||
    !Number.isSafeInteger(c.poor) ||
    c.poor < 0 ||
    c.poor > c.surveys
  )
    throw new RangeError(`${path} must be whole numbers with 0 ≤ poor ≤ surveys, got ${c.poor}/${c.surveys}`);
}

/** Excess of `window` against `baseline`, with n_window × Newcombe's interval of the difference. */
function excessOf(window: Counts, baseline: Counts): { excess: number; ci: [number, number] } {
  const diff = twoProportionTest(
    { poor: window.poor, n: window.surveys },
    { poor: baseline.poor, n: baseline.surveys },
  );
  return {
    excess: window.poor - (window.surveys * baseline.poor) / baseline.surveys,
    ci: [window.surveys * diff.ci95[0], window.surveys * diff.ci95[1]],
  };
}

function contribution(
  v: BreakdownValue,
  total: Breakdown["total"],
  minimum: number,
): ExcessContribution | null {
  if (v.window.surveys === 0) return null;
  const own = v.baseline.surveys >= minimum && v.baseline.surveys > 0;
  const base = own ? v.baseline : total.baseline;
  if (base.surveys === 0) return null;
  const { excess, ci } = excessOf(v.window, base);
  return {
    value: v.value,
    window: { ...v.window, poorRate: v.window.poor / v.window.surveys },
    baseline: { ...base, poorRate: base.poor / base.surveys, source: own ? "own" : "overall" },
    expectedPoor: v.window.poor - excess,
    excessPoor: excess,
    excessPoorCi95: ci,
    shareOfExcess: null,
    significant: ci[0] > 0,
  };
}

/**
 * Rank the values of one breakdown by the excess poor ratings they carry.
 *
 * @example
 * explainExcess({
 *   dimension: "appVersion", partition: true,
 *   total: { window: { surveys: 200, poor: 40 }, baseline: { surveys: 33_600, poor: 3_360 } },
 *   values: [
 *     { value: "5.2.0", window: { surveys: 80, poor: 30 }, baseline: { surveys: 0, poor: 0 } },
 *     { value: "5.1.3", window: { surveys: 120, poor: 10 }, baseline: { surveys: 33_600, poor: 3_360 } },
 *   ],
 * }).contributions[0].value // → "5.2.0": 30 poor where 8 were expected
 */
export function explainExcess(breakdown: Breakdown, options: ExplainOptions = {}): ExcessExplanation {
  const limit = Math.min(MAX_LIMIT, Math.max(1, Math.floor(options.limit ?? 10)));
  const minimum = Math.max(1, options.minimumBaselineSurveys ?? 30);
  if (breakdown.values.length > MAX_BREAKDOWN_VALUES)
    throw new RangeError(
      `at most ${MAX_BREAKDOWN_VALUES} values per breakdown, got ${breakdown.values.length}`,
    );
  checkCounts(breakdown.total.window, "total.window");
  checkCounts(breakdown.total.baseline, "total.baseline");
  breakdown.values.forEach((v, i) => {
    checkCounts(v.window, `values[${i}].window`);
    checkCounts(v.baseline, `values[${i}].baseline`);
  });
  const { window: tw, baseline: tb } = breakdown.total;
  const total = tw.surveys > 0 && tb.surveys > 0 ? excessOf(tw, tb) : null;
  const all = breakdown.values
    .map((v) => contribution(v, breakdown.total, minimum))
    .filter((c): c is ExcessContribution => c !== null);
  const positive = all
    .filter((c) => c.excessPoor > 0)
    .sort(
      (a, b) =>
        b.excessPoor - a.excessPoor ||
        b.excessPoorCi95[0] - a.excessPoorCi95[0] ||
        (a.value < b.value ? -1 : a.value > b.value ? 1 : 0),
    );
  const totalExcess = total?.excess ?? null;
  for (const c of positive)
    c.shareOfExcess = totalExcess !== null && totalExcess > 0 ? c.excessPoor / totalExcess : null;
  const composition =
    breakdown.partition && totalExcess !== null
      ? totalExcess - all.reduce((sum, c) => sum + c.excessPoor, 0)
      : null;
  return {
    dimension: breakdown.dimension,
    contributions: positive.slice(0, limit),
    omitted: Math.max(0, positive.length - limit),
    totalExcessPoor: totalExcess,
    totalExcessPoorCi95: total?.ci ?? null,
    composition,
  };
}
