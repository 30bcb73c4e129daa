import type { SqlFragment } from "../store/database.js";
import { BAND_ROLLUP_TABLES } from "./band-rollup-schema.js";
import { DIMENSION_ROLLUP_TABLES } from "./dimension-rollup-schema.js";
import { RATING_ROLLUP_TABLES, type RollupTableSpec } from "./rollup-schema.js";

/**
 * The rollup tables as the folder writes them and the queries read them. Rollups hold the surveys up to
 * each project's watermark (`rollup_watermarks.seq`, a position in the outbox); the surveys committed
 * after it are rolled up on the fly from raw rows (the "tail"), so every answer is exact and every
 * acknowledged survey counts at once — the way TimescaleDB's real-time continuous aggregates add recent
 * raw data to the materialised part.
 *
 * @module
 */

export type Engine = "sqlite" | "postgres";

/** Every rollup table: ratings and tags (four grains each), dimensions, bands and band tags (two each). */
export const ROLLUP_TABLES: readonly RollupTableSpec[] = [
  ...RATING_ROLLUP_TABLES,
  ...DIMENSION_ROLLUP_TABLES,
  ...BAND_ROLLUP_TABLES,
];

function spec(name: string): RollupTableSpec {
  const table = ROLLUP_TABLES.find((t) => t.name === name);
  if (!table) throw new RangeError(`Unknown rollup table ${name}`);
  return table;
}

/** Slot bounds of a read: `[fromSlot, toSlot)` of the table's `slot`, open where undefined. */
export interface SlotRange {
  fromSlot?: number;
  toSlot?: number;
}

const tailRowsSql = new Map<string, string>();
/** A rollup table's rows generated from the relation `tail`: the same text for every read, built once. */
function rowsOfTail(table: RollupTableSpec, engine: Engine): string {
  const key = `${table.name}/${engine}`;
  let sql = tailRowsSql.get(key);
  if (sql === undefined) {
    sql = table.rows("tail", engine);
    tailRowsSql.set(key, sql);
  }
  return sql;
}

/** A statement over one relation: the caller's SELECT, with `from` in its FROM clause. */
export type RelationSelect = (from: SqlFragment) => SqlFragment;

/**
 * `select` over a rollup table as queries read it: the project's folded rows plus its surveys past the
 * watermark (the tail), aggregated into the same columns. One statement, so on either engine the rollup
 * rows and the watermark come from one snapshot: a fold committing meanwhile can neither count a survey
 * twice nor drop it.
 *
 * `select` runs twice in that statement, joined by UNION ALL: once over the folded rows (the table), once
 * over the tail. Its WHERE must hold the terms of `rollupFilter` (rollup-split.ts) for the project and
 * `range`; it must aggregate with sums and group, and its caller must add up rows of the same group (the
 * folds do: they already add up the rows of several parts and edges). Aggregating the union of both
 * instead passes every folded row through a subquery SQLite cannot flatten (measured at 1M surveys:
 * 20–30 % slower for a month of slots).
 *
 * `lowerBound` is any position at or below the watermark (the last one this server saw): it changes no
 * answer, but tells the planner how few outbox entries the tail reads.
 */
export function rollupStatement(
  engine: Engine,
  name: string,
  projectId: string,
  range: SlotRange,
  lowerBound: number,
  select: RelationSelect,
): SqlFragment {
  const t = spec(name);
  const bounds: string[] = [];
  const boundParams: number[] = [];
  if (range.fromSlot !== undefined) {
    bounds.push("AND s.received_at >= ?");
    boundParams.push(range.fromSlot);
  }
  if (range.toSlot !== undefined) {
    bounds.push("AND s.received_at < ?");
    boundParams.push(range.toSlot);
  }
  const pastWatermark = `l.project_id = ? AND l.category = 'CallSurvey' AND l.seq > ?
  AND l.seq > COALESCE((SELECT w.seq FROM rollup_watermarks w WHERE w.project_id = ?), 0)`;
  const pastParams = [projectId, lowerBound, projectId];
  const tail = `SELECT s.* FROM delivery_log l CROSS JOIN surveys s
WHERE ${pastWatermark}
  AND s.project_id = l.project_id AND s.id = l.item_id ${bounds.join(" ")}`;
  const columns = [...t.key, "n"].join(", ");
  // The table itself: a subquery repeating the caller's project and slot terms is flattened, but leaves
  // them to be tested twice on every row (20 % slower at 1M surveys).
  const folded = select({ sql: t.name, params: [] });
  // The empty branch names the tail's columns. Setting up the tail's aggregation costs about as much as
  // reading a few hundred rollup rows, even when there is no tail; the uncorrelated EXISTS is evaluated
  // once, first, on both engines, and skips it when the folder has caught up.
  const tailRows = select({
    sql: `(SELECT ${columns} FROM ${t.name} WHERE 1 = 0
UNION ALL SELECT * FROM (WITH tail AS MATERIALIZED (${tail}) ${rowsOfTail(t, engine)}) t
WHERE EXISTS (SELECT 1 FROM delivery_log l WHERE ${pastWatermark}))`,
    params: [...pastParams, ...boundParams, ...pastParams],
  });
  return {
    sql: `${folded.sql} UNION ALL ${tailRows.sql}`,
    params: [...folded.params, ...tailRows.params],
  };
}
