import { createHash, randomUUID } from "node:crypto";
import type { ErasureReceipt } from "@aftercall/api";
import { holdWatermark } from "../analytics/rollup-correction.js";
import { appendOne, TOMBSTONE_CATEGORY } from "../outbox/outbox.js";
import type { Database } from "../store/database.js";
import { change, rows, type Step, type TransactionOptions, transaction } from "../store/transaction.js";
import { removeItems } from "./remove-items.js";

/**
 * Erasure of one participant's or one call's data (GDPR art. 17, CCPA): their surveys, lifecycle events
 * and undelivered outbox entries are deleted, the rollups corrected, a receipt recorded and a tombstone
 * appended to the outbox — all in one transaction, so a crash leaves either everything or nothing, and
 * a rerun finishes the job. The receipt keeps how much was deleted and a hash of the selector, never the
 * erased content or the person's id.
 *
 * @module
 */

export type ErasureSelector = ErasureReceipt["selector"];

export interface ErasureRequest {
  projectId: string;
  selector: ErasureSelector;
  value: string;
  /** The caller's id for the erasure: a repeat with the same id answers the first receipt. */
  id?: string;
  /** Who asked: an admin key's id, or `operator`. */
  requestedBy: string;
  nowMs: number;
}

export interface ErasureOutcome {
  receipt: ErasureReceipt;
  /** False when `id` named an erasure already done (its receipt is answered again). */
  created: boolean;
}

/** What the tombstone of an erasure lists: the ids downstream systems must delete. */
export interface ErasedIds {
  surveys: string[];
  events: string[];
}

const COLUMN: Record<ErasureSelector, string> = { participantId: "participant_id", callId: "call_id" };

/** SHA-256 of `<selector>:<value>`, hex: checkable by whoever knows the value, meaningless otherwise. */
export const selectorHash = (selector: ErasureSelector, value: string): string =>
  createHash("sha256").update(`${selector}:${value}`).digest("hex");

/** Erase what `request` selects; see the module's description. */
export async function erase(
  db: Database,
  request: ErasureRequest,
  options: TransactionOptions = {},
): Promise<ErasureOutcome> {
  try {
    return await transaction(db, () => eraseSteps(db.engine, request), options);
  } catch (error) {
    // Two requests with the same id at once on PostgreSQL: the second's insert of the receipt fails on
    // the primary key after the first committed; its whole transaction rolled back, so answer the first.
    if (request.id && (await getErasure(db, request.projectId, request.id)))
      return {
        receipt: (await getErasure(db, request.projectId, request.id)) as ErasureReceipt,
        created: false,
      };
    throw error;
  }
}

function* eraseSteps(engine: Database["engine"], request: ErasureRequest): Generator<Step, ErasureOutcome> {
  const { projectId, selector, value } = request;
  if (request.id) {
    const [existing] = yield* rows<Record<string, unknown>>(
      "SELECT * FROM erasures WHERE project_id = ? AND id = ?",
      [projectId, request.id],
    );
    if (existing) return { receipt: receiptFromRow(existing), created: false };
  }
  // Hold the watermark first: a concurrent erasure or sweep of the same project waits here, so the ids
  // below are read after it committed and nothing is subtracted from the rollups twice.
  const watermark = yield* holdWatermark(engine, projectId);
  const column = COLUMN[selector];
  const surveyIds = (yield* rows<{ id: string }>(
    `SELECT id FROM surveys WHERE project_id = ? AND ${column} = ?`,
    [projectId, value],
  )).map((r) => String(r.id));
  const eventIds = (yield* rows<{ id: string }>(
    `SELECT id FROM survey_events WHERE project_id = ? AND ${column} = ?`,
    [projectId, value],
  )).map((r) => String(r.id));
  const pendingDeliveries = yield* removeItems(engine, projectId, watermark, {
    surveys: surveyIds,
    events: eventIds,
  });
  const receipt: ErasureReceipt = {
    id: request.id ?? randomUUID(),
    projectId,
    selector,
    selectorHash: selectorHash(selector, value),
    requestedBy: request.requestedBy,
    requestedAt: new Date(request.nowMs).toISOString(),
    surveys: surveyIds.length,
    events: eventIds.length,
    pendingDeliveries,
  };
  const erased: ErasedIds = { surveys: surveyIds, events: eventIds };
  yield* change(
    `INSERT INTO erasures (project_id, id, selector, selector_hash, requested_by, requested_at, surveys, events, pending_deliveries, erased_ids)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      projectId,
      receipt.id,
      selector,
      receipt.selectorHash,
      receipt.requestedBy,
      request.nowMs,
      receipt.surveys,
      receipt.events,
      receipt.pendingDeliveries,
      JSON.stringify(erased),
    ],
  );
  // Downstream systems hold what was delivered; the tombstone tells them what to delete.
  if (surveyIds.length + eventIds.length > 0)
    yield* appendOne(engine, projectId, TOMBSTONE_CATEGORY, receipt.id, request.nowMs);
  return { receipt, created: true };
}

function receiptFromRow(row: Record<string, unknown>): ErasureReceipt {
  return {
    id: String(row.id),
    projectId: String(row.project_id),
    selector: String(row.selector) as ErasureSelector,
    selectorHash: String(row.selector_hash),
    requestedBy: String(row.requested_by),
    requestedAt: new Date(Number(row.requested_at)).toISOString(),
    surveys: Number(row.surveys),
    events: Number(row.events),
    pendingDeliveries: Number(row.pending_deliveries),
  };
}

/** One receipt, or `undefined`. */
export async function getErasure(
  db: Database,
  projectId: string,
  id: string,
): Promise<ErasureReceipt | undefined> {
  const [row] = await db.all("SELECT * FROM erasures WHERE project_id = ? AND id = ?", [projectId, id]);
  return row ? receiptFromRow(row) : undefined;
}

/** Receipts, newest first; `beforeMs` pages back. */
export async function listErasures(
  db: Database,
  projectId: string,
  page: { limit: number; beforeMs?: number },
): Promise<ErasureReceipt[]> {
  const rowsFound = await db.all(
    "SELECT * FROM erasures WHERE project_id = ? AND requested_at < ? ORDER BY requested_at DESC, id DESC LIMIT ?",
    [projectId, page.beforeMs ?? Number.MAX_SAFE_INTEGER, page.limit],
  );
  return rowsFound.map(receiptFromRow);
}

/** The ids an erasure deleted (for its tombstone record), or `undefined` when the receipt is gone. */
export async function erasedIds(db: Database, projectId: string, id: string): Promise<ErasedIds | undefined> {
  const [row] = await db.all<{ erased_ids: string }>(
    "SELECT erased_ids FROM erasures WHERE project_id = ? AND id = ?",
    [projectId, id],
  );
  return row ? (JSON.parse(row.erased_ids) as ErasedIds) : undefined;
}
