import type { DataPolicy } from "@aftercall/api";
import { RATING_CATEGORIES } from "@aftercall/schema";
import type { Logger } from "pino";
import { holdWatermark } from "../analytics/rollup-correction.js";
import { dataPolicyFromText } from "../projects/project-rows.js";
import { BatchSizer, DEFAULT_BATCH_TARGET_MS } from "../store/batch-sizer.js";
import type { Database } from "../store/database.js";
import { change, rows, type Step, type TransactionOptions, transaction } from "../store/transaction.js";
import { DEFAULT_BACKFILL_HORIZON_DAYS, DEFAULT_PRUNE_BATCH, pruneOutboxBatch } from "./outbox-pruning.js";
import { readAheadExpiredSurveys } from "./read-ahead.js";
import { removeItems } from "./remove-items.js";

/**
 * Retention: each project's surveys, free text and lifecycle events are deleted (the text cleared) once
 * older than its policy allows. The sweeper works in small batches, each one transaction (a batch of
 * surveys leaves the rollups with them: `remove-items.ts`), oldest first, and rests between batches for
 * as long as the batch took, so it takes at most half of the store's write time from ingestion. Batches
 * are sized by how long they take (`store/batch-sizer.ts`), not by a fixed count.
 * Retention sends no tombstones: it is the operator's own policy, which downstream systems apply to
 * their copies by themselves; an erasure, a person's request, does (`erasure.ts`).
 *
 * @module
 */

const DAY_MS = 86_400_000;

/** Rows per batch to begin with (and the fixed size of `sweepBatch` when none is given). */
export const DEFAULT_SWEEP_BATCH = 50;

export interface SweepOptions extends TransactionOptions {
  batchSize?: number;
}

/** What one batch of each kind did. */
export interface SweepBatch {
  surveys: number;
  freeTexts: number;
  events: number;
}

const SUGGESTIONS = RATING_CATEGORIES.map(({ key }) => `${key}_suggestion`);

/**
 * One batch of each kind the project's policy asks for, each in its own transaction. Returns how many
 * rows each batch touched; a project is swept when a call touches none.
 */
export async function sweepBatch(
  db: Database,
  project: { id: string; dataPolicy: DataPolicy },
  nowMs: number,
  options: SweepOptions = {},
): Promise<SweepBatch> {
  const { surveysDays, freeTextDays, eventsDays } = project.dataPolicy.retention;
  const limit = options.batchSize ?? DEFAULT_SWEEP_BATCH;
  const result: SweepBatch = { surveys: 0, freeTexts: 0, events: 0 };
  if (surveysDays !== null) {
    const before = nowMs - surveysDays * DAY_MS;
    result.surveys = await transaction(
      db,
      () => expireSurveys(db.engine, project.id, before, limit),
      options,
    );
  }
  if (freeTextDays !== null) {
    const before = nowMs - freeTextDays * DAY_MS;
    result.freeTexts = await transaction(db, () => clearFreeText(project.id, before, limit), options);
  }
  if (eventsDays !== null) {
    const before = nowMs - eventsDays * DAY_MS;
    result.events = await transaction(db, () => expireEvents(db.engine, project.id, before, limit), options);
  }
  return result;
}

function* expireSurveys(
  engine: Database["engine"],
  projectId: string,
  beforeMs: number,
  limit: number,
): Generator<Step, number, unknown> {
  const watermark = yield* holdWatermark(engine, projectId);
  const ids = (yield* rows<{ id: string }>(
    "SELECT id FROM surveys WHERE project_id = ? AND received_at < ? ORDER BY received_at, id LIMIT ?",
    [projectId, beforeMs, limit],
  )).map((r) => String(r.id));
  if (ids.length === 0) return 0;
  yield* removeItems(engine, projectId, watermark, { surveys: ids, events: [] });
  return ids.length;
}

function* expireEvents(
  engine: Database["engine"],
  projectId: string,
  beforeMs: number,
  limit: number,
): Generator<Step, number, unknown> {
  const watermark = yield* holdWatermark(engine, projectId);
  const ids = (yield* rows<{ id: string }>(
    "SELECT id FROM survey_events WHERE project_id = ? AND received_at < ? ORDER BY received_at, id LIMIT ?",
    [projectId, beforeMs, limit],
  )).map((r) => String(r.id));
  if (ids.length === 0) return 0;
  yield* removeItems(engine, projectId, watermark, { surveys: [], events: ids });
  return ids.length;
}

/**
 * Clear the suggestions of the next surveys (by receive time, then id) older than `beforeMs`. Cleared
 * rows stay, so the sweeper keeps its place in `lifecycle_progress` instead of rereading them.
 */
