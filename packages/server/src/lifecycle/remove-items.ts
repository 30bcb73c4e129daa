import { subtractFromRollups } from "../analytics/rollup-correction.js";
import { deliveredBelow } from "../delivery/delivery-store.js";
import type { Database } from "../store/database.js";
import { change, inArray, rows, type Step } from "../store/transaction.js";

/**
 * Deleting stored surveys and lifecycle events so that nothing else goes wrong: the folded surveys'
 * counts leave the rollups, and the outbox entries no destination has received yet are deleted with
 * them (so none receives the content afterwards, and the folder does not look for them). Shared by
 * erasure and the retention sweeper; runs inside their transaction, after it took the project's
 * watermark (`holdWatermark`).
 *
 * @module
 */

export interface ItemsToRemove {
  surveys: readonly string[];
  events: readonly string[];
}

type PendingEntry = { seq: number | string; category: string; item_id: string };

/** Remove the items; returns how many undelivered outbox entries went with them. */
export function* removeItems(
  engine: Database["engine"],
  projectId: string,
  watermark: number,
  items: ItemsToRemove,
): Generator<Step, number, unknown> {
  const pending = yield* pendingEntries(engine, projectId, watermark, [...items.surveys, ...items.events]);
  // A survey past the watermark is counted from its raw row only; deleting the row is enough.
  const unfolded = new Set(
    pending.filter((e) => e.category === "CallSurvey" && Number(e.seq) > watermark).map((e) => e.item_id),
  );
  yield* subtractFromRollups(
    engine,
    projectId,
    items.surveys.filter((id) => !unfolded.has(id)),
  );
  if (items.surveys.length > 0)
    yield* change(`DELETE FROM surveys WHERE project_id = ? AND id ${inArray(engine)}`, [
      projectId,
      items.surveys,
    ]);
  if (items.events.length > 0)
    yield* change(`DELETE FROM survey_events WHERE project_id = ? AND id ${inArray(engine)}`, [
      projectId,
      items.events,
    ]);
  if (pending.length > 0)
    yield* change(`DELETE FROM delivery_log WHERE project_id = ? AND seq ${inArray(engine, "bigint")}`, [
      projectId,
      pending.map((e) => Number(e.seq)),
    ]);
  return pending.length;
}

/**
 * The outbox entries of `itemIds` that a destination may still read or the folder has yet to fold:
 * those above the watermark or any destination's position — an index range of the log's recent end,
 * not a scan of the project's whole log.
 */
function* pendingEntries(
  engine: Database["engine"],
  projectId: string,
  watermark: number,
  itemIds: readonly string[],
): Generator<Step, PendingEntry[], unknown> {
  if (itemIds.length === 0) return [];
  const delivered = yield* deliveredBelow(projectId);
  const floor = Math.min(watermark, delivered ?? watermark);
  return yield* rows<PendingEntry>(
    `SELECT seq, category, item_id FROM delivery_log
WHERE project_id = ? AND seq > ? AND category IN ('CallSurvey', 'CallSurveyEvent') AND item_id ${inArray(engine)}`,
    [projectId, floor, itemIds],
  );
}
