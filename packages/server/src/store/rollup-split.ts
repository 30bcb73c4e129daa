import type { SqlFragment } from "./list-query.js";
import { contextKey, ROLLUP_DAY_MS } from "./rollup-schema.js";
import { type SurveyQuery, TIME_SLOT_MS } from "./store.js";

/**
 * Which rollup rows answer a query, and which raw rows fill in the ragged edges of its time range: the
 * planning shared by the rating and tag rollups (`rollup-query.ts`) and the dimension rollups
 * (`dimension-rollup-query.ts`).
 *
 * @module
 */

/** `auto` uses the rollups where they can answer; `raw` always reads the raw rows (for comparisons). */
export type AnalyticsSource = "auto" | "raw";

/** Runs one statement of either engine and resolves with its rows. */
export type RunSql = <T>(fragment: SqlFragment) => Promise<T[]>;

/** Whole slots `[fromSlot, toSlot)` of one rollup table; undefined bounds are open. */
export interface RollupPart {
  /** Table suffix: by context or totals, per 15-minute slot or per UTC day. */
  grain: "" | "_total" | "_day" | "_total_day";
  fromSlot?: number;
  toSlot?: number;
  /** Set for a query filtered on one custom dimension: the part reads the dimension rollups. */
  dimension?: { key: string; value: string };
}

/** The rating rollup table of a part. */
export const ratingsTable = (part: RollupPart) =>
  part.dimension
    ? `rollup_dimensions${part.grain.endsWith("_day") ? "_day" : ""}`
    : `rollup_ratings${part.grain}`;

export interface Split {
  parts: RollupPart[];
  /** The ragged edges, answered by raw rows. */
  edges: SurveyQuery[];
}

export const CONTEXT_FILTERS = [
  ["appVersion", "app_version"],
  ["platform", "platform"],
  ["browser", "browser"],
  ["sdkVersion", "sdk_version"],
] as const;

const ceilTo = (ms: number | undefined, step: number) =>
  ms === undefined ? undefined : Math.ceil(ms / step) * step;
const floorTo = (ms: number | undefined, step: number) =>
  ms === undefined ? undefined : Math.floor(ms / step) * step;
/** `a < b`, where undefined is −∞ as a lower and +∞ as an upper bound. */
const before = (a: number | undefined, b: number | undefined) => a === undefined || b === undefined || a < b;

/**
 * How a query splits between rollups and raw rows; undefined when the rollups cannot answer it.
 * `byContext`: the rows must carry the context fields (breakdowns). `days`: whole UTC days may come from
 * the day rollups (not for time series, which need 15-minute slots). `dimensionFilter`: a filter on one
 * custom dimension (and no context field) may be answered by the dimension rollups (rating counts only).
 */
export function rollupSplit(
  query: SurveyQuery,
  options: { byContext?: boolean; days?: boolean; dimensionFilter?: boolean } = {},
): Split | undefined {
  if (
    query.callId !== undefined ||
    query.participantId !== undefined ||
    query.q !== undefined ||
    query.tag !== undefined ||
    (query.poor !== undefined && query.poor.length > 0)
  )
    return undefined;
  const filtered = CONTEXT_FILTERS.some(([field]) => query[field] !== undefined);
  const dimensionFilters = Object.entries(query.dimensions ?? {});
  if (
    dimensionFilters.length > 0 &&
    (!options.dimensionFilter || dimensionFilters.length > 1 || filtered || options.byContext)
  )
    return undefined;
  const [key, value] = dimensionFilters[0] ?? [];
  const slots = options.byContext || filtered ? "" : "_total";
  const fromSlot = ceilTo(query.fromMs, TIME_SLOT_MS);
  const toSlot = floorTo(query.toMs, TIME_SLOT_MS);
  if (!before(fromSlot, toSlot)) return undefined; // less than one whole slot: raw rows are cheap
  const split: Split = { parts: [], edges: [] };
  const fromDay = ceilTo(fromSlot, ROLLUP_DAY_MS);
  const toDay = floorTo(toSlot, ROLLUP_DAY_MS);
  const part = (grain: RollupPart["grain"], from: number | undefined, to: number | undefined) => {
    const p: RollupPart = { grain };
    if (from !== undefined) p.fromSlot = from;
    if (to !== undefined) p.toSlot = to;
    if (key !== undefined && value !== undefined) p.dimension = { key, value };
    split.parts.push(p);
  };
  if (options.days && before(fromDay, toDay)) {
    part(slots === "" ? "_day" : "_total_day", fromDay, toDay);
    if (fromSlot !== undefined && (fromSlot as number) < (fromDay as number)) part(slots, fromSlot, fromDay);
    if (toSlot !== undefined && (toDay as number) < toSlot) part(slots, toDay, toSlot);
  } else {
    part(slots, fromSlot, toSlot);
  }
  if (query.fromMs !== undefined && fromSlot !== undefined && query.fromMs < fromSlot)
    split.edges.push({ ...query, fromMs: query.fromMs, toMs: fromSlot });
  if (query.toMs !== undefined && toSlot !== undefined && toSlot < query.toMs)
    split.edges.push({ ...query, fromMs: toSlot, toMs: query.toMs });
  return split;
}

/** WHERE clause over a rollup table: project, slot range, context keys. */
export function rollupFilter(projectId: string, query: SurveyQuery, part: RollupPart): SqlFragment {
  const clauses = ["project_id = ?"];
  const params: Array<string | number> = [projectId];
  if (part.fromSlot !== undefined) {
    clauses.push("slot >= ?");
    params.push(part.fromSlot);
  }
  if (part.toSlot !== undefined) {
    clauses.push("slot < ?");
    params.push(part.toSlot);
  }
  for (const [field, column] of CONTEXT_FILTERS) {
    const value = query[field];
    if (value === undefined) continue;
    clauses.push(`${column} = ?`);
    params.push(contextKey(value));
  }
  if (part.dimension) {
    clauses.push("dimension_key = ?", "dimension_value = ?");
    params.push(part.dimension.key, part.dimension.value);
  }
  return { sql: clauses.join(" AND "), params };
}

/** Poor ratings of rollup rows: their score is at or below their own scale's threshold. */
export const POOR = "sum(CASE WHEN score <= threshold THEN n ELSE 0 END)";
