import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import {
  GuardFailed,
  type Migration,
  type RunSql,
  SQLITE_DIALECT,
  type SqliteDatabase,
  type SqlParam,
  type SqlRow,
  type SqlWrite,
} from "../database.js";
import { IngestActivity, PacedReads } from "../paced-reads.js";
import { dimensionValue, foldCase } from "../sql-functions.js";
import { AnalyticsReader } from "./analytics-reader.js";
import { WalSync } from "./wal-sync.js";

/** How often the WAL is copied back into the database file, off the commit path (see the class comment). */
const CHECKPOINT_INTERVAL_MS = 500;
/**
 * A checkpoint also runs inside a commit once the WAL holds this many pages (64 MiB at 4 KiB pages): only
 * a cap for when the timer cannot keep up, so the WAL stays bounded whatever the load.
 */
const WAL_AUTOCHECKPOINT_PAGES = 16384;
/**
 * While the reader's thread does the periodic checkpoints, a commit finishes one once the WAL holds this
 * many pages (8 MiB at 4 KiB pages); see the class comment.
 */
const WAL_FINISH_PAGES = 2048;
/** Prepared statements kept per connection; beyond it the cache starts over (ad-hoc SQL is rare). */
const STATEMENT_CACHE = 500;

export interface SqliteOptions {
  /**
   * Period of the background PASSIVE checkpoint in ms (default 500). 0 turns it off and leaves every
   * checkpoint to SQLite's own trigger inside a commit, at its default of 1000 WAL pages.
   */
  checkpointIntervalMs?: number;
  /** Most share of the reader thread's time analytics may use while surveys arrive; see PacedReads. */
  analyticsShare?: number;
}

/**
 * The embedded engine: one SQLite file in the data directory, in WAL mode. A write is acknowledged only
 * once its WAL frames are fsynced, and the fsync runs off the event loop ({@link WalSync}: the connection
 * is `synchronous=NORMAL`, and every write method here, `transaction()` and the survey and event commits
 * await {@link SqliteEngine.durable}). Several processes may open the same file (WAL allows many readers
 * and one writer at a time; writers wait up to `busy_timeout`).
 *
 * Checkpoints (copying committed WAL pages back into the database file, with its own fsync) run on a timer
 * every {@link CHECKPOINT_INTERVAL_MS} ms rather than inside a commit every 1000 WAL pages, SQLite's default.
 * Each survey dirties a random page of three indexes, so a commit writes ~100 pages to the WAL; checkpointing
 * half a second of commits at once writes each index page back once instead of once per few commits.
 * Measured (docs/benchmarks.md): 10–25 µs less server CPU per survey, and commits no longer carry a
 * 5–10 ms checkpoint every few times. The checkpoint runs on the analytics reader's thread while it runs
 * (see AnalyticsReader), else on this thread between commits.
 *
 * On the reader's thread a checkpoint copies frames while commits go on, so it never leaves every frame
 * copied when a commit begins, which is when SQLite starts the WAL over: the WAL grew to its 64 MiB cap,
 * where the checkpoint inside a commit held up the event loop for 30–130 ms every few seconds
 * (bench:lifecycle at 2M surveys during a sweep, which starts the reader). So while the reader checkpoints,
 * a commit finishes the job once the WAL passes {@link WAL_FINISH_PAGES}: it copies what the reader has not
 * yet, and being the writer it leaves every frame copied, so the next commit starts the WAL over. The WAL
 * then stayed near 10 MiB and ingestion p99 during that sweep fell from 75–120 ms to 41–49 ms.
 * Durability is unchanged: a commit is acknowledged once its WAL frames are fsynced, whenever they are
 * checkpointed.
 */
export class SqliteEngine implements SqliteDatabase {
  readonly engine = "sqlite" as const;
  readonly path: string;
  readonly connection: BetterSqlite3.Database;
  readonly read: RunSql;
  private readonly statements = new Map<string, BetterSqlite3.Statement>();
  private readonly checkpointTimer: NodeJS.Timeout | undefined;
  /** Dashboard reads run on a worker thread (see AnalyticsReader), off the thread that commits surveys. */
  private readonly reader: AnalyticsReader;
  private readonly activity = new IngestActivity();
  private readonly walSync: WalSync;