function* clearFreeText(
  projectId: string,
  beforeMs: number,
  limit: number,
): Generator<Step, number, unknown> {
  const [progress] = yield* rows<{ at: number | string; id: string }>(
    "SELECT free_text_cleared_at AS at, free_text_cleared_id AS id FROM lifecycle_progress WHERE project_id = ?",
    [projectId],
  );
  const at = Number(progress?.at ?? -1);
  const afterId = progress?.id ?? "";
  const batch = yield* rows<{ id: string; received_at: number | string }>(
    `SELECT id, received_at FROM surveys WHERE project_id = ? AND received_at < ?
AND (received_at > ? OR (received_at = ? AND id > ?)) ORDER BY received_at, id LIMIT ?`,
    [projectId, beforeMs, at, at, afterId, limit],
  );
  const last = batch[batch.length - 1];
  if (!last) return 0;
  const cleared = yield* change(
    `UPDATE surveys SET ${SUGGESTIONS.map((c) => `${c} = NULL`).join(", ")}
WHERE project_id = ? AND received_at < ? AND (received_at > ? OR (received_at = ? AND id > ?))
AND (received_at < ? OR (received_at = ? AND id <= ?))
AND (${SUGGESTIONS.map((c) => `${c} IS NOT NULL`).join(" OR ")})`,
    [projectId, beforeMs, at, at, afterId, Number(last.received_at), Number(last.received_at), last.id],
  );
  yield* change(
    `INSERT INTO lifecycle_progress (project_id, free_text_cleared_at, free_text_cleared_id) VALUES (?, ?, ?)
ON CONFLICT (project_id) DO UPDATE SET free_text_cleared_at = excluded.free_text_cleared_at, free_text_cleared_id = excluded.free_text_cleared_id`,
    [projectId, Number(last.received_at), last.id],
  );
  // Rows looked at, not rows changed: a batch of surveys without text still moves the sweeper on.
  return Math.max(cleared, batch.length);
}

export interface RetentionSweeperOptions {
  /** Pause between passes over every project; default one minute. */
  intervalMs?: number;
  /** A fixed batch size; without it SQLite batches are sized to take about `batchTargetMs`. */
  batchSize?: number;
  /** How long one batch should take (default `DEFAULT_BATCH_TARGET_MS`). */
  batchTargetMs?: number;
  /** Delivered outbox entries are kept this many days for backfills (default 30). */
  backfillHorizonDays?: number;
  now?: () => number;
  logger?: Logger;
}

/**
 * The sweeping loop of a server. Several servers on one PostgreSQL may sweep at once: batches of one
 * project take its watermark row in turn, so each survey leaves the rollups once.
 */
export class RetentionSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly sweepSizer: BatchSizer;
  private readonly pruneSizer: BatchSizer;
  /** Batches sized by time: SQLite only (see `batchSize`). */
  private readonly sized: boolean;

  constructor(
    private readonly db: Database,
    private readonly options: RetentionSweeperOptions = {},
  ) {
    // A PostgreSQL batch locks only its own rows and waits on round trips, not on this thread: sized by
    // its time it shrank to a few rows (bench:lifecycle at 10M: 139 surveys swept per second, a fifth of
    // fixed batches of 50, with the same ingestion p99).
    this.sized = options.batchSize === undefined && db.engine === "sqlite";
    const target = options.batchTargetMs ?? DEFAULT_BATCH_TARGET_MS;
    this.sweepSizer = new BatchSizer(options.batchSize ?? DEFAULT_SWEEP_BATCH, target);
    this.pruneSizer = new BatchSizer(options.batchSize ?? DEFAULT_PRUNE_BATCH, target, 20, 5_000);
  }

  start(): void {
    this.schedule(1_000);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.pass()
        .catch((error: unknown) =>
          this.options.logger?.warn({ err: error }, "retention sweep failed; retrying"),
        )
        .finally(() => {
          this.running = undefined;
          this.schedule(this.options.intervalMs ?? 60_000);
        });
    }, delayMs);
    this.timer.unref();
  }

  /**
   * Sweep every project with a retention, and prune every project's delivered outbox entries, until each
   * is done (or the sweeper is stopped).
   */
  async pass(): Promise<void> {
    const projects = await this.db.all<{ id: string; data_policy: string }>(
      "SELECT id, data_policy FROM projects ORDER BY id",
    );
    const now = this.options.now ?? Date.now;
    const horizonDays = this.options.backfillHorizonDays ?? DEFAULT_BACKFILL_HORIZON_DAYS;
    for (const row of projects) {
      const project = { id: row.id, dataPolicy: dataPolicyFromText(row.data_policy) };
      if (Object.values(project.dataPolicy.retention).some((days) => days !== null)) {
        await this.paced(
          this.sweepSizer,
          async (batchSize) => {
            const batch = await sweepBatch(this.db, project, now(), { batchSize });
            return Math.max(batch.surveys, batch.freeTexts, batch.events);
          },
          (batchSize) => this.readAhead(project, now(), batchSize),
        );
      }
      await this.paced(this.pruneSizer, (limit) =>
        pruneOutboxBatch(this.db, project.id, { nowMs: now(), horizonDays, limit }),
      );
    }
  }

  /**
   * SQLite: read the next batch's pages on the reader thread (`read-ahead.ts`). A hint only: the batch
   * selects and deletes by itself, so a failed read-ahead costs time, not data.
   */
  private async readAhead(project: { id: string; dataPolicy: DataPolicy }, nowMs: number, limit: number) {
    const days = project.dataPolicy.retention.surveysDays;
    if (this.db.engine !== "sqlite" || days === null) return;
    await readAheadExpiredSurveys(this.db, project.id, nowMs - days * DAY_MS, limit).catch((error: unknown) =>
      this.options.logger?.debug({ err: error }, "retention read-ahead failed; sweeping without it"),
    );
  }

  /**
   * Run `batch` until it touches nothing, resting as long as each took (commits get at least half of
   * the write time) and sizing the next from it, unless the size is fixed. `prepare` runs before each
   * batch, outside its time: work that holds no lock.
   */
  private async paced(
    sizer: BatchSizer,
    batch: (size: number) => Promise<number>,
    prepare?: (size: number) => Promise<void>,
  ): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      await prepare?.(sizer.size);
      if (this.stopped) return;
      const started = performance.now();
      const touched = await batch(sizer.size);
      if (touched === 0) return;
      const took = performance.now() - started;
      if (this.sized) sizer.took(took, touched);
      await new Promise((resolve) => setTimeout(resolve, Math.max(5, took)));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
