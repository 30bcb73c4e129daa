import { deliveredBelow } from "../delivery/delivery-store.js";
import type { Database } from "../store/database.js";
import { change, rows, type Step, transaction } from "../store/transaction.js";

/**
 * Bounded storage for the outbox (`delivery_log`). An entry is pruned once nothing can need it again:
 * every destination of its project has delivered past it (or parked it and moved on, the parked batch
 * keeps its own range), the rollup folder has folded past it, and it was received before the backfill
 * horizon (default 30 days). Backfills reach back only as far as the entries still stored, so each
 * project records the time before which entries may be gone, and a backfill from earlier is refused
 * rather than silently delivering part of what was asked (`checkBackfillWithinHorizon`).
 *
 * @module
 */

const DAY_MS = 86_400_000;

/** Default backfill horizon: how long delivered outbox entries are kept. */
export const DEFAULT_BACKFILL_HORIZON_DAYS = 30;

/** Entries deleted per transaction. */
export const DEFAULT_PRUNE_BATCH = 1_000;
/** Oldest entries looked at per batch, in batches: see pruneSteps. */
const PRUNE_WINDOW = 2;

/**
 * Delete up to `limit` prunable entries of one project in one transaction and move its pruning mark.
 * Returns how many were deleted (0 when the project has nothing more to prune).
 */
export function pruneOutboxBatch(
  db: Database,
  projectId: string,
  options: { nowMs: number; horizonDays: number; limit?: number },
): Promise<number> {
  const receivedBefore = options.nowMs - options.horizonDays * DAY_MS;
  return transaction(db, () => pruneSteps(projectId, receivedBefore, options.limit ?? DEFAULT_PRUNE_BATCH));
}

function* pruneSteps(
  projectId: string,
  receivedBefore: number,
  limit: number,
): Generator<Step, number, unknown> {
  // Without destinations nothing waits for delivery; the folder's watermark still bounds the pruning.
  const delivered = (yield* deliveredBelow(projectId)) ?? Number.MAX_SAFE_INTEGER;
  // The watermark only grows, so reading it without a lock can only make the bound stricter.
  const [mark] = yield* rows<{ seq: number | string }>(
    "SELECT seq FROM rollup_watermarks WHERE project_id = ?",
    [projectId],
  );
  // Only surveys are folded; the folder finds them through their entries above its watermark.
  const prunable = "received_at < ? AND (category <> 'CallSurvey' OR seq <= ?)";
  const bounds = [receivedBefore, Number(mark?.seq ?? 0)];
  // The log is appended in (nearly) receive-time order, so what is prunable sits at its oldest end: only a
  // window of the oldest entries is looked at. Scanning on until `limit` prunable entries turned up read
  // the whole retained log once pruning had caught up (3.3M entries at 10M surveys: 1.4 s on SQLite's
  // event loop, every pass). An entry appended long after it was received (an import) is pruned once the
  // window reaches it, at most one horizon late.
  const batch = yield* rows<{ seq: number | string; received_at: number | string }>(
    `SELECT seq, received_at FROM (
  SELECT seq, received_at, category FROM delivery_log WHERE project_id = ? AND seq <= ? ORDER BY seq LIMIT ?
) oldest WHERE ${prunable} ORDER BY seq LIMIT ?`,
    [projectId, delivered, limit * PRUNE_WINDOW, ...bounds, limit],
  );
  if (batch.length === 0) return 0;
  const seqs = batch.map((r) => Number(r.seq));
  const deleted = yield* change(
    `DELETE FROM delivery_log WHERE project_id = ? AND seq >= ? AND seq <= ? AND ${prunable}`,
    [projectId, seqs[0] as number, seqs.at(-1) as number, ...bounds],
  );
  // Entries received before this time may now be gone; later ones are all still here.
  const prunedBefore = Math.max(...batch.map((r) => Number(r.received_at))) + 1;
  yield* change(
    `INSERT INTO lifecycle_progress (project_id, free_text_cleared_at, free_text_cleared_id, log_pruned_before_ms)
VALUES (?, -1, '', ?)
ON CONFLICT (project_id) DO UPDATE SET log_pruned_before_ms =
  CASE WHEN lifecycle_progress.log_pruned_before_ms > excluded.log_pruned_before_ms
  THEN lifecycle_progress.log_pruned_before_ms ELSE excluded.log_pruned_before_ms END`,
    [projectId, prunedBefore],
  );
  return deleted;
}
