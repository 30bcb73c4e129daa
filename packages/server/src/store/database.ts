import type BetterSqlite3 from "better-sqlite3";
import type postgres from "postgres";

/**
 * The storage core's one way to run SQL on either engine. Domain modules (projects, surveys, ingest,
 * analytics, delivery, events) write their statements once, with `?` placeholders, against
 * {@link Database}; the engine files (`sqlite/`, `postgres/`) are the only places that know a driver.
 * Where the engines truly differ (a commit's transaction, a migration's DDL), a domain module narrows
 * on `db.engine` and uses {@link SqliteDatabase} or {@link PostgresDatabase} directly.
 *
 * @module
 */

export type SqlParam = string | number | null;
export type SqlRow = Record<string, unknown>;

/** A statement or a WHERE clause with its parameters; `?` placeholders, numbered for PostgreSQL. */
export interface SqlFragment {
  sql: string;
  params: SqlParam[];
}

/** A write of an atomic batch; when its change count differs from `expectChanges`, the batch rolls back. */
export interface SqlWrite extends SqlFragment {
  expectChanges?: number;
}

/** Thrown (and caught by the caller) when a guarded write of a batch changed an unexpected number of rows. */
export class GuardFailed extends Error {
  constructor(readonly index: number) {
    super(`Guarded write ${index} of the batch did not apply`);
    this.name = "GuardFailed";
  }
}

/** Runs one statement on the store's reader (see {@link DatabaseBase.read}) and resolves with its rows. */
export type RunSql = <T>(fragment: SqlFragment) => Promise<T[]>;

/** Type names of a dialect, for DDL written once (see `Migration`). */
export interface Dialect {
  engine: "sqlite" | "postgres";
  int: string;
  bigint: string;
  text: string;
}

export const SQLITE_DIALECT: Dialect = { engine: "sqlite", int: "INTEGER", bigint: "INTEGER", text: "TEXT" };
export const POSTGRES_DIALECT: Dialect = {
  engine: "postgres",
  int: "integer",
  bigint: "bigint",
  text: "text",
};

/**
 * A versioned schema change. The list of them is the application's (`src/migrations.ts`); each
 * migration's statements come from the domain module that owns the tables. A migration is never edited
 * once released: add a new one.
 */
export interface Migration {
  version: number;
  name: string;
  /** Statements run in order inside one transaction, in the given dialect. */
  statements(dialect: Dialect): string[];
}

interface DatabaseBase {
  /** Rows of one statement on the primary connection (point reads, writes with RETURNING). */
  all<T = SqlRow>(sql: string, params?: readonly SqlParam[]): Promise<T[]>;
  /** One write statement; resolves with the number of rows it changed. */
  run(sql: string, params?: readonly SqlParam[]): Promise<number>;
  /**
   * Writes in one transaction, all or nothing. A batch holds no reads, so SQLite runs it synchronously
   * (no other statement of this process can slip into it) and PostgreSQL inside `BEGIN … COMMIT`.
   * @throws GuardFailed when a write's change count differs from its `expectChanges`.
   */
  atomically(writes: readonly SqlWrite[]): Promise<void>;
  /**
   * Dashboard reads (analytics, the survey list, export): SQLite's reader thread or PostgreSQL's read
   * pool, batched per tick and paced while surveys are committed (see `PacedReads`).
   */
  readonly read: RunSql;
  /** Tell the reader's pacing that surveys are being committed now. */
  noteCommit(): void;
  /** Apply the migrations not yet applied (safe from several processes at once). */
  migrate(migrations: readonly Migration[]): Promise<void>;
  /** Resolve when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The embedded engine; its driver is synchronous, so a transaction is a plain function. */
export interface SqliteDatabase extends DatabaseBase {
  readonly engine: "sqlite";
  /** The database file. */
  readonly path: string;
  /** The write connection (commits run on it synchronously, see `ingest/commit-sqlite.ts`). */
  readonly connection: BetterSqlite3.Database;
  /** A prepared statement of the write connection, cached by its text. */
  prepare(sql: string): BetterSqlite3.Statement;
  /**
   * Resolves once every transaction committed on the write connection before the call is on disk (the
   * commits themselves do not wait for the disk: see `sqlite/wal-sync.ts`). A write is acknowledged only
   * after it; the methods above await it themselves.
   */
  durable(): Promise<void>;
}

/** The scale-out engine. */
export interface PostgresDatabase extends DatabaseBase {
  readonly engine: "postgres";
  /** The pool that commits (and serves everything but dashboard reads). */
  readonly sql: PostgresSql;
}

/** `bigint` columns are parsed to numbers (epoch ms and counts, far below 2^53), so rows look like SQLite's. */
export type PostgresSql = postgres.Sql<{ bigint: number }>;

export type Database = SqliteDatabase | PostgresDatabase;

/** Convert `?` placeholders to PostgreSQL's `$1, $2, …`. Our SQL has no `?` inside literals. */
export function numberPlaceholders(sql: string, offset = 0): string {
  let n = offset;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** `?, ?, …` for `n` parameters. */
export const marks = (n: number): string => new Array(n).fill("?").join(", ");
