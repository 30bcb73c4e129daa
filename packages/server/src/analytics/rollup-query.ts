import { RATING_CATEGORIES, type RatingCategory } from "@aftercall/schema";
import type { SqlFragment } from "../store/database.js";
import type { SurveyQuery } from "../surveys/survey-query.js";
import type {
  BreakdownAggregate,
  BreakdownBy,
  IssueTagCount,
  SurveySummary,
  TimeSlotAggregate,
} from "./aggregates.js";
import type { AnalyticsReads } from "./analytics-reads.js";
import { dimensionRows } from "./dimension-rollup-query.js";
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
} from "./raw-query.js";
import { contextValue } from "./rollup-schema.js";
import {
  CONTEXT_FILTERS,
  guardedEdge,
  POOR,
  type RollupPart,
  ratingsTable,
  rollupFilter,
  rollupSplit,
  tagsTable,
} from "./rollup-split.js";

export type { AnalyticsSource } from "./rollup-split.js";

/**
 * Analytics answered from the rollups (see `rollup-schema.ts`) where they can be, from raw rows where
 * not. The rollups know the project, the 15-minute slot and the context fields, the dimension rollups
 * (`dimension-rollup-schema.ts`) the slot and one custom dimension's key and value; a query filtering
 * on anything else (callId, participantId, q, tag, poor, several dimensions) reads raw rows. A time
 * range that does not start or end on a slot boundary is split (`rollup-split.ts`): whole UTC days from
 * the day rollups (except for time series), whole slots from the slot rollups, the ragged edges from raw
 * rows, so a query costs O(days + slots of two partial days + surveys of two partial slots). Both paths
 * produce the same grouped rows, which the folds of `analytics-query.ts` add up, so the answers are
 * identical (tested).
 *
 * @module
 */

/** Every category of the rating rollups (`*` counts surveys), so the (project, category, slot) key applies. */
const ROLLUP_CATEGORIES = ["*", ...RATING_CATEGORIES.map((c) => c.key)];

/**
 * Run the rollup statements and the guarded statements of the edges (or only raw), concatenating rows.
 * With `decode` (breakdowns) the rollup rows carry a context key and come from the rollups by context.
 */
export async function gather<T>(
  { run, source }: AnalyticsReads,
  projectId: string,
  query: SurveyQuery,
  raw: (q: SurveyQuery) => SqlFragment,
  rollup: (part: RollupPart) => SqlFragment,
  options: { days: boolean; decode?: (row: T) => T; dimensionFilter?: boolean },
): Promise<T[]> {
  const { decode } = options;
  const split =
    source === "auto"
      ? rollupSplit(query, {
          byContext: decode !== undefined,
          days: options.days,
          dimensionFilter: options.dimensionFilter === true,
        })
      : undefined;
  if (!split) return run<T>(raw(query));
  const parts = await Promise.all([
    ...split.parts.map((part) => run<T>(rollup(part)).then((rows) => (decode ? rows.map(decode) : rows))),
    ...split.edges.map((edge) =>
      run<T & { rolled: number | string }>(guardedEdge(projectId, edge, rollup, raw, split.slot)).then(
        (rows) => rows.map((row) => (decode && Number(row.rolled) === 1 ? decode(row) : row)),
      ),
    ),
  ]);
  return parts.flat();
}

export async function summarize(
  reads: AnalyticsReads,
  projectId: string,
  query: SurveyQuery,
): Promise<SurveySummary> {
  const rows = await gather<SummaryRow>(
    reads,
    projectId,
    query,
    (q) => summarySql(projectId, q),
    (part) => {
      const f = rollupFilter(projectId, query, part);
      return reads.rollup(ratingsTable(part), projectId, part, (r) => ({
        sql: `SELECT category, lower_bound, upper_bound, score, sum(n) AS n, ${POOR} AS poor FROM ${r.sql} r WHERE ${f.sql} AND category IN (${ROLLUP_CATEGORIES.map(() => "?").join(", ")}) GROUP BY category, lower_bound, upper_bound, score`,
        params: [...r.params, ...f.params, ...ROLLUP_CATEGORIES],
      }));
    },
    { days: true, dimensionFilter: true },
  );
  return foldSummary(rows);
}

export async function tagCounts(
  reads: AnalyticsReads,
  projectId: string,
  query: SurveyQuery,
): Promise<IssueTagCount[]> {
  const rows = await gather<TagRow>(
    reads,
    projectId,
    query,
    (q) => tagSql(projectId, q),
    (part) => {
      const f = rollupFilter(projectId, query, part);
      return reads.rollup(tagsTable(part), projectId, part, (r) => ({
        sql: `SELECT category, tag AS issues, poor, sum(n) AS n FROM ${r.sql} r WHERE ${f.sql} GROUP BY category, tag, poor`,
        params: [...r.params, ...f.params],
      }));
    },
    { days: true },
  );
  return foldTagCounts(rows);
}

function groupedRollupSql(
  reads: AnalyticsReads,
  projectId: string,
  query: SurveyQuery,
  part: RollupPart,
  category: RatingCategory,
  key: string,
): SqlFragment {
  const f = rollupFilter(projectId, query, part);
  return reads.rollup(ratingsTable(part), projectId, part, (r) => ({
    sql: `SELECT ${key} AS grp, lower_bound, upper_bound, sum(n) AS n, ${POOR} AS poor, sum(n * (score - lower_bound)) AS offset_sum FROM ${r.sql} r WHERE ${f.sql} AND category = ? GROUP BY ${key}, lower_bound, upper_bound`,
    params: [...r.params, ...f.params, category],
  }));
}

export async function timeSlots(
  reads: AnalyticsReads,
  projectId: string,
  query: SurveyQuery,
  category: RatingCategory,
): Promise<TimeSlotAggregate[]> {
  const rows = await gather<GroupedRow>(
    reads,
    projectId,
    query,
    (q) => timeSlotSql(projectId, q, category),
    (part) => groupedRollupSql(reads, projectId, query, part, category, "slot"),
    { days: false, dimensionFilter: true },
  );
  return foldTimeSlots(rows);
}

export async function breakdown(
  reads: AnalyticsReads,
  projectId: string,
  query: SurveyQuery,
  category: RatingCategory,
  by: BreakdownBy,
): Promise<BreakdownAggregate[]> {
  if (by.startsWith("dimension:")) {
    const key = by.slice("dimension:".length);
    const rows =
      (reads.source === "auto" ? await dimensionRows(reads, projectId, query, category, key) : undefined) ??
      (await reads.run<GroupedRow>(breakdownSql(projectId, query, category, by)));
    return foldBreakdown(rows, by);
  }
  const column = CONTEXT_FILTERS.find(([field]) => field === by)?.[1];
  if (!column) throw new RangeError(`Unknown breakdown ${by}`);
  const rows = await gather<GroupedRow>(
    reads,
    projectId,
    query,
    (q) => breakdownSql(projectId, q, category, by),
    (part) => groupedRollupSql(reads, projectId, query, part, category, column),
    { days: true, decode: (row) => ({ ...row, grp: contextValue(String(row.grp)) }) },
  );
  return foldBreakdown(rows, by);
}
