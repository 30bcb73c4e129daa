import { logHorizon } from "../outbox/outbox.js";
import type { SecretBox } from "../secrets/secret-box.js";
import { type Database, GuardFailed, marks, type SqlRow, type SqlWrite } from "../store/database.js";
import { rows, type Step } from "../store/transaction.js";
import {
  CURSOR_FROM_TIME,
  destinationFromRow,
  encodeConfig,
  insertDestination,
  num,
  settingFromRow,
  UNDELIVERED_COUNT_CAP,
} from "./delivery-rows.js";
import type {
  CreateSettingOutcome,
  DeliveryStore,
  DestinationStatus,
  DueDestination,
  LogEntry,
  NewSetting,
  ParkedBatch,
  SettingUpdate,
} from "./delivery-types.js";
import {
  type DestinationType,
  type LogCategory,
  type RecordCategory,
  TOMBSTONE_CATEGORY,
} from "./destination.js";
import * as items from "./log-items.js";
import * as parked from "./parked-batches.js";
import type { DestinationState, DiagnosticSetting } from "./settings.js";

function dueFromRow(row: SqlRow, secrets: SecretBox | undefined): DueDestination {
  return {
    ...destinationFromRow(row, secrets),
    categories: JSON.parse(String(row.categories)) as LogCategory[],
    parkedRetryWaiting: row.parked_retry === true || num(row.parked_retry) === 1,
    leaseOwner:
      row.lease_owner === null || row.lease_owner === undefined ? undefined : String(row.lease_owner),
    leaseUntilMs: num(row.lease_until),
    backfill:
      row.backfill_until_seq === null || row.backfill_until_seq === undefined
        ? undefined
        : { fromMs: num(row.backfill_from_ms), untilSeq: num(row.backfill_until_seq) },
  };
}

/**
 * A write that locks the project's row until the batch commits (PostgreSQL; SQLite has one writer anyway),
 * so checks of a project's settings and the writes that depend on them cannot interleave across servers.
 */
const lockProject = (projectId: string): SqlWrite => ({
  sql: "UPDATE projects SET name = name WHERE id = ?",
  params: [projectId],
});

/** {@link DeliveryStore} over either engine's {@link Database}; the SQL is the same for both. */
export class SqlDeliveryStore implements DeliveryStore {
  /**
   * @param secrets the server's key: configurations are written sealed with it and opened with it. Without
   * one (tests of other modules) they are written in clear and a sealed one cannot be read.
   */
  constructor(
    private readonly db: Database,
    private readonly secrets?: SecretBox,
  ) {}

  async createSetting(s: NewSetting, maxPerProject: number): Promise<CreateSettingOutcome> {
    const horizon = await logHorizon(this.db);
    const writes: SqlWrite[] = [
      lockProject(s.projectId),
      {
        // The count and the name are checked by the insert itself, after the project lock above: a second
        // server creating a sixth setting (or the same name) at once waits, then sees the first one's row.
        sql: `INSERT INTO diagnostic_settings (id, project_id, name, categories, format, created_at, updated_at)
SELECT ?, ?, ?, ?, ?, CAST(? AS BIGINT), CAST(? AS BIGINT) WHERE (SELECT count(*) FROM diagnostic_settings WHERE project_id = ?) < ?
AND NOT EXISTS (SELECT 1 FROM diagnostic_settings WHERE project_id = ? AND name = ?)`,
        params: [
          s.id,
          s.projectId,
          s.name,
          JSON.stringify(s.categories),
          s.format,
          s.nowMs,
          s.nowMs,
          s.projectId,
          maxPerProject,
          s.projectId,
          s.name,
        ],
        expectChanges: 1,
      },
      ...s.destinations.map((d) =>
        insertDestination(
          s.id,
          s.projectId,
          d,
          { backfillFromMs: s.backfillFromMs, horizon },
          false,
          this.secrets,
        ),
      ),
    ];
    try {
      await this.db.atomically(writes);
    } catch (error) {
      if (!(error instanceof GuardFailed) || error.index !== 1) throw error;
      const taken = await this.db.all("SELECT 1 FROM diagnostic_settings WHERE project_id = ? AND name = ?", [
        s.projectId,
        s.name,
      ]);
      return { status: taken.length > 0 ? "name-taken" : "limit" };
    }
    const setting = await this.getSetting(s.projectId, s.id);
    if (!setting) throw new Error(`Diagnostic setting ${s.id} vanished right after it was created`);
    return { status: "created", setting };
  }

  async listSettings(projectId: string): Promise<DiagnosticSetting[]> {
    const rows = await this.db.all(
      "SELECT * FROM diagnostic_settings WHERE project_id = ? ORDER BY created_at, id",
      [projectId],
    );
    return this.withDestinations(rows);
  }

