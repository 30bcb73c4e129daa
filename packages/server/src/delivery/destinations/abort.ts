import { DeliveryFailure } from "../destination.js";

/** The failure a delivery ends with when the engine's signal fires (its per-batch timeout). */
export function abortedFailure(signal: AbortSignal): DeliveryFailure {
  const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? "");
  return new DeliveryFailure(`delivery aborted${reason ? ` (${reason})` : ""}`, true, {
    cause: signal.reason,
  });
}

/** Throw the retryable abort failure if `signal` has fired; call between the steps of a delivery. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw abortedFailure(signal);
}

/**
 * Settle with `work`, or reject as soon as `signal` fires, for client calls that take no signal of their
 * own. The work itself keeps running in the background; its late outcome is ignored.
 */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  throwIfAborted(signal);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortedFailure(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
