/**
 * The life of an alert: `ok` → `firing` → `resolved` → (`firing` again, or `ok` after a quiet day).
 *
 * Hysteresis comes from the signals, not from this machine: firing needs the alarm statistic over its
 * threshold, resolving needs a separate statistic of evidence for "back to baseline" over its own
 * threshold (see detector.ts), so a rate hovering near one boundary cannot flap the alert.
 */

export const ALERT_STATUSES = ["ok", "firing", "resolved"] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** Why the status changed. */
export type TransitionReason =
  /** The alarm statistic crossed its threshold with at least the minimum sample in the window. */
  | "poor-rate-above-baseline"
  /** The recovery statistic crossed its threshold and the window's rate is below the boundary. */
  | "poor-rate-back-to-baseline"
  /** A resolved alert stayed quiet for {@link RESOLVED_HOLD_MS}. */
  | "quiet";

export interface AlertTransition {
  from: AlertStatus;
  to: AlertStatus;
  atMs: number;
  reason: TransitionReason;
}

/** What the detector concluded at one evaluation. */
export interface AlertSignals {
  fire: boolean;
  resolve: boolean;
}

/** How long `resolved` is shown before it turns back into `ok`. */
export const RESOLVED_HOLD_MS = 24 * 60 * 60_000;

/** Transitions kept in the detector state (the lead keeps the full history in its store). */
export const HISTORY_LENGTH = 20;

/** The transition these signals cause from `status` (held since `sinceMs`), or null. */
export function nextTransition(
  status: AlertStatus,
  sinceMs: number,
  signals: AlertSignals,
  nowMs: number,
): AlertTransition | null {
  switch (status) {
    case "ok":
      return signals.fire
        ? { from: status, to: "firing", atMs: nowMs, reason: "poor-rate-above-baseline" }
        : null;
    case "firing":
      return signals.resolve
        ? { from: status, to: "resolved", atMs: nowMs, reason: "poor-rate-back-to-baseline" }
        : null;
    case "resolved":
      if (signals.fire)
        return { from: status, to: "firing", atMs: nowMs, reason: "poor-rate-above-baseline" };
      return nowMs - sinceMs >= RESOLVED_HOLD_MS
        ? { from: status, to: "ok", atMs: nowMs, reason: "quiet" }
        : null;
  }
}

/** Whether a transition is worth a notification (firing and resolving are; fading back to ok is not). */
export const notifies = (t: AlertTransition): boolean => t.to !== "ok";

/** The history with `t` appended, keeping the last {@link HISTORY_LENGTH}. */
export function withTransition(history: readonly AlertTransition[], t: AlertTransition): AlertTransition[] {
  return [...history, t].slice(-HISTORY_LENGTH);
}
