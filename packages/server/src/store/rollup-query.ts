import type { RatingCategory } from "@aftercall/schema";
import {
  breakdownSql,
  foldBreakdown,
  foldSummary,
  foldTagCounts,
  foldTimeSlots,
  type GroupedRow,
  type SummaryRow,
  summarySql,
  type TagRow,
  tagSql,
  timeSlotSql,
} from "./analytics-query.js";
import type { SqlFragment } from "./list-query.js";
import { contextKey, contextValue } from "./rollup-schema.js";
import {
  type BreakdownAggregate,
  type BreakdownBy,
  type IssueTagCount,
  type SurveyQuery,
  type SurveySummary,
  TIME_SLOT_MS,
  type TimeSlotAggregate,
} from "./store.js";

/**
 * Analytics answered from the rollups (see `rollup-schema.ts`) where they can be, from raw rows where
 * not. The rollups know the project, the 15-minute slot and the context fields; a query filtering on
 * anything else (callId, participantId, q, tag, poor) reads raw rows. A time range that does not start
 * or end on a slot boundary is split: whole slots from the rollup, the ragged edges from raw rows, so a
 * query costs O(slots + surveys in two partial slots). Both paths produce the same grouped rows, which
 * the folds of `analytics-query.ts` add up, so the answers are identical (tested).
 */

/** `auto` uses the rollups where they can answer; `raw` always reads the raw rows (for comparisons). */
export type AnalyticsSource = "auto" | "raw";

/** Runs one statement of either engine and resolves with its rows. */
export type RunSql = <T>(fragment: SqlFragment) => Promise<T[]>;

interface Split {
  /** `""` for the rollups by context field, `"_total"` for the totals (no context filter, no breakdown). */
  grain: "" | "_total";
  /** Whole slots `[fromSlot, toSlot)` answered by the rollup; undefined bounds are open. */
  fromSlot?: number;
  toSlot?: number;
  /** The ragged edges, answered by raw rows. */
  edges: SurveyQuery[];
}

const CONTEXT_FILTERS = [
  ["appVersion", "app_version"],
  ["platform", "platform"],
  ["browser", "browser"],
  ["sdkVersion", "sdk_version"],
] as const;

/** How a query splits between rollup and raw rows; undefined when the rollup cannot answer it. */
export function rollupSplit(query: SurveyQuery, byContext = false): Split | undefined {
  if (
    query.callId !== undefined ||
    query.participantId !== undefined ||
    query.q !== undefined ||
    query.tag !== undefined ||
    (query.poor !== undefined && query.poor.length > 0)
  )
    return undefined;
  const filtered = CONTEXT_FILTERS.some(([field]) => query[field] !== undefined);
  const split: Split = { grain: byContext || filtered ? "" : "_total", edges: [] };
  if (query.fromMs !== undefined) split.fromSlot = Math.ceil(query.fromMs / TIME_SLOT_MS) * TIME_SLOT_MS;
  if (query.toMs !== undefined) split.toSlot = Math.floor(query.toMs / TIME_SLOT_MS) * TIME_SLOT_MS;
  if (split.fromSlot !== undefined && split.toSlot !== undefined && split.fromSlot >= split.toSlot)
    return undefined; // less than one whole slot: raw rows are cheap
  if (query.fromMs !== undefined && split.fromSlot !== undefined && query.fromMs < split.fromSlot)
    split.edges.push({ ...query, fromMs: query.fromMs, toMs: split.fromSlot });
  if (query.toMs !== undefined && split.toSlot !== undefined && split.toSlot < query.toMs)
    split.edges.push({ ...query, fromMs: split.toSlot, toMs: query.toMs });
  return split;
}

/** WHERE clause over a rollup table: project, slot range, context keys. */
function rollupFilter(projectId: string, query: SurveyQuery, split: Split): SqlFragment {
  const clauses = ["project_id = ?"];
  const params: Array<string | number> = [projectId];
  if (split.fromSlot !== undefined) {
    clauses.push("slot >= ?");
    params.push(split.fromSlot);
  }
  if (split.toSlot !== undefined) {
    clauses.push("slot < ?");
    params.push(split.toSlot);
  }
  for (const [field, column] of CONTEXT_FILTERS) {
    const value = query[field];
    if (value === undefined) continue;
    clauses.push(`${column} = ?`);
    params.push(contextKey(value));
  }
  return { sql: clauses.join(" AND "), params };
}

