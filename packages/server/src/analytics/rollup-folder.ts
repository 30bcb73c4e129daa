import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { POSTGRES_HORIZON_SQL, positionBelow } from "../outbox/outbox.js";
import { BatchSizer } from "../store/batch-sizer.js";
import {
  type Database,
  numberPlaceholders,
  type PostgresDatabase,
  type SqliteDatabase,
} from "../store/database.js";
import type { WatermarkHints } from "./analytics-reads.js";
import { batchQuery, coarsen, countBatch, postgresUpsert, sqliteUpsert } from "./rollup-fold.js";

/**
 * Folds committed surveys into the rollups, after their commit, in batches: it follows the outbox per
 * project from the project's watermark (`rollup_watermarks.seq`) and, in one transaction, adds the next
 * batch's surveys to every rollup table (one upsert per touched rollup row) and moves the watermark past
 * them. A folder killed mid-batch leaves nothing half done: the fold and the watermark commit together,
 * so the next run folds that batch again, once.
 *
 * Several servers may share a PostgreSQL database, each with its folder: a fold takes its project's
 * watermark row `FOR UPDATE SKIP LOCKED`, so a project is folded by one server at a time and the others
 * move on; commits never wait for a folder. On SQLite the write lock serialises folds with commits.
 * Until a survey is folded, queries count it from its raw row (see `rollup-tables.ts`).
 *
 * @module
 */

/** What one fold did. */
export interface FoldResult {
  /** Surveys folded. */
  folded: number;
  /** Another server holds the project's watermark (PostgreSQL): nothing was done here. */
  busy: boolean;
  /** The watermark after the fold, when this fold moved it. */
  watermark?: number;
}

export const DEFAULT_FOLD_BATCH = 5000;

/** The next batch: the surveys after `from` (at most `limit`, below the horizon), in log order. */
const NEXT_BATCH = `SELECT seq, item_id FROM delivery_log
WHERE project_id = ? AND category = 'CallSurvey' AND seq > ? AND seq < ? ORDER BY seq LIMIT ?`;

type BatchRow = { seq: number | string; item_id: string };

const SET_WATERMARK =
  "INSERT INTO rollup_watermarks (project_id, seq, folded_at) VALUES (?, ?, ?) ON CONFLICT (project_id) DO UPDATE SET seq = excluded.seq, folded_at = excluded.folded_at";

export interface FoldOptions {
  /** Surveys per fold; default {@link DEFAULT_FOLD_BATCH}. */
  batchSize?: number;
  /**
   * Called after each rollup table's statement inside the fold's transaction: the crash tests kill the
   * process here to show that a fold is all or nothing.
   */
  afterStatement?(index: number): void;
}

/** Fold the next batch (at most `batchSize` surveys) of one project, in one transaction. */
export async function foldProject(
  db: Database,
  projectId: string,
  options: FoldOptions = {},
): Promise<FoldResult> {
  return db.engine === "sqlite" ? foldSqlite(db, projectId, options) : foldPostgres(db, projectId, options);
}

function foldSqlite(db: SqliteDatabase, projectId: string, options: FoldOptions): FoldResult {
  const batchSize = options.batchSize ?? DEFAULT_FOLD_BATCH;
  const fold = db.connection.transaction((): FoldResult => {
    const watermark = db.prepare("SELECT seq FROM rollup_watermarks WHERE project_id = ?").get(projectId) as
      | { seq: number }
      | undefined;
    const from = watermark?.seq ?? 0;
    // One writer at a time: every committed entry is final, no horizon needed.
    const batch = db
      .prepare(NEXT_BATCH)
      .all(projectId, from, Number.MAX_SAFE_INTEGER, batchSize) as BatchRow[];
    const last = batch[batch.length - 1];
    if (!last) return { folded: 0, busy: false };
    const read = batchQuery(
      "sqlite",
      projectId,
      batch.map((b) => b.item_id),
    );
    const surveys = db
      .prepare(read.sql)
      .raw(true)
      .all(...read.params) as unknown[][];
    [...coarsen(countBatch(projectId, surveys))].forEach(([table, rows], i) => {
      const upsert = db.prepare(sqliteUpsert(table));
      for (const row of rows) upsert.run(...row);
      options.afterStatement?.(i);
    });
    db.prepare(SET_WATERMARK).run(projectId, Number(last.seq), Date.now());
    return { folded: batch.length, busy: false, watermark: Number(last.seq) };
  });
  return fold.immediate();
}

