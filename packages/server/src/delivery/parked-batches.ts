import { type Database, GuardFailed, marks } from "../store/database.js";
import { parkedFromRow } from "./delivery-rows.js";
import type { ParkedBatch } from "./delivery-types.js";

/**
 * Parked batches: a range of the outbox a destination kept refusing, set aside so the destination's
 * cursor moves on, kept with its last error until an admin asks for a retry (`…/parked/retry`).
 *
 * @module
 */

/**
 * Park the batch `b` and move the destination's cursor past it, if `owner` still holds the destination's
 * lease and its cursor is still `fromCursor`; false (nothing written) otherwise.
 */
export async function park(
  db: Database,
  destinationId: string,
  owner: string,
  fromCursor: number,
  b: Omit<ParkedBatch, "retryRequested">,
): Promise<boolean> {
  try {
    await db.atomically([
      {
        sql: `UPDATE destinations SET cursor_seq = ?, failed_attempts = 0, next_attempt_at = 0, last_error = ?,
  last_error_at = ? WHERE id = ? AND lease_owner = ? AND cursor_seq = ?`,
        params: [b.toSeq, b.error, b.parkedAtMs, destinationId, owner, fromCursor],
        expectChanges: 1,
      },
      {
        // The same range can fail again after a backfill: it stays one parked batch, with the new error.
        sql: `INSERT INTO parked_batches (id, destination_id, from_seq, to_seq, records, attempts, error, parked_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (destination_id, from_seq) DO UPDATE SET
  to_seq = CASE WHEN excluded.to_seq > parked_batches.to_seq THEN excluded.to_seq ELSE parked_batches.to_seq END,
  records = excluded.records, attempts = parked_batches.attempts + excluded.attempts, error = excluded.error,
  parked_at = excluded.parked_at, retry_requested = 0`,
        params: [b.id, destinationId, b.fromSeq, b.toSeq, b.records, b.attempts, b.error, b.parkedAtMs],
      },
    ]);
    return true;
  } catch (error) {
    if (error instanceof GuardFailed) return false;
    throw error;
  }
}

/** The parked batches of the destinations, oldest first. */
export async function listParked(db: Database, destinationIds: readonly string[]): Promise<ParkedBatch[]> {
  if (destinationIds.length === 0) return [];
  const rows = await db.all(
    `SELECT * FROM parked_batches WHERE destination_id IN (${marks(destinationIds.length)}) ORDER BY parked_at, from_seq`,
    [...destinationIds],
  );
  return rows.map(parkedFromRow);
}

/** Ask for a retry of a setting's parked batches (or of one); the number of batches asked for. */
export async function requestParkedRetry(
  db: Database,
  settingId: string,
  parkedId?: string,
): Promise<number> {
  return db.run(
    `UPDATE parked_batches SET retry_requested = 1
WHERE destination_id IN (SELECT id FROM destinations WHERE setting_id = ?)${parkedId ? " AND id = ?" : ""}`,
    parkedId ? [settingId, parkedId] : [settingId],
  );
}

/** The destination's first parked batch waiting for a retry. */
export async function nextParkedRetry(db: Database, destinationId: string): Promise<ParkedBatch | undefined> {
  const rows = await db.all(
    "SELECT * FROM parked_batches WHERE destination_id = ? AND retry_requested = 1 ORDER BY from_seq LIMIT 1",
    [destinationId],
  );
  return rows[0] ? parkedFromRow(rows[0]) : undefined;
}

/** A retried batch was delivered: forget it. */
export async function resolveParked(db: Database, parkedId: string): Promise<void> {
  await db.run("DELETE FROM parked_batches WHERE id = ?", [parkedId]);
}

/** A retried batch failed again: keep it parked with its new error, no retry waiting. */
export async function refailParked(
  db: Database,
  parkedId: string,
  error: string,
  nowMs: number,
): Promise<void> {
  await db.run(
    "UPDATE parked_batches SET retry_requested = 0, attempts = attempts + 1, error = ?, parked_at = ? WHERE id = ?",
    [error, nowMs, parkedId],
  );
}
