import { type Database, numberPlaceholders, type SqlParam } from "./database.js";

/**
 * Read-and-write transactions written once for both engines.
 *
 * better-sqlite3 runs a transaction synchronously, while postgres.js needs an `await` per statement: an
 * `async` function cannot be both, and an SQLite transaction held open across `await`s would let other
 * code of this process run its statements inside it. So a transaction's logic is a generator that
 * *yields* each statement and receives its result: {@link transaction} drives it synchronously inside
 * one `BEGIN IMMEDIATE` on SQLite and statement by statement inside `BEGIN … COMMIT` on PostgreSQL.
 * Either way the whole body commits or nothing does.
 *
 * @example
 * const moved = await transaction(db, function* () {
 *   const [row] = yield* rows<{ n: number }>("SELECT count(*) AS n FROM surveys WHERE project_id = ?", [id]);
 *   return yield* change("DELETE FROM surveys WHERE project_id = ?", [id]);
 * });
 *
 * @module
 */

/** A parameter: a value, or an array (PostgreSQL `= ANY(?)`; SQLite takes arrays as JSON text). */
export type StepParam = SqlParam | readonly (string | number)[];

/** One statement of a transaction and what its result should be. */
export interface Step {
  sql: string;
  params: readonly StepParam[];
  /** `rows`: objects; `values`: arrays in column order; `changes`: the number of rows written. */
  result: "rows" | "values" | "changes";
  /** The SQL already uses `$1…` placeholders (PostgreSQL only). */
  numbered?: boolean;
}

/** A transaction's body: yields statements, receives their results, returns the transaction's result. */
export type TransactionBody<R> = Generator<Step, R, unknown>;

/** Rows of a query, as objects. */
export function* rows<T>(sql: string, params: readonly StepParam[] = []): Generator<Step, T[], unknown> {
  return (yield { sql, params, result: "rows" }) as T[];
}

/** Rows of a query, as arrays in column order. */
export function* values(
  sql: string,
  params: readonly StepParam[] = [],
): Generator<Step, unknown[][], unknown> {
  return (yield { sql, params, result: "values" }) as unknown[][];
}

/** Run a write; its result is the number of rows it changed. */
export function* change(sql: string, params: readonly StepParam[] = []): Generator<Step, number, unknown> {
  return (yield { sql, params, result: "changes" }) as number;
}

/** Options of {@link transaction}. */
export interface TransactionOptions {
  /** Called after each statement; crash tests kill the process here to show the body is all or nothing. */
  afterStep?(index: number): void;
}

const sqliteParam = (p: StepParam) => (Array.isArray(p) ? JSON.stringify(p) : p);

/** Run `body` as one transaction on `db` (see the module's description). */
export async function transaction<R>(
  db: Database,
  body: () => TransactionBody<R>,
  options: TransactionOptions = {},
): Promise<R> {
  if (db.engine === "sqlite") {
    const run = db.connection.transaction((): R => {
      const steps = body();
      let next = steps.next();
      for (let i = 0; !next.done; i++) {
        const { sql, params, result } = next.value;
        const statement = db.prepare(sql);
        const args = params.map(sqliteParam);
        const out =
          result === "rows"
            ? statement.all(...args)
            : result === "values"
              ? statement.raw(true).all(...args)
              : statement.run(...args).changes;
        options.afterStep?.(i);
        next = steps.next(out);
      }
      return next.value;
    });
    const result = run.immediate();
    await db.durable();
    return result;
  }
  return db.sql.begin(async (tx) => {
    const steps = body();
    let next = steps.next();
    for (let i = 0; !next.done; i++) {
      const { sql, params, result, numbered } = next.value;
      const query = tx.unsafe(numbered ? sql : numberPlaceholders(sql), params as never[]);
      const out =
        result === "rows" ? await query : result === "values" ? await query.values() : (await query).count;
      options.afterStep?.(i);
      next = steps.next(out);
    }
    return next.value;
  }) as Promise<R>;
}

/**
 * `column IN <array parameter>` in the engine's dialect: SQLite reads the array as JSON text (see
 * {@link StepParam}), PostgreSQL as an array of `type`.
 */
export function inArray(engine: Database["engine"], type: "text" | "bigint" = "text"): string {
  return engine === "sqlite" ? "IN (SELECT value FROM json_each(?))" : `= ANY(?::${type}[])`;
}