async function foldPostgres(
  db: PostgresDatabase,
  projectId: string,
  options: FoldOptions,
): Promise<FoldResult> {
  const batchSize = options.batchSize ?? DEFAULT_FOLD_BATCH;
  // A project never folded has no row yet; create it (a no-op when another server just did).
  await db.run(
    "INSERT INTO rollup_watermarks (project_id, seq, folded_at) VALUES (?, 0, 0) ON CONFLICT (project_id) DO NOTHING",
    [projectId],
  );
  return db.sql.begin(async (tx): Promise<FoldResult> => {
    const locked = await tx.unsafe<Array<{ seq: number }>>(
      "SELECT seq FROM rollup_watermarks WHERE project_id = $1 FOR UPDATE SKIP LOCKED",
      [projectId],
    );
    if (locked.length === 0) return { folded: 0, busy: true };
    const from = Number(locked[0]?.seq ?? 0);
    // The horizon in a statement of its own, before the batch is read: every later statement of this
    // transaction sees every transaction below it (see outbox.ts).
    const [h] = await tx.unsafe<Array<{ xmin: string }>>(POSTGRES_HORIZON_SQL);
    const batch = await tx.unsafe<BatchRow[]>(numberPlaceholders(NEXT_BATCH), [
      projectId,
      from,
      positionBelow(Number(h?.xmin)),
      batchSize,
    ]);
    const last = batch[batch.length - 1];
    if (!last) return { folded: 0, busy: false };
    const end = Number(last.seq);
    const read = batchQuery(
      "postgres",
      projectId,
      batch.map((b) => b.item_id),
    );
    const surveys = await tx.unsafe(numberPlaceholders(read.sql), read.params as unknown as never[]).values();
    for (const [i, [table, rows]] of [...coarsen(countBatch(projectId, surveys))].entries()) {
      if (rows.length > 0) {
        const upsert = postgresUpsert(table, rows);
        await tx.unsafe(upsert.sql, upsert.params as never[]);
      }
      options.afterStatement?.(i);
    }
    await tx.unsafe(numberPlaceholders(SET_WATERMARK), [projectId, end, Date.now()]);
    return { folded: batch.length, busy: false, watermark: end };
  });
}

/** Projects with surveys past their watermark. */
const PENDING_PROJECTS = `SELECT p.id FROM projects p LEFT JOIN rollup_watermarks w ON w.project_id = p.id
WHERE EXISTS (SELECT 1 FROM delivery_log l WHERE l.project_id = p.id AND l.category = 'CallSurvey' AND l.seq > COALESCE(w.seq, 0))
ORDER BY p.id`;

/** How far the rollups trail the outbox: per project, surveys not folded and the oldest one's receive time. */
export interface RollupLag {
  projectId: string;
  unfolded: number;
  oldestUnfoldedAtMs: number;
}

const LAG = `SELECT l.project_id, count(*) AS n, min(l.received_at) AS oldest
FROM delivery_log l LEFT JOIN rollup_watermarks w ON w.project_id = l.project_id
WHERE l.category = 'CallSurvey' AND l.seq > COALESCE(w.seq, 0) GROUP BY l.project_id`;

/** The surveys not yet folded, per project with any (an empty list when the rollups are caught up). */
export async function rollupLag(db: Database): Promise<RollupLag[]> {
  const rows = await db.all<{ project_id: string; n: number | string; oldest: number | string }>(LAG);
  return rows.map((r) => ({
    projectId: String(r.project_id),
    unfolded: Number(r.n),
    oldestUnfoldedAtMs: Number(r.oldest),
  }));
}

