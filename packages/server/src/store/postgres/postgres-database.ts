import postgres from "postgres";
import {
  GuardFailed,
  type Migration,
  numberPlaceholders,
  POSTGRES_DIALECT,
  type PostgresDatabase,
  type PostgresSql,
  type RunSql,
  type SqlParam,
  type SqlRow,
  type SqlWrite,
} from "../database.js";
import { IngestActivity, PacedReads } from "../paced-reads.js";

/** Key of the transaction-scoped advisory lock that serialises migrations across servers (ASCII "aftercl"). */
const MIGRATION_LOCK = 0x6166746572636c;

/** Connections per server for dashboard reads; see `AFTERCALL_PG_READ_CONNECTIONS`. */
export const DEFAULT_READ_CONNECTIONS = 1;

/**
 * `bigint` columns hold epoch milliseconds and counts, all far below 2^53, so they are parsed to numbers
 * (the driver's default is strings) and rows look the same as SQLite's.
 */
const types = {
  bigint: {
    to: 20,
    from: [20],
    serialize: (value: number | string) => String(value),
    parse: (raw: string) => Number(raw),
  },
};

export interface PostgresOptions {
  /** Connections for commits and everything but dashboard reads; default 10. */
  max?: number;
  /** Connections for dashboard reads; default {@link DEFAULT_READ_CONNECTIONS}. */
  readConnections?: number;
  /** Most share of the read pool's time analytics may use while surveys arrive; see PacedReads. */
  analyticsShare?: number;
}

/**
 * The scale-out engine: any number of servers share one PostgreSQL database. Commits use the server's
 * `synchronous_commit` (on by default), so they are durable when acknowledged.
 *
 * Dashboard reads have their own small pool, so however many dashboards are open they never hold the
 * connections commits need, and never run more than `readConnections` statements at once on the
 * database's cores (one by default, like SQLite's single analytics worker: with two, dashboard use
 * tripled the ingestion p99 on a 2-core machine).
 */
export class PostgresEngine implements PostgresDatabase {
  readonly engine = "postgres" as const;
  readonly sql: PostgresSql;
  readonly read: RunSql;
  private readonly reads: PostgresSql;
  private readonly activity = new IngestActivity();

  constructor(url: string, options: PostgresOptions = {}) {
    const name = process.env.PGAPPNAME ?? "aftercall";
    const connect = (max: number, applicationName: string) =>
      postgres(url, { max, onnotice: () => {}, types, connection: { application_name: applicationName } });
    this.sql = connect(options.max ?? 10, name);
    const readConnections = options.readConnections ?? DEFAULT_READ_CONNECTIONS;
    this.reads = connect(readConnections, `${name}-reads`);
    const paced = new PacedReads(
      (batch) =>
        Promise.allSettled(
          batch.map(
            (f) =>
              this.reads.unsafe(numberPlaceholders(f.sql), f.params as never[], {
                prepare: true,
              }) as Promise<unknown[]>,
          ),
        ),
      { share: options.analyticsShare, ingesting: this.activity.ingesting, concurrency: readConnections },
    );
    this.read = (fragment) => paced.run(fragment);
  }

  async all<T = SqlRow>(sql: string, params: readonly SqlParam[] = []): Promise<T[]> {
    return (await this.sql.unsafe(numberPlaceholders(sql), params as never[])) as unknown as T[];
  }

  async run(sql: string, params: readonly SqlParam[] = []): Promise<number> {
    return (await this.sql.unsafe(numberPlaceholders(sql), params as never[])).count;
  }

  async atomically(writes: readonly SqlWrite[]): Promise<void> {
    await this.sql.begin(async (tx) => {
      for (const [index, write] of writes.entries()) {
        const result = await tx.unsafe(numberPlaceholders(write.sql), write.params as never[]);
        if (write.expectChanges !== undefined && result.count !== write.expectChanges)
          throw new GuardFailed(index);
      }
    });
  }

  noteCommit(): void {
    this.activity.noteCommit();
  }

  async migrate(migrations: readonly Migration[]): Promise<void> {
    await this.sql.begin(async (tx) => {
      // Held until commit: a second server starting at the same time waits here, then finds nothing to do.
      await tx.unsafe(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
      await tx.unsafe(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)",
      );
      const rows = await tx<Array<{ version: number }>>`SELECT version FROM schema_migrations`;
      const applied = new Set(rows.map((r) => Number(r.version)));
      for (const migration of migrations) {
        if (applied.has(migration.version)) continue;
        for (const statement of migration.statements(POSTGRES_DIALECT)) await tx.unsafe(statement);
        await tx`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${migration.version}, ${migration.name}, ${Date.now()})`;
      }
    });
  }

  async ping(): Promise<void> {
    await this.sql`SELECT 1`;
  }

  async close(): Promise<void> {
    await Promise.all([this.sql.end({ timeout: 5 }), this.reads.end({ timeout: 5 })]);
  }
}

/** The SQLSTATE of a PostgreSQL error, or "" for anything else. */
export function sqlState(error: unknown): string {
  return error instanceof postgres.PostgresError ? error.code : "";
}