  async allSettings(): Promise<DiagnosticSetting[]> {
    return this.withDestinations(
      await this.db.all("SELECT * FROM diagnostic_settings ORDER BY project_id, id"),
    );
  }

  private async withDestinations(rows: SqlRow[]): Promise<DiagnosticSetting[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => String(r.id));
    const destinations = (
      await this.db.all(
        `SELECT * FROM destinations WHERE setting_id IN (${marks(ids.length)}) ORDER BY type`,
        ids,
      )
    ).map((row) => destinationFromRow(row, this.secrets));
    return rows.map((row) =>
      settingFromRow(
        row,
        destinations.filter((d) => d.settingId === String(row.id)),
      ),
    );
  }

  async getSetting(projectId: string, id: string): Promise<DiagnosticSetting | undefined> {
    const rows = await this.db.all("SELECT * FROM diagnostic_settings WHERE project_id = ? AND id = ?", [
      projectId,
      id,
    ]);
    return (await this.withDestinations(rows))[0];
  }

  async updateSetting(
    projectId: string,
    id: string,
    u: SettingUpdate,
  ): Promise<"updated" | "name-taken" | "missing"> {
    const horizon = await logHorizon(this.db);
    const writes: SqlWrite[] = [
      lockProject(projectId),
      {
        sql: `UPDATE diagnostic_settings SET name = ?, categories = ?, format = ?, updated_at = ?
WHERE project_id = ? AND id = ? AND NOT EXISTS (SELECT 1 FROM diagnostic_settings WHERE project_id = ? AND name = ? AND id <> ?)`,
        params: [
          u.name,
          JSON.stringify(u.categories),
          u.format,
          u.nowMs,
          projectId,
          id,
          projectId,
          u.name,
          id,
        ],
        expectChanges: 1,
      },
      ...u.remove.map((type) => ({
        sql: "DELETE FROM destinations WHERE setting_id = ? AND type = ?",
        params: [id, type],
      })),
    ];
    for (const d of u.upsert) {
      // A changed destination keeps its cursor and state; a new one starts at the head of the log.
      writes.push({
        sql: "UPDATE destinations SET config = ?, format = ? WHERE setting_id = ? AND type = ?",
        params: [encodeConfig(d.config, this.secrets), d.format, id, d.type],
      });
      writes.push(insertDestination(id, projectId, d, { horizon }, true, this.secrets));
    }
    for (const { type, format } of u.formats)
      writes.push({
        sql: "UPDATE destinations SET format = ? WHERE setting_id = ? AND type = ?",
        params: [format, id, type],
      });
    try {
      await this.db.atomically(writes);
      return "updated";
    } catch (error) {
      if (!(error instanceof GuardFailed) || error.index !== 1) throw error;
      const exists = await this.db.all("SELECT 1 FROM diagnostic_settings WHERE project_id = ? AND id = ?", [
        projectId,
        id,
      ]);
      return exists.length > 0 ? "name-taken" : "missing";
    }
  }

  async deleteSetting(projectId: string, id: string): Promise<boolean> {
    const writes: SqlWrite[] = [
      {
        sql: "DELETE FROM parked_batches WHERE destination_id IN (SELECT id FROM destinations WHERE setting_id = ?)",
        params: [id],
      },
      { sql: "DELETE FROM destinations WHERE setting_id = ?", params: [id] },
      {
        sql: "DELETE FROM diagnostic_settings WHERE project_id = ? AND id = ?",
        params: [projectId, id],
        expectChanges: 1,
      },
    ];
    try {
      await this.db.atomically(writes);
      return true;
    } catch (error) {
      if (error instanceof GuardFailed) return false;
      throw error;
    }
  }

  async setPaused(settingId: string, types: readonly DestinationType[], paused: boolean): Promise<void> {
    if (types.length === 0) return;
    await this.db.run(
      `UPDATE destinations SET paused = ?, failed_attempts = 0, next_attempt_at = 0 WHERE setting_id = ? AND type IN (${marks(types.length)})`,
      [paused ? 1 : 0, settingId, ...types],
    );
  }

  async logPrunedBeforeMs(projectId: string): Promise<number> {
    const rows = await this.db.all(
      "SELECT log_pruned_before_ms AS at FROM lifecycle_progress WHERE project_id = ?",
      [projectId],
    );
    return num(rows[0]?.at ?? 0);
  }

  async backfill(settingId: string, types: readonly DestinationType[], fromMs: number): Promise<void> {
    if (types.length === 0) return;
    // The cursor only ever moves back: a time after undelivered entries must not skip them. A delivery
    // in flight compares-and-sets the cursor it started from, so it cannot undo this move (markDelivered).
    // Up to where the cursor stood, only entries received at or after `fromMs` are delivered again: the
    // log is in commit order, not receive order (imports), so "from the first entry received after T"
    // would also resend older ones. A backfill still in progress widens to the earlier of the two times.
    const project = await this.projectOf(settingId);
    const active = "backfill_until_seq IS NOT NULL AND backfill_until_seq > cursor_seq";
    await this.db.run(
      `UPDATE destinations SET
  backfill_from_ms = CASE WHEN ${active} AND backfill_from_ms < ? THEN backfill_from_ms ELSE ? END,
  backfill_until_seq = CASE WHEN ${active} THEN backfill_until_seq ELSE cursor_seq END,
  cursor_seq = CASE WHEN ${CURSOR_FROM_TIME} < cursor_seq THEN ${CURSOR_FROM_TIME} ELSE cursor_seq END,
  failed_attempts = 0, next_attempt_at = 0
WHERE setting_id = ? AND type IN (${marks(types.length)})`,
      [fromMs, fromMs, project, fromMs, project, fromMs, settingId, ...types],
    );
  }

  private async projectOf(settingId: string): Promise<string> {
    const rows = await this.db.all("SELECT project_id FROM diagnostic_settings WHERE id = ?", [settingId]);
    return String(rows[0]?.project_id ?? "");
  }

  async dueDestinations(owner: string, nowMs: number): Promise<DueDestination[]> {
    const rows = await this.db.all(
      `SELECT d.*, s.categories,
  EXISTS (SELECT 1 FROM parked_batches p WHERE p.destination_id = d.id AND p.retry_requested = 1) AS parked_retry
FROM destinations d JOIN diagnostic_settings s ON s.id = d.setting_id
WHERE d.paused = 0 AND (d.lease_owner IS NULL OR d.lease_owner = ? OR d.lease_until < ?)
  AND (d.next_attempt_at <= ?
    OR EXISTS (SELECT 1 FROM parked_batches p WHERE p.destination_id = d.id AND p.retry_requested = 1))
ORDER BY d.id`,
      [owner, nowMs, nowMs],
    );
    return rows.map((row) => dueFromRow(row, this.secrets));
  }

  async destination(id: string): Promise<DueDestination | undefined> {
    const rows = await this.db.all(
      `SELECT d.*, s.categories,
  EXISTS (SELECT 1 FROM parked_batches p WHERE p.destination_id = d.id AND p.retry_requested = 1) AS parked_retry
FROM destinations d JOIN diagnostic_settings s ON s.id = d.setting_id WHERE d.id = ?`,
      [id],
    );
    return rows[0] ? dueFromRow(rows[0], this.secrets) : undefined;
  }

  async claim(destinationId: string, owner: string, nowMs: number, leaseMs: number): Promise<boolean> {
    const changes = await this.db.run(
      `UPDATE destinations SET lease_owner = ?, lease_until = ?
WHERE id = ? AND paused = 0 AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)`,
      [owner, nowMs + leaseMs, destinationId, owner, nowMs],
    );
    return changes === 1;
  }

  async releaseAll(owner: string): Promise<void> {
    await this.db.run("UPDATE destinations SET lease_owner = NULL, lease_until = 0 WHERE lease_owner = ?", [
      owner,
    ]);
  }

  async release(destinationId: string, owner: string): Promise<void> {
    await this.db.run(
      "UPDATE destinations SET lease_owner = NULL, lease_until = 0 WHERE id = ? AND lease_owner = ?",
      [destinationId, owner],
    );
  }

  async readLog(
    projectId: string,
    categories: readonly LogCategory[],
    range: { afterSeq: number; toSeq?: number },
    limit: number,
  ): Promise<LogEntry[]> {
    // Only below the horizon: an entry there can no longer appear behind one already read.
    const horizon = await logHorizon(this.db);
    // Erasure tombstones go wherever surveys or events went, whatever categories were chosen.
    const wanted = [...categories, TOMBSTONE_CATEGORY];
    const rows = await this.db.all(
      `SELECT seq, category, item_id, received_at FROM delivery_log
WHERE project_id = ? AND seq > ? AND seq <= ? AND seq < ? AND category IN (${marks(wanted.length)}) ORDER BY seq LIMIT ?`,
      [projectId, range.afterSeq, range.toSeq ?? Number.MAX_SAFE_INTEGER, horizon, ...wanted, limit],
    );
    return rows.map((r) => ({
      seq: num(r.seq),
      category: String(r.category) as RecordCategory,
      itemId: String(r.item_id),
      receivedAtMs: num(r.received_at),
    }));
  }

  loadTombstones(projectId: string, ids: readonly string[]) {
    return items.loadTombstones(this.db, projectId, ids);
  }

  loadSurveys(projectId: string, ids: readonly string[]) {
    return items.loadSurveys(this.db, projectId, ids);
  }

  loadAlerts(projectId: string, ids: readonly string[]) {
    return items.loadAlerts(this.db, projectId, ids);
  }

  loadEvents(projectId: string, ids: readonly string[]) {
    return items.loadEvents(this.db, projectId, ids);
  }

  async markDelivered(
    destinationId: string,
    owner: string,
    range: { fromCursor: number; toSeq: number },
    records: number,
    nowMs: number,
  ) {
    const changes = await this.db.run(
      `UPDATE destinations SET cursor_seq = ?, delivered_records = delivered_records + ?, failed_attempts = 0,
  next_attempt_at = 0, last_success_at = ?
WHERE id = ? AND lease_owner = ? AND cursor_seq = ?`,
      [range.toSeq, records, nowMs, destinationId, owner, range.fromCursor],
    );
    return changes === 1;
  }

  async markFailed(
    destinationId: string,
    owner: string,
    error: string,
    attempts: number,
    nextAttemptAtMs: number,
    nowMs: number,
  ) {
    const changes = await this.db.run(
      `UPDATE destinations SET failed_attempts = ?, next_attempt_at = ?, last_error = ?, last_error_at = ?
WHERE id = ? AND lease_owner = ?`,
      [attempts, nextAttemptAtMs, error, nowMs, destinationId, owner],
    );
    return changes === 1;
  }

  park(destinationId: string, owner: string, fromCursor: number, b: Omit<ParkedBatch, "retryRequested">) {
    return parked.park(this.db, destinationId, owner, fromCursor, b);
  }

  listParked(destinationIds: readonly string[]) {
    return parked.listParked(this.db, destinationIds);
  }

  requestParkedRetry(settingId: string, parkedId?: string) {
    return parked.requestParkedRetry(this.db, settingId, parkedId);
  }

  nextParkedRetry(destinationId: string) {
    return parked.nextParkedRetry(this.db, destinationId);
  }

  resolveParked(parkedId: string) {
    return parked.resolveParked(this.db, parkedId);
  }

  refailParked(parkedId: string, error: string, nowMs: number) {
    return parked.refailParked(this.db, parkedId, error, nowMs);
  }

  async destinationStatus(
    d: DestinationState,
    categories: readonly LogCategory[],
  ): Promise<DestinationStatus> {
    const cats = marks(categories.length);
    const [oldest, pending, parked] = await Promise.all([
      this.db.all(
        `SELECT received_at FROM delivery_log WHERE project_id = ? AND seq > ? AND category IN (${cats}) ORDER BY seq LIMIT 1`,
        [d.projectId, d.cursorSeq, ...categories],
      ),
      this.db.all(
        `SELECT count(*) AS n FROM (SELECT 1 FROM delivery_log WHERE project_id = ? AND seq > ? AND category IN (${cats}) LIMIT ?) AS pending`,
        [d.projectId, d.cursorSeq, ...categories, UNDELIVERED_COUNT_CAP],
      ),
      this.db.all(
        "SELECT count(*) AS n, COALESCE(sum(records), 0) AS r FROM parked_batches WHERE destination_id = ?",
        [d.id],
      ),
    ]);
    const status: DestinationStatus = {
      undelivered: num(pending[0]?.n ?? 0),
      parkedBatches: num(parked[0]?.n ?? 0),
      parkedRecords: num(parked[0]?.r ?? 0),
    };
    if (oldest[0]) status.oldestUndeliveredAtMs = num(oldest[0].received_at);
    return status;
  }
}

/**
 * Inside a transaction: the position below which every destination of the project has received the
 * outbox (its cursors, and the start of any parked batch that may be retried), or `undefined` when the
 * project has no destination. Entries above it may still be delivered; erasure deletes those of what it
 * erases, so no destination receives erased content afterwards.
 */
export function* deliveredBelow(projectId: string): Generator<Step, number | undefined, unknown> {
  const [row] = yield* rows<{ floor: number | string | null }>(
    `SELECT min(x) AS floor FROM (
  SELECT cursor_seq AS x FROM destinations WHERE project_id = ?
  UNION ALL
  SELECT p.from_seq - 1 AS x FROM parked_batches p JOIN destinations d ON d.id = p.destination_id WHERE d.project_id = ?
) f`,
    [projectId, projectId],
  );
  return row?.floor === null || row?.floor === undefined ? undefined : Number(row.floor);
}
