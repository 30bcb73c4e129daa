import type { SqlFragment } from "../store/database.js";
import type { SurveyQuery } from "../surveys/survey-query.js";
import { TIME_SLOT_MS } from "./aggregates.js";
import { contextKey, ROLLUP_DAY_MS } from "./rollup-schema.js";

/**
 * Which rollup rows answer a query, and which raw rows fill in the ragged edges of its time range: the
 * planning shared by the rating and tag rollups (`rollup-query.ts`) and the dimension rollups
 * (`dimension-rollup-query.ts`).
 *
 * @module
 */

/** `auto` uses the rollups where they can answer; `raw` always reads the raw rows (for comparisons). */
export type AnalyticsSource = "auto" | "raw";

/** Whole slots `[fromSlot, toSlot)` of one rollup table; undefined bounds are open. */
export interface RollupPart {
  /** Table suffix: by context or totals, per 15-minute slot or per UTC day. */
  grain: "" | "_total" | "_day" | "_total_day";
  fromSlot?: number;
  toSlot?: number;
  /** Set for a query filtered on one custom dimension: the part reads the dimension rollups. */
  dimension?: { key: string; value: string };
  /** Set for a query filtered on a network band: the part reads the band rollups (`''` is none). */
  band?: string;
}

const dayOrSlot = (part: RollupPart) => (part.grain.endsWith("_day") ? "_day" : "");

/** The rating rollup table of a part. */
export const ratingsTable = (part: RollupPart) =>
  part.dimension
    ? `rollup_dimensions${dayOrSlot(part)}`
    : part.band !== undefined
      ? `rollup_bands${dayOrSlot(part)}`
      : `rollup_ratings${part.grain}`;

/** The tag rollup table of a part. */
export const tagsTable = (part: RollupPart) =>
  part.band !== undefined ? `rollup_band_tags${dayOrSlot(part)}` : `rollup_tags${part.grain}`;

/** The band rollups' key of a `networkBand` filter value. */
export const bandKey = (band: string) => (band === "none" ? "" : band);

export interface Split {
  parts: RollupPart[];
  /** The grain (and dimension) of the slot parts, for the slot that holds an edge. */
  slot: RollupPart;
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
  // The band rollups have no context fields or dimensions: a band with either reads raw rows.
  const band = query.networkBand === undefined ? undefined : bandKey(query.networkBand);
  if (band !== undefined && (filtered || dimensionFilters.length > 0 || options.byContext)) return undefined;
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
  const split: Split = {
    parts: [],
    edges: [],
    slot: {
      grain: slots,
      ...(key !== undefined && value !== undefined && { dimension: { key, value } }),
      ...(band !== undefined && { band }),
    },
  };
  const fromDay = ceilTo(fromSlot, ROLLUP_DAY_MS);
  const toDay = floorTo(toSlot, ROLLUP_DAY_MS);
  const part = (grain: RollupPart["grain"], from: number | undefined, to: number | undefined) => {
    const p: RollupPart = { grain };
    if (from !== undefined) p.fromSlot = from;
    if (to !== undefined) p.toSlot = to;
    if (key !== undefined && value !== undefined) p.dimension = { key, value };
    if (band !== undefined) p.band = band;
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

/**
 * One statement answering a ragged edge of a range (`edge`, within one 15-minute slot) from that slot's
 * rollup rows when the project has no survey in the rest of the slot, else from raw rows. A range that
 * ends now (every dashboard range) ends in such a slot, and at high ingestion rates its raw rows are many.
 * One statement, so both branches see one snapshot: a survey committed in between cannot be counted
 * twice or not at all. Rows carry `rolled` (1 from the rollup, 0 raw), since rollup rows may need decoding.
 * `rollup` and `raw` must produce the same columns in the same order.
 */
export function guardedEdge(
  projectId: string,
  edge: SurveyQuery,
  rollup: (part: RollupPart) => SqlFragment,
  raw: (q: SurveyQuery) => SqlFragment,
  slot: RollupPart,
): SqlFragment {
  const fromMs = edge.fromMs as number;
  const toMs = edge.toMs as number;
  const slotStart = fromMs - (fromMs % TIME_SLOT_MS);
  const slotEnd = slotStart + TIME_SLOT_MS;
  const outside = [
    [slotStart, fromMs],
    [toMs, slotEnd],
  ].filter(([a, b]) => (a as number) < (b as number));
  const others = {
    sql: `EXISTS (SELECT 1 FROM surveys WHERE project_id = ? AND (${outside.map(() => "(received_at >= ? AND received_at < ?)").join(" OR ")}))`,
    params: [projectId, ...outside.flat()] as Array<string | number>,
  };
  const rolled = rollup({ ...slot, fromSlot: slotStart, toSlot: slotEnd });
  const rows = raw(edge);
  return {
    sql: `SELECT 1 AS rolled, r.* FROM (${rolled.sql}) r WHERE NOT ${others.sql} UNION ALL SELECT 0 AS rolled, e.* FROM (${rows.sql}) e WHERE ${others.sql}`,
    params: [...rolled.params, ...others.params, ...rows.params, ...others.params],
  };
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
  if (part.band !== undefined) {
    clauses.push("band = ?");
    params.push(part.band);
  }
  return { sql: clauses.join(" AND "), params };
}

/** Poor ratings of rollup rows: their score is at or below their own scale's threshold. */
export const POOR = "sum(CASE WHEN score <= threshold THEN n ELSE 0 END)";
