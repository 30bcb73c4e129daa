import type { ValidationIssue } from "@aftercall/schema";

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/**
 * How far a `clientTime` may be from the time the server received the survey or event. The device's clock
 * says when the participant answered; the server's says when it arrived. The past side is generous because
 * the client SDK keeps what it could not send and sends it when the page comes back (days later after a
 * holiday); the future side because device clocks set by hand in the wrong time zone are hours off. Year
 * 0001 and 9999 are far outside either.
 */
export interface ClientTimeWindow {
  /** How long before its receive time a `clientTime` may be. */
  maxAgeMs: number;
  /** How long after its receive time a `clientTime` may be. */
  maxAheadMs: number;
}

/** 30 days back, 24 hours ahead (`AFTERCALL_CLIENT_TIME_MAX_AGE_DAYS`, `…_MAX_AHEAD_MINUTES`). */
export const DEFAULT_CLIENT_TIME_WINDOW: ClientTimeWindow = {
  maxAgeMs: 30 * DAY_MS,
  maxAheadMs: 24 * 60 * MINUTE_MS,
};

/** A duration the way its setting counts it: the age in days, the lead in minutes. */
const days = (ms: number) => `${Math.round((ms / DAY_MS) * 1000) / 1000} days`;
const minutes = (ms: number) => `${Math.round((ms / MINUTE_MS) * 1000) / 1000} minutes`;

/**
 * `CLIENT_TIME_OUT_OF_WINDOW` when `clientTime` (already a valid RFC 3339 date-time) is further than
 * `window` allows from `receivedAtMs`; nothing when it is within, or when there is no window (`false`).
 */
export function clientTimeIssue(
  clientTime: string,
  receivedAtMs: number,
  window: ClientTimeWindow | false,
  path = "clientTime",
): ValidationIssue | undefined {
  if (!window) return undefined;
  const at = Date.parse(clientTime);
  if (at >= receivedAtMs - window.maxAgeMs && at <= receivedAtMs + window.maxAheadMs) return undefined;
  return {
    code: "CLIENT_TIME_OUT_OF_WINDOW",
    path,
    message: `${path} must be at most ${days(window.maxAgeMs)} before and ${minutes(window.maxAheadMs)} after the time the server received it (${new Date(receivedAtMs).toISOString()}), got ${clientTime}.`,
  };
}
