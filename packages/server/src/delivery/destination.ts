/**
 * The contract between the delivery engine and the systems it routes records to. The engine decides
 * what to send, when, and how often to retry; a destination only knows how to put one batch into its
 * system, durably, or fail with an error the operator can read.
 */

import type { DestinationType, RecordCategory } from "@aftercall/api";

// The vocabulary of destinations is the API contract's (`@aftercall/api`).
export {
  DESTINATION_TYPES,
  type DestinationType,
  LOG_CATEGORIES,
  type LogCategory,
  type RecordCategory,
  TOMBSTONE_CATEGORY,
} from "@aftercall/api";

/** One record as a destination receives it, already rendered in the setting's record format. */
export interface DeliveryRecord {
  /** Stable across retries and re-deliveries (e.g. `CallSurvey:<survey id>`), for receivers to de-duplicate. */
  id: string;
  category: RecordCategory;
  /** Receive time of the survey or event (epoch ms); archives partition by it (hour of `time`, UTC). */
  timeMs: number;
  /** The JSON object to write: the native record or the Azure resource-log record. */
  body: Record<string, unknown>;
}

/** A batch: records in commit order, all of one project. */
export interface DeliveryBatch {
  /** Stable for the same range of records of the same destination: `<destination id>:<first seq>-<last seq>`. */
  id: string;
  projectId: string;
  /** Azure-style resource id of the project (`/SUBSCRIPTIONS/…`), used in archive paths. */
  resourceId: string;
  records: readonly DeliveryRecord[];
}

/**
 * A connected destination. `deliver` resolves only when the system has durably accepted every record of
 * the batch (a PubAck, a committed append block, a 2xx, an fsync); it rejects otherwise, and the engine
 * retries the same records later. Delivering the same batch twice must be harmless for receivers that
 * de-duplicate on record ids (at-least-once).
 */
export interface Destination {
  readonly type: DestinationType;
  deliver(batch: DeliveryBatch, signal: AbortSignal): Promise<void>;
  /** Release connections; safe to call more than once. */
  close(): Promise<void>;
}

/** Why a delivery failed, in words an operator can act on; never contains secrets. */
export class DeliveryFailure extends Error {
  override readonly name = "DeliveryFailure";
  constructor(
    message: string,
    /** Whether retrying can help (false e.g. for a 4xx from a webhook that rejects the payload shape). */
    readonly retryable = true,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
