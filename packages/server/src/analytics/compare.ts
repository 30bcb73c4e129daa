import { COHORT_FILTERS } from "@aftercall/api";
import type { RatingCategory } from "@aftercall/schema";
import type { SurveySummary } from "./aggregates.js";
import { twoProportionTest, wilsonInterval } from "./statistics.js";

/**
 * The comparison of two cohorts' poor-rates: how the query's `a.<filter>` / `b.<filter>` parameters
 * split into two cohorts, and the statistics of the answer.
 *
 * @module
 */

/** One side's parameters, `a.` / `b.` taken off (`projectId` among them). */
export type CohortParams = Record<string, string>;

const FILTERS = new Set<string>(COHORT_FILTERS);

/** Split the `a.<filter>` / `b.<filter>` parameters into the two cohorts' own parameters. */
export function splitCohorts(params: Record<string, unknown>): { a: CohortParams; b: CohortParams } {
  const split: { a: CohortParams; b: CohortParams } = { a: {}, b: {} };
  for (const [key, value] of Object.entries(params)) {
    const match = /^([ab])\.(.+)$/.exec(key);
    if (!match || value === undefined) continue;
    const filter = match[2] as string;
    if (FILTERS.has(filter) || filter.startsWith("dimension."))
      split[match[1] as "a" | "b"][filter] = String(value);
  }
  return split;
}

/** A cohort's poor-rate in `category`, with its Wilson interval. */
export function cohortRates(summary: SurveySummary, category: RatingCategory, projectId: string) {
  const c = summary.categories.find((x) => x.category === category);
  const n = c?.surveys ?? 0;
  const poor = c?.poor ?? 0;
  return {
    projectId,
    surveys: n,
    poor,
    poorRate: n > 0 ? poor / n : null,
    poorRateCi95: n > 0 ? wilsonInterval(poor, n) : null,
  };
}

/** The answer: both cohorts, the difference a − b with Newcombe's interval and the two-proportion test. */
export function comparison(
  category: RatingCategory,
  a: ReturnType<typeof cohortRates>,
  b: ReturnType<typeof cohortRates>,
) {
  const test =
    a.surveys > 0 && b.surveys > 0
      ? twoProportionTest({ poor: a.poor, n: a.surveys }, { poor: b.poor, n: b.surveys })
      : undefined;
  return {
    category,
    a,
    b,
    difference: test?.difference ?? null,
    differenceCi95: test?.ci95 ?? null,
    z: test?.z ?? null,
    pValue: test?.pValue ?? null,
    method: {
      interval: "Newcombe hybrid score (Wilson), 95 %",
      test: "pooled two-proportion z-test, two-sided",
    },
  };
}