const POOR = "sum(CASE WHEN score <= threshold THEN n ELSE 0 END)";

/**
 * Run the rollup statement and the raw statements of the edges (or only raw), concatenating rows. With
 * `decode` (breakdowns) the rollup rows carry a context key and come from the rollups by context.
 */
async function gather<T>(
  run: RunSql,
  source: AnalyticsSource,
  query: SurveyQuery,
  raw: (q: SurveyQuery) => SqlFragment,
  rollup: (split: Split) => SqlFragment,
  decode?: (row: T) => T,
): Promise<T[]> {
  const split = source === "auto" ? rollupSplit(query, decode !== undefined) : undefined;
  if (!split) return run<T>(raw(query));
  const parts = await Promise.all([
    run<T>(rollup(split)).then((rows) => (decode ? rows.map(decode) : rows)),
    ...split.edges.map((edge) => run<T>(raw(edge))),
  ]);
  return parts.flat();
}

export async function summarize(
  run: RunSql,
  source: AnalyticsSource,
  projectId: string,
  query: SurveyQuery,
): Promise<SurveySummary> {
  const rows = await gather<SummaryRow>(
    run,
    source,
    query,
    (q) => summarySql(projectId, q),
    (split) => {
      const f = rollupFilter(projectId, query, split);
      return {
        sql: `SELECT category, lower_bound, upper_bound, score, sum(n) AS n, ${POOR} AS poor FROM rollup_ratings${split.grain} WHERE ${f.sql} GROUP BY category, lower_bound, upper_bound, score`,
        params: f.params,
      };
    },
  );
  return foldSummary(rows);
}

export async function tagCounts(
  run: RunSql,
  source: AnalyticsSource,
  projectId: string,
  query: SurveyQuery,
): Promise<IssueTagCount[]> {
  const rows = await gather<TagRow>(
    run,
    source,
    query,
    (q) => tagSql(projectId, q),
    (split) => {
      const f = rollupFilter(projectId, query, split);
      return {
        sql: `SELECT category, tag AS issues, poor, sum(n) AS n FROM rollup_tags${split.grain} WHERE ${f.sql} GROUP BY category, tag, poor`,
        params: f.params,
      };
    },
  );
  return foldTagCounts(rows);
}

function groupedRollupSql(
  projectId: string,
  query: SurveyQuery,
  split: Split,
  category: RatingCategory,
  key: string,
): SqlFragment {
  const f = rollupFilter(projectId, query, split);
  return {
    sql: `SELECT ${key} AS grp, lower_bound, upper_bound, score, sum(n) AS n, ${POOR} AS poor FROM rollup_ratings${split.grain} WHERE ${f.sql} AND category = ? GROUP BY ${key}, lower_bound, upper_bound, score`,
    params: [...f.params, category],
  };
}

export async function timeSlots(
  run: RunSql,
  source: AnalyticsSource,
  projectId: string,
  query: SurveyQuery,
  category: RatingCategory,
): Promise<TimeSlotAggregate[]> {
  const rows = await gather<GroupedRow>(
    run,
    source,
    query,
    (q) => timeSlotSql(projectId, q, category),
    (split) => groupedRollupSql(projectId, query, split, category, "slot"),
  );
  return foldTimeSlots(rows);
}

export async function breakdown(
  run: RunSql,
  source: AnalyticsSource,
  projectId: string,
  query: SurveyQuery,
  category: RatingCategory,
  by: BreakdownBy,
): Promise<BreakdownAggregate[]> {
  const column = CONTEXT_FILTERS.find(([field]) => field === by)?.[1];
  // Custom dimensions are not in the rollup.
  const rows = await gather<GroupedRow>(
    run,
    column ? source : "raw",
    query,
    (q) => breakdownSql(projectId, q, category, by),
    (split) => groupedRollupSql(projectId, query, split, category, column as string),
    (row) => ({ ...row, grp: contextValue(String(row.grp)) }),
  );
  return foldBreakdown(rows, by);
}
