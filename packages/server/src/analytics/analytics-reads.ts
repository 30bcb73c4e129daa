import type { Database, RunSql, SqlFragment } from "../store/database.js";
import type { AnalyticsSource } from "./rollup-split.js";
import { type RelationSelect, rollupStatement, type SlotRange } from "./rollup-tables.js";

/**
 * How analytics read: the statements go to the store's reader (`db.read`: SQLite's reader thread or
 * PostgreSQL's read pool, paced), from the rollups plus their raw tail where they can answer (`auto`)
 * or from raw rows only (`raw`, for comparisons).
 */
export interface AnalyticsReads {
  run: RunSql;
  source: AnalyticsSource;
  engine: Database["engine"];
  /**
   * `select` over a rollup table as queries read it: folded rows plus the raw tail past the watermark,
   * as two sets of grouped rows for the caller to add up (see {@link rollupStatement}).
   */
  rollup(table: string, projectId: string, range: SlotRange, select: RelationSelect): SqlFragment;
}

/**
 * Positions at or below each project's rollup watermark, as this server last saw them: hints that let
 * a query's planner know how short the raw tail is. A stale hint only makes the tail's scan start
 * earlier; answers never depend on it.
 */
export class WatermarkHints {
  private readonly seen = new Map<string, number>();

  get(projectId: string): number {
    return this.seen.get(projectId) ?? 0;
  }

  /** Record a watermark; hints only ever move forward. */
  note(projectId: string, seq: number): void {
    if (seq > this.get(projectId)) this.seen.set(projectId, seq);
  }
}

export function analyticsReads(
  db: Pick<Database, "read" | "engine">,
  source: AnalyticsSource = "auto",
  hints: WatermarkHints = new WatermarkHints(),
): AnalyticsReads {
  return {
    run: db.read,
    source,
    engine: db.engine,
    rollup: (table, projectId, range, select) =>
      rollupStatement(db.engine, table, projectId, range, hints.get(projectId), select),
  };
}
