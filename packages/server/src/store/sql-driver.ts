import type Database from "better-sqlite3";
import type postgres from "postgres";
import { numberPlaceholders } from "./list-query.js";

export type SqlParam = string | number | null;
export type SqlRow = Record<string, unknown>;

/** A write of an atomic batch; when its change count differs from `expectChanges`, the batch rolls back. */
export interface SqlWrite {
  sql: string;
  params: SqlParam[];
  expectChanges?: number;
}

/** Thrown (and caught by the caller) when a guarded write of a batch changed an unexpected number of rows. */
export class GuardFailed extends Error {
  constructor(readonly index: number) {
    super(`Guarded write ${index} of the batch did not apply`);
    this.name = "GuardFailed";
  }
}

/**
 * The little SQL both engines share for delivery bookkeeping: `?` placeholders, plain reads, and atomic
 * batches of writes. Batches hold no reads, so SQLite can run them synchronously inside one transaction
 * (no other code of this process can slip its statements into it) and PostgreSQL inside `BEGIN … COMMIT`.
 */
export interface SqlDriver {
  all(sql: string, params?: SqlParam[]): Promise<SqlRow[]>;
  run(sql: string, params?: SqlParam[]): Promise<number>;
  atomically(writes: readonly SqlWrite[]): Promise<void>;
}

export function sqliteDriver(db: Database.Database): SqlDriver {
  const cache = new Map<string, Database.Statement>();
  const prepare = (sql: string) => {
    let statement = cache.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  };
  return {
    async all(sql, params = []) {
      return prepare(sql).all(...params) as SqlRow[];
    },
    async run(sql, params = []) {
      return prepare(sql).run(...params).changes;
    },
    async atomically(writes) {
      const batch = db.transaction(() => {
        writes.forEach((write, index) => {
          const changes = prepare(write.sql).run(...write.params).changes;
          if (write.expectChanges !== undefined && changes !== write.expectChanges)
            throw new GuardFailed(index);
        });
      });
      batch.immediate();
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: the driver's generic type parameter is irrelevant here
type AnySql = postgres.Sql<any>;

export function postgresDriver(sql: AnySql): SqlDriver {
  return {
    async all(text, params = []) {
      return (await sql.unsafe(numberPlaceholders(text), params as never[])) as unknown as SqlRow[];
    },
    async run(text, params = []) {
      const result = await sql.unsafe(numberPlaceholders(text), params as never[]);
      return result.count;
    },
    async atomically(writes) {
      await sql.begin(async (tx) => {
        for (const [index, write] of writes.entries()) {
          const result = await tx.unsafe(numberPlaceholders(write.sql), write.params as never[]);
          if (write.expectChanges !== undefined && result.count !== write.expectChanges)
            throw new GuardFailed(index);
        }
      });
    },
  };
}
