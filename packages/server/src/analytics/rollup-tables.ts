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

/**
 * A rollup table as queries read it: its rows of the project plus the project's surveys past the
 * watermark, aggregated into the same columns. One relation in one statement, so on either engine the
 * rollup rows and the watermark come from one snapshot: a fold committing meanwhile can neither count a
 * survey twice nor drop it.
 *
 * `lowerBound` is any position at or below the watermark (the last one this server saw): it changes no
 * answer, but tells the planner how few outbox entries the tail reads.
 */
export function rollupRelation(
  engine: Engine,
  name: string,
  projectId: string,
  range: SlotRange,
  lowerBound: number,
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
  const slotBounds = bounds.map((b) => b.replace("s.received_at", "slot")).join(" ");
  const tail = `SELECT s.* FROM delivery_log l CROSS JOIN surveys s
WHERE l.project_id = ? AND l.category = 'CallSurvey' AND l.seq > ?
  AND l.seq > COALESCE((SELECT w.seq FROM rollup_watermarks w WHERE w.project_id = ?), 0)
  AND s.project_id = l.project_id AND s.id = l.item_id ${bounds.join(" ")}`;
  const columns = [...t.key, "n"].join(", ");
  return {
    sql: `(SELECT ${columns} FROM ${t.name} WHERE project_id = ? ${slotBounds}
UNION ALL SELECT * FROM (WITH tail AS MATERIALIZED (${tail}) ${t.rows("tail", engine)}) t)`,
    params: [projectId, ...boundParams, projectId, lowerBound, projectId, ...boundParams],
  };
}
