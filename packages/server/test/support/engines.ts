import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { Store } from "../../src/store/store.js";
import { createSchema, type PostgresServer, postgresSkip, startPostgres } from "./postgres.js";

/** Opens a fresh, migrated, empty store; `cleanup` closes it and removes what it created. */
export type MakeStore = () => Promise<{ store: Store; cleanup(): Promise<void> }>;

/**
 * Declare `suite` once per engine: SQLite in a temp directory, and PostgreSQL in a fresh schema of a
 * throwaway server per store. The PostgreSQL half skips locally (with its reason) when the server
 * binaries are missing, and fails in CI, where it may never be skipped.
 */
export function onEveryEngine(slug: string, suite: (engine: string, makeStore: MakeStore) => void): void {
  suite("SqliteStore", async () => {
    const dir = await mkdtemp(join(tmpdir(), `aftercall-${slug}-`));
    const store = new SqliteStore(dir);
    return {
      store,
      async cleanup() {
        await store.close();
        await rm(dir, { recursive: true, force: true });
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
      const store = new PostgresStore(await createSchema(server.url, `${slug}_${++schemas}`), { max: 2 });
      await store.migrate();
      return { store, cleanup: () => store.close() };
    });
  });
}