  constructor(dataDir: string, options: SqliteOptions = {}) {
    this.path = join(dataDir, "aftercall.sqlite");
    restrictFiles(dataDir, this.path);
    this.connection = new BetterSqlite3(this.path);
    this.connection.pragma("journal_mode = WAL");
    // SQLite gives the -wal and -shm files the database file's mode; set it again for stores whose
    // files were created by older versions (umask modes, often world-readable).
    for (const suffix of ["-wal", "-shm"])
      if (existsSync(this.path + suffix)) chmodSync(this.path + suffix, 0o600);
    // NORMAL: the commit writes its WAL frames without fsyncing them; durable() does, off the event loop.
    this.connection.pragma("synchronous = NORMAL");
    this.walSync = new WalSync(`${this.path}-wal`);
    this.connection.pragma("busy_timeout = 10000");
    this.connection.pragma("foreign_keys = ON");
    this.connection.function("aftercall_fold", { deterministic: true }, foldCase);
    this.connection.function("aftercall_dimension", { deterministic: true }, dimensionValue);
    this.reader = new AnalyticsReader(this.path);
    const reads = new PacedReads((batch) => this.reader.execute(batch), {
      share: options.analyticsShare,
      ingesting: this.activity.ingesting,
    });
    this.read = (fragment) => reads.run(fragment);
    const interval = options.checkpointIntervalMs ?? CHECKPOINT_INTERVAL_MS;
    if (interval > 0) {
      this.connection.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
      // unref: the timer never keeps a process alive; close() stops it.
      this.checkpointTimer = setInterval(() => {
        const onReader = this.reader.checkpoint();
        if (!onReader) this.checkpoint("PASSIVE");
        this.finishCheckpointsOnCommit(onReader);
      }, interval).unref();
    }
  }

  prepare(sql: string): BetterSqlite3.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      if (this.statements.size >= STATEMENT_CACHE) this.statements.clear();
      statement = this.connection.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  async all<T = SqlRow>(sql: string, params: readonly SqlParam[] = []): Promise<T[]> {
    const statement = this.prepare(sql);
    // A write with RETURNING also answers rows; a statement without result columns answers none.
    let rows: T[] = [];
    if (statement.reader) rows = statement.all(...params) as T[];
    else statement.run(...params);
    if (!statement.readonly) await this.durable();
    return rows;
  }

  async run(sql: string, params: readonly SqlParam[] = []): Promise<number> {
    const statement = this.prepare(sql);
    const { changes } = statement.run(...params);
    if (!statement.readonly) await this.durable();
    return changes;
  }

  private finishingOnCommit = false;

  /** Whether commits finish checkpoints early (see the class comment): while the reader does them. */
  private finishCheckpointsOnCommit(readerCheckpoints: boolean): void {
    if (readerCheckpoints === this.finishingOnCommit || !this.connection.open) return;
    this.finishingOnCommit = readerCheckpoints;
    this.connection.pragma(
      `wal_autocheckpoint = ${readerCheckpoints ? WAL_FINISH_PAGES : WAL_AUTOCHECKPOINT_PAGES}`,
    );
  }

  durable(): Promise<void> {
    return this.walSync.sync();
  }

  async atomically(writes: readonly SqlWrite[]): Promise<void> {
    const batch = this.connection.transaction(() => {
      writes.forEach((write, index) => {
        const changes = this.prepare(write.sql).run(...write.params).changes;
        if (write.expectChanges !== undefined && changes !== write.expectChanges)
          throw new GuardFailed(index);
      });
    });
    // IMMEDIATE takes the write lock up front: another process cannot write between our statements.
    batch.immediate();
    await this.durable();
  }

  noteCommit(): void {
    this.activity.noteCommit();
  }

  async migrate(migrations: readonly Migration[]): Promise<void> {
    const db = this.connection;
    const apply = db.transaction(() => {
      db.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
      );
      const applied = new Set(
        (db.prepare("SELECT version FROM schema_migrations").all() as Array<{ version: number }>).map(
          (r) => r.version,
        ),
      );
      for (const migration of migrations) {
        if (applied.has(migration.version)) continue;
        for (const statement of migration.statements(SQLITE_DIALECT)) db.exec(statement);
        db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(
          migration.version,
          migration.name,
          Date.now(),
        );
      }
    });
    apply.immediate();
    this.statements.clear();
    await this.durable();
  }

  async ping(): Promise<void> {
    this.prepare("SELECT 1").get();
  }

  async close(): Promise<void> {
    clearInterval(this.checkpointTimer);
    await this.reader.close();
    await this.walSync.close();
    if (!this.connection.open) return;
    // Leave an empty WAL behind (SQLite would also checkpoint when the last connection closes, but not
    // while another process has the database open). Waits at most a second for other connections.
    this.connection.pragma("busy_timeout = 1000");
    this.checkpoint("TRUNCATE");
    this.connection.close();
  }

  /**
   * Copy committed WAL frames into the database file. PASSIVE never waits for other connections; frames
   * it cannot copy now are copied by a later run. A failed checkpoint loses nothing (the frames stay in the
   * WAL, which SQLite syncs before it checkpoints), so errors are left to the next run and to commits,
   * which report their own.
   */
  private checkpoint(mode: "PASSIVE" | "TRUNCATE"): void {
    try {
      if (this.connection.open) this.connection.pragma(`wal_checkpoint(${mode})`);
    } catch {
      // see above
    }
  }
}

/**
 * The data directory readable by its owner only (0700) and the database file 0600, created so before
 * SQLite opens it: the store holds survey free text and sealed destination secrets.
 */
function restrictFiles(dataDir: string, path: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  if (!existsSync(path)) closeSync(openSync(path, "a", 0o600));
  chmodSync(path, 0o600);
}
