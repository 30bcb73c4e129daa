import type { SurveyEvent, SurveyRecord } from "@aftercall/schema";
import type { DestinationType, LogCategory, RecordCategory } from "./destination.js";
import type { DestinationConfig } from "./destinations/destination-config.js";
import type { DestinationState, DiagnosticSetting, RecordFormat } from "./settings.js";

/** What an erasure's tombstone record lists: the ids downstream systems must delete. */
export interface Tombstone {
  erasureId: string;
  erasedAtMs: number;
  surveyIds: string[];
  eventIds: string[];
}

/** One entry of the delivery log (the outbox): a stored survey or lifecycle event, in commit order. */
export interface LogEntry {
  seq: number;
  category: RecordCategory;
  itemId: string;
  receivedAtMs: number;
}

/** A destination the engine may work on, with what it needs from its setting. */
export interface DueDestination extends DestinationState {
  categories: LogCategory[];
  /** A parked batch an operator asked to retry is waiting. */
  parkedRetryWaiting: boolean;
  leaseOwner: string | undefined;
  leaseUntilMs: number;
  /**
   * A backfill in progress: up to `untilSeq` (where the cursor stood when it was asked for) only the
   * entries received at or after `fromMs` are delivered; what lies beyond was never delivered and all
   * of it is.
   */
  backfill: { fromMs: number; untilSeq: number } | undefined;
}

/** Whether a backfilling destination delivers `entry` (every entry when it is not backfilling). */
export function inBackfill(
  d: Pick<DueDestination, "backfill">,
  entry: Pick<LogEntry, "seq" | "receivedAtMs">,
): boolean {
  return !d.backfill || entry.seq > d.backfill.untilSeq || entry.receivedAtMs >= d.backfill.fromMs;
}

/** A batch that failed too often (or could never succeed) and was set aside for an operator. */
export interface ParkedBatch {
  id: string;
  destinationId: string;
  fromSeq: number;
  toSeq: number;
  records: number;
  attempts: number;
  error: string;
  parkedAtMs: number;
  retryRequested: boolean;
}

/** Delivery status of one destination, for the API and `/metrics`. */
export interface DestinationStatus {
  /** Receive time of the oldest survey or event not yet delivered (nor parked); absent when caught up. */
  oldestUndeliveredAtMs?: number;
  /** Entries not yet delivered, counted up to a cap (see {@link DeliveryStore.destinationStatus}). */
  undelivered: number;
  parkedBatches: number;
  parkedRecords: number;
}

export interface NewSetting {
  id: string;
  projectId: string;
  name: string;
  categories: LogCategory[];
  format: RecordFormat;
  destinations: Array<{ id: string; type: DestinationType; config: DestinationConfig; format: RecordFormat }>;
  /** Deliver entries received from this time on; absent: only entries appended from now on. */
  backfillFromMs?: number;
  nowMs: number;
}

export interface SettingUpdate {
  name: string;
  categories: LogCategory[];
  format: RecordFormat;
  /** New or changed destinations; a new one starts at the head of the log. */
  upsert: Array<{ id: string; type: DestinationType; config: DestinationConfig; format: RecordFormat }>;
  /** New record formats of destinations that stay. */
  formats: Array<{ type: DestinationType; format: RecordFormat }>;
  remove: DestinationType[];
  nowMs: number;
}

/** Why creating a setting was refused. */
export type CreateSettingOutcome =
  | { status: "created"; setting: DiagnosticSetting }
  | { status: "limit" }
  | { status: "name-taken" };

/**
 * Storage of diagnostic settings, destination state, the delivery log and parked batches. Mutations of
 * a destination's delivery state are fenced by its lease owner, so a server that lost its lease (paused
 * too long, or presumed dead) cannot move a cursor another server now owns.
 */
