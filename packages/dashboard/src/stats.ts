/**
 * The poor-rate comparison of two cohorts when the server cannot filter them (app versions come from
 * one breakdown). The same methods as the server's `/v1/analytics/compare` (packages/server/src/analytics/
 * statistics.ts): Wilson intervals, Newcombe's hybrid score interval and the pooled two-proportion z-test;
 * a test checks both give the same numbers.
 *
 * @module
 */
import type { Comparison, Interval, Rates } from "./api.js";

const Z95 = 1.959963984540054;

/** Abramowitz & Stegun 7.1.26 error function (|error| ≤ 1.5e-7). */
function erf(x: number): number {
  if (x === 0) return 0;
  const sign = x < 0 ? -1 : 1;
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * ax);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign * (1 - poly * Math.exp(-ax * ax));
}

export function wilson(poor: number, n: number): Interval {
  const p = poor / n;
  const z2 = Z95 * Z95;
  const denominator = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denominator;
  const half = (Z95 / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, center - half), Math.min(1, center + half)];
}

function rates(poor: number, surveys: number): Rates {
  return {
    surveys,
    poor,
    poorRate: surveys > 0 ? poor / surveys : null,
    poorRateCi95: surveys > 0 ? wilson(poor, surveys) : null,
  };
}

/** Compare cohort A (`poor` of `n`) with cohort B, in the shape of the server's comparison. */
export function compareCohorts(
  category: Comparison["category"],
  a: { poor: number; n: number },
  b: { poor: number; n: number },
): Comparison {
  const base = { category, a: rates(a.poor, a.n), b: rates(b.poor, b.n) };
  if (a.n === 0 || b.n === 0)
    return { ...base, difference: null, differenceCi95: null, z: null, pValue: null };
  const pa = a.poor / a.n;
  const pb = b.poor / b.n;
  const difference = pa - pb;
  const [la, ua] = wilson(a.poor, a.n);
  const [lb, ub] = wilson(b.poor, b.n);
  const pooled = (a.poor + b.poor) / (a.n + b.n);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / a.n + 1 / b.n));
  const z = se > 0 ? difference / se : 0;
  return {
    ...base,
    difference,
    differenceCi95: [
      difference - Math.sqrt((pa - la) ** 2 + (ub - pb) ** 2),
      difference + Math.sqrt((ua - pa) ** 2 + (pb - lb) ** 2),
    ],
    z,
    pValue: Math.min(1, 2 * (1 - 0.5 * (1 + erf(Math.abs(z) / Math.SQRT2)))),
  };
}
