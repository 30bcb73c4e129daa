import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import postgres from "postgres";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import type { AnalyticsSource } from "../../src/store/rollup-query.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { Store } from "../../src/store/store.js";
import { createSchema, type PostgresServer, postgresSkip, startPostgres } from "./postgres.js";

/**
 * Opens a fresh, migrated, empty store; `cleanup` closes it (and its twins) and removes what it created.
 * `twin` opens a second store on the same database with other options (e.g. analytics from raw rows);
 * `exec` runs statements directly on the database (e.g. to undo a migration).
 */
export type MakeStore = () => Promise<{
  store: Store;
  cleanup(): Promise<void>;
  twin(options: { analytics: AnalyticsSource }): Promise<Store>;
  exec(statements: readonly string[]): Promise<void>;
}>;

/**
 * Declare `suite` once per engine: SQLite in a temp directory, and PostgreSQL in a fresh schema of a
 * throwaway server per store. The PostgreSQL half skips locally (with its reason) when the server
 * binaries are missing, and fails in CI, where it may never be skipped.
 */
export function onEveryEngine(slug: string, suite: (engine: string, makeStore: MakeStore) => void): void {
  suite("SqliteStore", async () => {
    const dir = await mkdtemp(join(tmpdir(), `aftercall-${slug}-`));
    const store = new SqliteStore(dir);
    const twins: Store[] = [];
    return {
      store,
      async cleanup() {
        for (const twin of twins) await twin.close();
        await store.close();
        await rm(dir, { recursive: true, force: true });
      },
      async twin(options) {
        const twin = new SqliteStore(dir, options);
        twins.push(twin);
        return twin;
      },
      async exec(statements) {
        const db = new Database(store.path);
        try {
          for (const statement of statements) db.exec(statement);
        } finally {
          db.close();
        }
      },
    };
  });

  const skip = postgresSkip();
  describe(`PostgresStore ${slug}`, () => {
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
    suite("PostgresStore", async () => {
      assert.ok(server, "server not started");
      const url = await createSchema(server.url, `${slug}_${++schemas}`);
      const store = new PostgresStore(url, { max: 2 });
      await store.migrate();
      const twins: Store[] = [];
      return {
        store,
        async cleanup() {
          for (const twin of twins) await twin.close();
          await store.close();
        },
        async twin(options) {
          const twin = new PostgresStore(url, { max: 2, ...options });
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
