/** Retry policy with every default filled in. */
export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Defaults documented on `SurveyClientOptions.retry`. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 };

/**
 * Delay before retry number `round` (0-based): exponential backoff with full jitter, so clients that
 * failed together do not come back together. A server's `Retry-After` is a floor.
 */
export function retryDelay(round: number, policy: RetryPolicy, retryAfterMs = 0): number {
  return Math.max(retryAfterMs, Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** round));
}

/** `Retry-After` in milliseconds: delay-seconds or an HTTP date; `undefined` when absent or past. */
export function parseRetryAfter(value: string | null): number | undefined {
  const ms = value ? (/^\d+$/.test(value) ? +value * 1000 : Date.parse(value) - Date.now()) : 0;
  return ms > 0 ? ms : undefined;
}

/** Run `fn` after `ms` without keeping a Node process alive (`Object()` exposes `unref` on Node timers). */
export function later(ms: number, fn: () => void): void {
  Object(setTimeout(fn, ms)).unref?.();
}
