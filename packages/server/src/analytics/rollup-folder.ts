import type { Logger } from "pino";
import { POSTGRES_HORIZON_SQL, positionBelow } from "../outbox/outbox.js";
import {
  type Database,
  numberPlaceholders,
  type PostgresDatabase,
  type SqliteDatabase,
} from "../store/database.js";
import type { WatermarkHints } from "./analytics-reads.js";
import { foldStatements } from "./rollup-tables.js";

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

/** The next batch: how many surveys lie after `from` (at most `limit`, below the horizon), and the last. */
const NEXT_BATCH = `SELECT max(seq) AS seq, count(*) AS n FROM (SELECT seq FROM delivery_log
WHERE project_id = ? AND category = 'CallSurvey' AND seq > ? AND seq < ? ORDER BY seq LIMIT ?) b`;

const SET_WATERMARK =
  "INSERT INTO rollup_watermarks (project_id, seq, folded_at) VALUES (?, ?, ?) ON CONFLICT (project_id) DO UPDATE SET seq = excluded.seq, folded_at = excluded.folded_at";

/** Fold the next batch (at most `batchSize` surveys) of one project, in one transaction. */
export async function foldProject(
  db: Database,
  projectId: string,
  batchSize = DEFAULT_FOLD_BATCH,
): Promise<FoldResult> {
  return db.engine === "sqlite"
    ? foldSqlite(db, projectId, batchSize)
    : foldPostgres(db, projectId, batchSize);
}

function foldSqlite(db: SqliteDatabase, projectId: string, batchSize: number): FoldResult {
  const fold = db.connection.transaction((): FoldResult => {
    const watermark = db.prepare("SELECT seq FROM rollup_watermarks WHERE project_id = ?").get(projectId) as
      | { seq: number }
      | undefined;
    const from = watermark?.seq ?? 0;
    // One writer at a time: every committed entry is final, no horizon needed.
    const next = db.prepare(NEXT_BATCH).get(projectId, from, Number.MAX_SAFE_INTEGER, batchSize) as {
      seq: number | null;
      n: number;
    };
    if (next.seq === null) return { folded: 0, busy: false };
    for (const s of foldStatements("sqlite", projectId, from, next.seq)) db.prepare(s.sql).run(...s.params);
    db.prepare(SET_WATERMARK).run(projectId, next.seq, Date.now());
    return { folded: next.n, busy: false, watermark: next.seq };
  });
  return fold.immediate();
}

async function foldPostgres(db: PostgresDatabase, projectId: string, batchSize: number): Promise<FoldResult> {
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
    const [next] = await tx.unsafe<Array<{ seq: number | null; n: number }>>(numberPlaceholders(NEXT_BATCH), [
      projectId,
      from,
      positionBelow(Number(h?.xmin)),
      batchSize,
    ]);
    if (next?.seq === null || next?.seq === undefined) return { folded: 0, busy: false };
    const end = Number(next.seq);
    for (const s of foldStatements("postgres", projectId, from, end))
      await tx.unsafe(numberPlaceholders(s.sql), s.params as never[]);
    await tx.unsafe(numberPlaceholders(SET_WATERMARK), [projectId, end, Date.now()]);
    return { folded: Number(next.n), busy: false, watermark: end };
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
  /** Surveys per fold transaction; default {@link DEFAULT_FOLD_BATCH}. */
  batchSize?: number;
  /** Pause between passes; default 200 ms (so a survey is folded well within a second). */
  intervalMs?: number;
}

/**
 * The folding loop of a server: every `intervalMs`, fold every project with pending surveys until it is
 * caught up (or another server holds it). Errors are logged and retried at the next pass: until then
 * queries read the unfolded surveys raw, so answers stay exact, only slower.
 */
export class RollupFolder {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly batchSize: number;
  private readonly intervalMs: number;

  constructor(private readonly options: RollupFolderOptions) {
    this.batchSize = options.batchSize ?? DEFAULT_FOLD_BATCH;
    this.intervalMs = options.intervalMs ?? 200;
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
        const { folded, busy, watermark } = await foldProject(db, id, this.batchSize);
        if (watermark !== undefined) hints?.note(id, watermark);
        total += folded;
        if (busy || folded < this.batchSize) break;
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
