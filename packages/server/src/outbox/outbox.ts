import type { Database, SqliteDatabase } from "../store/database.js";
import { change, type Step } from "../store/transaction.js";

/**
 * The outbox: `delivery_log`, one entry per committed survey or lifecycle event, appended by the commit
 * itself in the same transaction (so an entry exists exactly when its item is committed), read in
 * position order by the delivery engine (each destination's cursor) and the rollup folder (its
 * watermark).
 *
 * **Positions.** On SQLite there is one writer at a time, so `seq` (AUTOINCREMENT) is commit order. On
 * PostgreSQL a sequence hands out values in call order, not commit order: a reader could pass 11 while
 * 10 is still uncommitted and never see 10. Instead of a lock that makes every commit wait for the one
 * before (what migration 3 did), an entry's position is its transaction's id times
 * {@link LOG_TX_STRIDE} plus its index in the transaction's single append, and readers read only below
 * the **horizon**: the oldest transaction still in progress (`pg_snapshot_xmin`) times the stride. Every
 * transaction below it has finished — committed and visible, or rolled back and gone — so nothing can
 * later appear below a position a reader has passed. Commits never wait for each other; a reader waits
 * at most for the slowest transaction in flight. A transaction appends at most once (its positions
 * would collide on the primary key otherwise, failing the commit, never silently).
 *
 * @module
 */

/** Entries one transaction may append; a group commit holds at most 2,000 surveys, a request 500. */
export const LOG_TX_STRIDE = 65_536;

/**
 * The record an erasure leaves in the outbox, so destinations that received the erased surveys or
 * events learn their ids (`lifecycle/erasure.ts`).
 */
export const TOMBSTONE_CATEGORY = "CallSurveyDeleted";

export type LogCategoryName =
  | "CallSurvey"
  | "CallSurveyEvent"
  | typeof TOMBSTONE_CATEGORY
  | "CallSurveyAlert";

/** No horizon: every committed entry may be read (SQLite, whose writers commit in order). */
const NO_HORIZON = Number.MAX_SAFE_INTEGER;

/**
 * The position below which every entry is final (committed or never will be). Compute it in a statement
 * before the read that uses it: a later statement's snapshot then sees every transaction below it.
 */
export async function logHorizon(db: Database): Promise<number> {
  if (db.engine === "sqlite") return NO_HORIZON;
  const [row] = await db.all<{ xmin: string | number }>(POSTGRES_HORIZON_SQL);
  return positionBelow(Number(row?.xmin));
}

/** PostgreSQL: the oldest transaction id still in progress, as `xmin`. */
export const POSTGRES_HORIZON_SQL = "SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin";

/** The first position a transaction `xid` (or a later one) can write: the horizon of that transaction id. */
export const positionBelow = (xid: number): number => xid * LOG_TX_STRIDE;

/**
 * PostgreSQL: append the rows of `source` (a relation with `project_id`, `id`, `received_at`, e.g. a
 * data-modifying CTE's RETURNING) to the log, positioned by the current transaction's id. Meant to be a
 * CTE of the statement that inserts the items, so a commit is one round trip.
 */
export function postgresAppendSql(source: string, category: LogCategoryName): string {
  return `INSERT INTO delivery_log (seq, project_id, category, item_id, received_at)
SELECT pg_current_xact_id()::text::bigint * ${LOG_TX_STRIDE} + row_number() OVER (ORDER BY project_id, id) - 1,
  project_id, '${category}', id, received_at FROM ${source}`;
}

/** SQLite: the statement appending one entry; run inside the transaction that inserted the item. */
export function sqliteAppend(db: SqliteDatabase) {
  const statement = db.prepare(
    "INSERT INTO delivery_log (project_id, category, item_id, received_at) VALUES (?, ?, ?, ?)",
  );
  return (projectId: string, category: LogCategoryName, itemId: string, receivedAtMs: number) =>
    statement.run(projectId, category, itemId, receivedAtMs);
}

/** Inside a transaction (see `store/transaction.ts`): append one entry, the transaction's only append. */
export function* appendOne(
  engine: Database["engine"],
  projectId: string,
  category: LogCategoryName,
  itemId: string,
  receivedAtMs: number,
): Generator<Step, void, unknown> {
  const seq = engine === "sqlite" ? "NULL" : `pg_current_xact_id()::text::bigint * ${LOG_TX_STRIDE}`;
  yield* change(
    `INSERT INTO delivery_log (seq, project_id, category, item_id, received_at) VALUES (${seq}, ?, ?, ?, ?)`,
    [projectId, category, itemId, receivedAtMs],
  );
}