export interface RollupFolderOptions {
  db: Database;
  logger?: Logger;
  /** Where the watermarks this server sees are noted for the queries (see WatermarkHints). */
  hints?: WatermarkHints;
  /**
   * A fixed number of surveys per fold transaction. Without it an SQLite fold is sized to take about
   * `batchTargetMs` (between 50 and {@link DEFAULT_FOLD_BATCH} surveys): it holds the event loop and the
   * write lock, and one of 5,000 surveys held them for tens of milliseconds. PostgreSQL folds
   * {@link DEFAULT_FOLD_BATCH} at a time.
   */
  batchSize?: number;
  /** How long one SQLite fold should take (default 20 ms). */
  batchTargetMs?: number;
  /** Pause between passes; default 500 ms: batches large enough to fold cheaply, a survey folded within a second. */
  intervalMs?: number;
}

/** Surveys in the first fold of a folder that sizes its folds by time. */
const FIRST_FOLD = 500;
/**
 * How long an SQLite fold should take. bench:ingest at 50 connections against the folds of up to 5,000
 * surveys before (same run each): 8 ms gave p99 27 against 79 ms but 0.84× the throughput (smaller folds
 * upsert more rollup rows per survey), 20 ms p99 30 against 77 ms at 0.96×, 40 ms p99 49 ms at 0.91×.
 */
const FOLD_TARGET_MS = 20;

/**
 * The folding loop of a server: every `intervalMs`, fold every project with pending surveys until it is
 * caught up (or another server holds it), resting between folds as long as each took, so requests get at
 * least half of the event loop while it catches up. Errors are logged and retried at the next pass: until
 * then queries read the unfolded surveys raw, so answers stay exact, only slower.
 */
export class RollupFolder {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly sizer: BatchSizer;
  /** Folds sized by time, with rests between them: SQLite only (see `batchSize`). */
  private readonly paced: boolean;
  private readonly intervalMs: number;

  constructor(private readonly options: RollupFolderOptions) {
    // A PostgreSQL fold waits on round trips, not on this thread: sized by its time it shrank to a few
    // dozen surveys and fell seconds behind ingestion (bench:ingest, rollup lag p99 8.4 s).
    this.paced = options.batchSize === undefined && options.db.engine === "sqlite";
    this.sizer = new BatchSizer(
      options.batchSize ?? (this.paced ? FIRST_FOLD : DEFAULT_FOLD_BATCH),
      options.batchTargetMs ?? FOLD_TARGET_MS,
      50,
      Math.max(options.batchSize ?? 0, DEFAULT_FOLD_BATCH),
    );
    this.intervalMs = options.intervalMs ?? 500;
  }

  start(): void {
    if (this.timer || this.stopped) return;
    const tick = () => {
      this.running = this.foldAll()
        .then(() => undefined)
        .catch((error: unknown) => this.options.logger?.warn({ err: error }, "rollup fold failed; retrying"))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.timer = setTimeout(tick, this.intervalMs).unref();
        });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  /** Fold every pending project until caught up; resolves with the surveys folded. */
  async foldAll(): Promise<number> {
    let total = 0;
    const { db, hints } = this.options;
    for (const w of await db.all<{ project_id: string; seq: number }>(
      "SELECT project_id, seq FROM rollup_watermarks",
    ))
      hints?.note(String(w.project_id), Number(w.seq));
    const projects = await db.all<{ id: string }>(PENDING_PROJECTS);
    for (const { id } of projects) {
      for (;;) {
        if (this.stopped) return total;
        const batchSize = this.sizer.size;
        const started = performance.now();
        const { folded, busy, watermark } = await foldProject(db, id, { batchSize });
        const took = performance.now() - started;
        if (this.paced) this.sizer.took(took, folded);
        if (watermark !== undefined) hints?.note(id, watermark);
        total += folded;
        if (busy || folded < batchSize) break;
        // A timer, not a resolved promise: an SQLite fold returns without yielding to I/O.
        if (this.paced) await sleep(Math.max(1, took));
      }
    }
    return total;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
