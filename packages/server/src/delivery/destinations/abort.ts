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

/**
 * The open/closed state of a destination. `close()` aborts deliveries in flight, so that a shutting-down
 * engine is not held up by a hung receiver; their batches stay undelivered and are retried later.
 */
export class DestinationLifecycle {
  readonly #controller = new AbortController();

  constructor(private readonly type: string) {}

  get closed(): boolean {
    return this.#controller.signal.aborted;
  }

  /** The signal of one delivery: the engine's, or `close()`. Throws once closed. */
  begin(signal: AbortSignal): AbortSignal {
    if (this.closed) throw new DeliveryFailure(`the ${this.type} destination is closed`);
    throwIfAborted(signal);
    return AbortSignal.any([signal, this.#controller.signal]);
  }

  /** Mark closed and abort deliveries in flight; false when it was already closed. */
  close(): boolean {
    if (this.closed) return false;
    this.#controller.abort(new Error("destination closed"));
    return true;
  }
}
