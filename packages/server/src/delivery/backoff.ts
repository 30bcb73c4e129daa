/** Retry policy of a destination's failing batch. */
export interface BackoffPolicy {
  /** Delay after the first failure, ms. */
  baseMs: number;
  /** Upper bound of any delay, ms. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 5 * 60_000 };

/**
 * Delay before attempt `failedAttempts + 1`: exponential with "full jitter" (a uniform draw between half
 * and all of the exponential step), so many servers retrying one recovered destination do not arrive in
 * lock-step, yet the delay still grows with each failure.
 */
export function backoffDelayMs(
  failedAttempts: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, failedAttempts - 1));
  return Math.round(step / 2 + (random() * step) / 2);
}
