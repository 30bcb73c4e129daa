import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import BetterSqlite3 from "better-sqlite3";
import postgres from "postgres";
import { MIGRATIONS } from "../../src/migrations.js";
import type { Database } from "../../src/store/database.js";
import type { StoreLocation } from "../../src/store/open-database.js";
import { PostgresEngine } from "../../src/store/postgres/postgres-database.js";
import { SqliteEngine } from "../../src/store/sqlite/sqlite-database.js";
import { createSchema, type PostgresServer, postgresSkip, startPostgres } from "./postgres.js";

/**
 * Opens a fresh, migrated, empty database; `cleanup` closes it (and its twins) and removes what it
 * created. `twin` opens a second connection to the same database (another server, say); `exec` runs
 * statements directly on the database (e.g. to undo a migration).
 */
export type MakeDatabase = (options?: {
  /** Apply the migrations up to this version only (to store data "before" a later migration). */
  upTo?: number;
}) => Promise<{
  db: Database;
  /** Where the database is, to open it from another process. */
  location: StoreLocation;
  cleanup(): Promise<void>;
  twin(): Promise<Database>;
  exec(statements: readonly string[]): Promise<void>;
}>;

const migrationsUpTo = (version = Number.POSITIVE_INFINITY) => MIGRATIONS.filter((m) => m.version <= version);

/**
 * Declare `suite` once per engine: SQLite in a temp directory, and PostgreSQL in a fresh schema of a
 * throwaway server per database. The PostgreSQL half skips locally (with its reason) when the server
 * binaries are missing, and fails in CI, where it may never be skipped.
 */
export function onEveryEngine(
  slug: string,
  suite: (engine: string, makeDatabase: MakeDatabase) => void,
): void {
  suite("SQLite", async (options = {}) => {
    const dir = await mkdtemp(join(tmpdir(), `aftercall-${slug}-`));
    const db = new SqliteEngine(dir);
    await db.migrate(migrationsUpTo(options.upTo));
    const twins: Database[] = [];
    return {
      db,
      location: { engine: "sqlite", dataDir: dir },
      async cleanup() {
        for (const twin of twins) await twin.close();
        await db.close();
        await rm(dir, { recursive: true, force: true });
      },
      async twin() {
        const twin = new SqliteEngine(dir);
        twins.push(twin);
        return twin;
      },
      async exec(statements) {
        const raw = new BetterSqlite3(db.path);
        try {
          for (const statement of statements) raw.exec(statement);
        } finally {
          raw.close();
        }
      },
    };
  });

  const skip = postgresSkip();
  describe(`PostgreSQL ${slug}`, () => {
    if (skip) {
      it(`${slug} on PostgreSQL`, { skip }, () => {});
      return;
    }
    let server: PostgresServer | undefined;
    let schemas = 0;
    before(async () => {
      server = await startPostgres();
    });
    after(async () => {
      await server?.stop();
    });
    suite("PostgreSQL", async (options = {}) => {
      assert.ok(server, "server not started");
      const url = await createSchema(server.url, `${slug}_${++schemas}`);
      const db = new PostgresEngine(url, { max: 2 });
      await db.migrate(migrationsUpTo(options.upTo));
      const twins: Database[] = [];
      return {
        db,
        location: { engine: "postgres", url },
        async cleanup() {
          for (const twin of twins) await twin.close();
          await db.close();
        },
        async twin() {
          const twin = new PostgresEngine(url, { max: 2 });
          twins.push(twin);
          return twin;
        },
        async exec(statements) {
          const sql = postgres(url, { max: 1, onnotice: () => {} });
          try {
            for (const statement of statements) await sql.unsafe(statement);
          } finally {
            await sql.end({ timeout: 5 });
          }
        },
      };
    });
  });
}
