/** Row mapping and shared statements of the delivery tables, used by `SqlDeliveryStore`. */
import { SecretBox, SecretKeyError } from "../secrets/secret-box.js";
import type { SqlParam, SqlRow, SqlWrite } from "../store/database.js";
import type { ParkedBatch } from "./delivery-types.js";
import type { DestinationType, LogCategory } from "./destination.js";
import type { DestinationConfig } from "./destinations/destination-config.js";
import type { DestinationState, DiagnosticSetting, RecordFormat } from "./settings.js";

/** Undelivered entries are counted up to this many; beyond it the status says "at least". */
export const UNDELIVERED_COUNT_CAP = 100_000;

export const num = (v: unknown): number => Number(v);
export const optionalNum = (v: unknown): number | undefined =>
  v === null || v === undefined ? undefined : Number(v);
export const iso = (ms: unknown): string => new Date(Number(ms)).toISOString();

/**
 * A configuration as stored: sealed with `secrets` (the server's key), or clear JSON when the store has
 * no key (in-process tests of other modules).
 */
export function encodeConfig(config: DestinationConfig, secrets: SecretBox | undefined): string {
  const json = JSON.stringify(config);
  return secrets ? secrets.seal(json) : json;
}

/** @throws SecretKeyError when the configuration is sealed and `secrets` cannot open it. */
export function decodeConfig(text: string, secrets: SecretBox | undefined): DestinationConfig {
  if (!SecretBox.isSealed(text)) return JSON.parse(text) as DestinationConfig;
  if (!secrets)
    throw new SecretKeyError("A destination's configuration is sealed, and this store has no key.");
  return JSON.parse(secrets.open(text)) as DestinationConfig;
}

export function destinationFromRow(row: SqlRow, secrets?: SecretBox): DestinationState {
  const state: DestinationState = {
    id: String(row.id),
    settingId: String(row.setting_id),
    projectId: String(row.project_id),
    type: String(row.type) as DestinationType,
    config: decodeConfig(String(row.config), secrets),
    format: String(row.format) as RecordFormat,
    cursorSeq: num(row.cursor_seq),
    paused: num(row.paused) === 1,
    failedAttempts: num(row.failed_attempts),
    nextAttemptAtMs: num(row.next_attempt_at),
    deliveredRecords: num(row.delivered_records),
  };
  const lastSuccess = optionalNum(row.last_success_at);
  if (lastSuccess !== undefined) state.lastSuccessAtMs = lastSuccess;
  if (row.last_error !== null && row.last_error !== undefined) state.lastError = String(row.last_error);
  const lastErrorAt = optionalNum(row.last_error_at);
  if (lastErrorAt !== undefined) state.lastErrorAtMs = lastErrorAt;
  return state;
}

export function parkedFromRow(row: SqlRow): ParkedBatch {
  return {
    id: String(row.id),
    destinationId: String(row.destination_id),
    fromSeq: num(row.from_seq),
    toSeq: num(row.to_seq),
    records: num(row.records),
    attempts: num(row.attempts),
    error: String(row.error),
    parkedAtMs: num(row.parked_at),
    retryRequested: num(row.retry_requested) === 1,
  };
}

export function settingFromRow(row: SqlRow, destinations: DestinationState[]): DiagnosticSetting {
  return {
    id: String(row.id),
    projectId: String(row.project_id),
    name: String(row.name),
    categories: JSON.parse(String(row.categories)) as LogCategory[],
    format: String(row.format) as RecordFormat,
    destinations,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

/** The cursor that makes delivery start at the first entry received at or after `fromMs`. */
export const CURSOR_FROM_TIME =
  "(SELECT COALESCE((SELECT min(seq) FROM delivery_log WHERE project_id = ? AND received_at >= ?), (SELECT COALESCE(max(seq), 0) + 1 FROM delivery_log)) - 1)";
/**
 * The cursor of a destination that only delivers what arrives from now on: the log's head, but never
 * past the outbox's horizon (`outbox/outbox.ts`), below which entries of transactions still committing
 * may yet appear.
 */
const CURSOR_AT_HEAD =
  "(SELECT CASE WHEN h.head < ? THEN h.head ELSE ? END FROM (SELECT COALESCE(max(seq), 0) AS head FROM delivery_log) h)";

/**
 * Insert a destination with its starting cursor. `onlyIfMissing` makes it a no-op when the setting already
 * has a destination of this type (an update that only changes its configuration).
 */
export function insertDestination(
  settingId: string,
  projectId: string,
  d: { id: string; type: DestinationType; config: DestinationConfig; format: RecordFormat },
  start: { backfillFromMs?: number | undefined; horizon: number },
  onlyIfMissing = false,
  secrets?: SecretBox,
): SqlWrite {
  const atHead: SqlParam[] = [start.horizon - 1, start.horizon - 1];
  // A backfilling destination starts at the first entry received at or after the time and, up to the
  // head, delivers only what was received at or after it (see `inBackfill`).
  const cursor =
    start.backfillFromMs === undefined
      ? `${CURSOR_AT_HEAD}, NULL, NULL`
      : `${CURSOR_FROM_TIME}, CAST(? AS BIGINT), ${CURSOR_AT_HEAD}`;
  const cursorParams: SqlParam[] =
    start.backfillFromMs === undefined
      ? atHead
      : [projectId, start.backfillFromMs, start.backfillFromMs, ...atHead];
  const guard = onlyIfMissing
    ? " WHERE NOT EXISTS (SELECT 1 FROM destinations WHERE setting_id = ? AND type = ?)"
    : "";
  return {
    sql: `INSERT INTO destinations (id, setting_id, project_id, type, config, format, cursor_seq, backfill_from_ms, backfill_until_seq) SELECT ?, ?, ?, ?, ?, ?, ${cursor}${guard}`,
    params: [
      d.id,
      settingId,
      projectId,
      d.type,
      encodeConfig(d.config, secrets),
      d.format,
      ...cursorParams,
      ...(onlyIfMissing ? [settingId, d.type] : []),
    ],
    ...(onlyIfMissing ? {} : { expectChanges: 1 }),
  };
}
