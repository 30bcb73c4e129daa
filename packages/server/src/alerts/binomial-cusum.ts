/**
 * The arithmetic of a Bernoulli (binomial-count) CUSUM: Page's cumulative sum of log-likelihood ratios of
 * "poor-rate p1" against "poor-rate p0", over counts of surveys and poor ratings per evaluation.
 *
 * Why this and not a test of the window every minute: re-testing overlapping windows at level α every
 * minute raises the false-alarm rate far above α (the looks are many and correlated); the CUSUM instead
 * carries its evidence from one evaluation to the next, and its in-control average run length (ARL0,
 * surveys until a false alarm) is a known function of its threshold h. See docs/alerts.md.
 */

/** Log-likelihood-ratio weight of one poor and of one fine rating (log p1/p0 > 0, log (1−p1)/(1−p0) < 0). */
export interface CusumWeights {
  poor: number;
  fine: number;
}

export function cusumWeights(p0: number, p1: number): CusumWeights {
  if (!(p0 > 0 && p0 < p1 && p1 < 1)) throw new RangeError(`need 0 < p0 < p1 < 1, got p0=${p0}, p1=${p1}`);
  return { poor: Math.log(p1 / p0), fine: Math.log((1 - p1) / (1 - p0)) };
}

/** Kullback–Leibler divergence of Bernoulli(p) from Bernoulli(q), in nats per survey. */
export function bernoulliKl(p: number, q: number): number {
  return klTerm(p, q) + klTerm(1 - p, 1 - q);
}

const klTerm = (a: number, b: number): number => (a === 0 ? 0 : a * Math.log(a / b));

/**
 * The poor-rate at which the statistic has no drift (its "reference value"): above it evidence
 * accumulates, below it the statistic sinks back to 0.
 */
export function referenceRate(p0: number, p1: number): number {
  const w = cusumWeights(p0, p1);
  return -w.fine / (w.poor - w.fine);
}

/**
 * The alternative p1 whose chart has the given reference rate (`boundary`, baseline plus the minimum
 * effect), found by bisection: the reference rate grows monotonically from p0 to 1 as p1 does. For small
 * effects p1 ≈ p0 + 2·(boundary − p0): the chart is tuned to detect twice the minimum effect fastest.
 * NaN when the boundary is so close to 1 that no double-precision p1 has it as reference rate.
 */
export function alternativeForBoundary(p0: number, boundary: number): number {
  if (!(p0 > 0 && p0 < boundary && boundary < 1))
    throw new RangeError(`need 0 < p0 < boundary < 1, got p0=${p0}, boundary=${boundary}`);
  // Newton's method kept inside a shrinking bracket (bisection when a step leaves it); written out
  // without allocation because it runs at every evaluation.
  const logFine0 = Math.log(1 - p0);
  const logPoor0 = Math.log(p0);
  let lo = boundary;
  let hi = 1;
  let p1 = Math.min(p0 + 2 * (boundary - p0), (boundary + 1) / 2);
  let gap = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 200 && hi - lo > 1e-15; i++) {
    const fine = logFine0 - Math.log(1 - p1);
    const poor = Math.log(p1) - logPoor0;
    gap = fine / (poor + fine) - boundary;
    if (Math.abs(gap) < 1e-12) break;
    if (gap < 0) lo = p1;
    else hi = p1;
    const slope = (poor / (1 - p1) - fine / p1) / (poor + fine) ** 2;
    const next = p1 - gap / slope;
    p1 = next > lo && next < hi ? next : (lo + hi) / 2;
  }
  // A boundary near 1 may need a p1 closer to 1 than a double can hold.
  return Math.abs(gap) < 1e-9 && p1 < 1 ? p1 : Number.NaN;
}

/**
 * Approximate in-control average run length, in surveys, of the chart with threshold h while the
 * poor-rate is p0: Wald's/Siegmund's (e^h − h − 1) / KL(p0‖p1), which neglects the overshoot over h and
 * is therefore on the safe side (simulation and the bench find the true ARL0 1.1–1.6× longer). Lorden's
 * bound ARL0 ≥ e^h holds exactly, whatever the rates.
 */
export function inControlArl(h: number, p0: number, p1: number): number {
  return (Math.exp(h) - h - 1) / bernoulliKl(p0, p1);
}

/** The threshold h whose approximate in-control ARL is `arlSurveys` (inverse of {@link inControlArl}). */
export function thresholdForArl(arlSurveys: number, p0: number, p1: number): number {
  const c = arlSurveys * bernoulliKl(p0, p1);
  if (!(c > 0)) return 0;
  // e^h − h − 1 = c  ⇔  h = ln(1 + h + c); the map is a contraction (slope 1/(1+h+c) < 1).
  let h = Math.sqrt(2 * c);
  for (let i = 0; i < 100; i++) {
    const next = Math.log(1 + h + c);
    if (Math.abs(next - h) < 1e-12) return next;
    h = next;
  }
  return h;
}

/** Log-likelihood ratio of `poor` poor ratings among `surveys`. */
export function logLikelihoodRatio(w: CusumWeights, surveys: number, poor: number): number {
  return poor * w.poor + (surveys - poor) * w.fine;
}