export interface DeliveryStore {
  createSetting(setting: NewSetting, maxPerProject: number): Promise<CreateSettingOutcome>;
  listSettings(projectId: string): Promise<DiagnosticSetting[]>;
  getSetting(projectId: string, id: string): Promise<DiagnosticSetting | undefined>;
  /** False when the name is taken by another setting of the project. */
  updateSetting(
    projectId: string,
    id: string,
    update: SettingUpdate,
  ): Promise<"updated" | "name-taken" | "missing">;
  deleteSetting(projectId: string, id: string): Promise<boolean>;
  setPaused(settingId: string, types: readonly DestinationType[], paused: boolean): Promise<void>;
  /**
   * Move cursors back so delivery restarts with entries received at or after `fromMs`; never forward past
   * undelivered entries.
   */
  backfill(settingId: string, types: readonly DestinationType[], fromMs: number): Promise<void>;
  /** The time before which the project's outbox entries may have been pruned (0: none were). */
  logPrunedBeforeMs(projectId: string): Promise<number>;

  /** Destinations that are not paused, whose backoff has elapsed and whose lease is free or ours. */
  dueDestinations(owner: string, nowMs: number): Promise<DueDestination[]>;
  /** One destination's current state, read fresh (the engine re-reads it before working on it). */
  destination(id: string): Promise<DueDestination | undefined>;
  /** Take or renew the lease; false when another owner holds a lease that has not expired. */
  claim(destinationId: string, owner: string, nowMs: number, leaseMs: number): Promise<boolean>;
  release(destinationId: string, owner: string): Promise<void>;
  /** Release every lease `owner` holds (a server stopping), so others take over at once. */
  releaseAll(owner: string): Promise<void>;
  /** Entries of a project after `afterSeq` (and up to `toSeq`), in the given categories, oldest first. */
  readLog(
    projectId: string,
    categories: readonly LogCategory[],
    range: { afterSeq: number; toSeq?: number },
    limit: number,
  ): Promise<LogEntry[]>;
  loadSurveys(projectId: string, ids: readonly string[]): Promise<Map<string, SurveyRecord>>;
  loadEvents(
    projectId: string,
    ids: readonly string[],
  ): Promise<Map<string, SurveyEvent & { receivedAtMs: number }>>;
  /** The erasures (by receipt id) whose tombstones are to be delivered. */
  loadTombstones(projectId: string, ids: readonly string[]): Promise<Map<string, Tombstone>>;
  /** Alert records (`CallSurveyAlert`) by record id, from the alert history. */
  loadAlerts(projectId: string, ids: readonly string[]): Promise<Map<string, Record<string, unknown>>>;
  /**
   * Move the cursor from `fromCursor` (where the delivery started) to `toSeq`. False, changing nothing, when
   * the lease was lost or the cursor moved meanwhile (a backfill): the next pass starts from the new cursor.
   */
  markDelivered(
    destinationId: string,
    owner: string,
    range: { fromCursor: number; toSeq: number },
    records: number,
    nowMs: number,
  ): Promise<boolean>;
  markFailed(
    destinationId: string,
    owner: string,
    error: string,
    attempts: number,
    nextAttemptAtMs: number,
    nowMs: number,
  ): Promise<boolean>;
  /** Record a parked batch and move the cursor past it, atomically. */
  park(
    destinationId: string,
    owner: string,
    fromCursor: number,
    batch: Omit<ParkedBatch, "retryRequested">,
  ): Promise<boolean>;
  listParked(destinationIds: readonly string[]): Promise<ParkedBatch[]>;
  /** Ask the engine to retry parked batches of a setting (one, or all when `parkedId` is absent); how many. */
  requestParkedRetry(settingId: string, parkedId?: string): Promise<number>;
  /** The oldest parked batch of the destination an operator asked to retry. */
  nextParkedRetry(destinationId: string): Promise<ParkedBatch | undefined>;
  /** A retried parked batch was delivered: forget it. */
  resolveParked(parkedId: string): Promise<void>;
  /** A retried parked batch failed again: keep it parked with the new error. */
  refailParked(parkedId: string, error: string, nowMs: number): Promise<void>;
  destinationStatus(
    destination: DestinationState,
    categories: readonly LogCategory[],
  ): Promise<DestinationStatus>;
  /** Every destination of every project, for `/metrics`. */
  allSettings(): Promise<DiagnosticSetting[]>;
}
