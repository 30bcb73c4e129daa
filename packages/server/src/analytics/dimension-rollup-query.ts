import type { RatingCategory } from "@aftercall/schema";
import type { SqlFragment } from "../store/database.js";
import { surveyFilter } from "../surveys/survey-filter.js";
import type { SurveyQuery } from "../surveys/survey-query.js";
import type { DimensionKeyCount } from "./aggregates.js";
import type { AnalyticsReads } from "./analytics-reads.js";
import { breakdownSql, type GroupedRow } from "./raw-query.js";
import {
  CONTEXT_FILTERS,
  guardedEdge,
  POOR,
  type RollupPart,
  rollupFilter,
  rollupSplit,
} from "./rollup-split.js";

/**
 * A breakdown by custom dimension `key` from the dimension rollups (`dimension-rollup-schema.ts`), as
 * the raw rows of {@link breakdownSql} would group it: `grp` is the dimensions JSON, here `{key: value}`
 * per value and `{}` for the rated surveys without the key. Undefined when the rollups cannot answer
 * (context filters are not in the dimension rollups' key). Ragged edges go through {@link guardedEdge}.
 */
export async function dimensionRows(
  reads: AnalyticsReads,
  projectId: string,
  query: SurveyQuery,
  category: RatingCategory,
  key: string,
): Promise<GroupedRow[] | undefined> {
  // Neither context fields nor network bands are in the dimension rollups' key.
  if (CONTEXT_FILTERS.some(([field]) => query[field] !== undefined) || query.networkBand !== undefined)
    return undefined;
  const split = rollupSplit(query, { days: true });
  if (!split) return undefined;
  const rolled = (part: RollupPart) => breakdownPartSql(reads, projectId, part, category, key);
  const raw = (q: SurveyQuery) => {
    const f = breakdownSql(projectId, q, category, `dimension:${key}`);
    return { sql: `SELECT 'raw' AS kind, x.* FROM (${f.sql}) x`, params: f.params };
  };
  const parts = await Promise.all([
    ...split.parts.map((part) => reads.run<KindRow>(rolled(part))),
    ...split.edges.map((edge) => reads.run<KindRow>(guardedEdge(projectId, edge, rolled, raw, split.slot))),
  ]);
  return parts.flatMap((rows) => withoutKeyRows(rows, key));
}

const AGGREGATES = `sum(n) AS n, ${POOR} AS poor, sum(n * (score - lower_bound)) AS offset_sum`;

/** A grouped row tagged with where it comes from: a value's row, a scale's total, or raw rows. */
type KindRow = GroupedRow & { kind: "value" | "total" | "raw" };

/** One part's rows: per value of the key and scale (`value`), and per scale over all rated (`total`). */
function breakdownPartSql(
  reads: AnalyticsReads,
  projectId: string,
  part: RollupPart,
  category: string,
  key: string,
): SqlFragment {
  const f = rollupFilter(projectId, {}, part);
  const day = part.grain.endsWith("_day");
  const values = reads.rollup(day ? "rollup_dimensions_day" : "rollup_dimensions", projectId, part, (v) => ({
    sql: `SELECT 'value' AS kind, dimension_value AS grp, lower_bound, upper_bound, ${AGGREGATES} FROM ${v.sql} v WHERE ${f.sql} AND category = ? AND dimension_key = ? GROUP BY dimension_value, lower_bound, upper_bound`,
    params: [...v.params, ...f.params, category, key],
  }));
  const totals = reads.rollup(
    day ? "rollup_ratings_total_day" : "rollup_ratings_total",
    projectId,
    part,
    (t) => ({
      sql: `SELECT 'total' AS kind, NULL AS grp, lower_bound, upper_bound, ${AGGREGATES} FROM ${t.sql} t WHERE ${f.sql} AND category = ? GROUP BY lower_bound, upper_bound`,
      params: [...t.params, ...f.params, category],
    }),
  );
  return { sql: `${values.sql} UNION ALL ${totals.sql}`, params: [...values.params, ...totals.params] };
}

/**
 * The rows of one part as raw rows would group them: each value as `{key: value}`, and what is left of
 * each scale's total once the valued rows are taken away (the surveys without the key) as `{}`.
 */
function withoutKeyRows(rows: readonly KindRow[], key: string): GroupedRow[] {
  const missing = new Map<
    string,
    { lower: number; upper: number; n: number; poor: number; offset: number }
  >();
  for (const row of rows) {
    if (row.kind !== "total") continue;
    const [lower, upper] = [Number(row.lower_bound), Number(row.upper_bound)];
    const [n, poor, offset] = [Number(row.n), Number(row.poor ?? 0), Number(row.offset_sum)];
    // A scale's total can come in two rows: folded and from the tail.
    const total = missing.get(`${lower}/${upper}`);
    if (total) {
      total.n += n;
      total.poor += poor;
      total.offset += offset;
    } else missing.set(`${lower}/${upper}`, { lower, upper, n, poor, offset });
  }
  const out: GroupedRow[] = [];
  for (const { kind, ...row } of rows) {
    if (kind === "raw") out.push(row);
    if (kind !== "value") continue;
    const rest = missing.get(`${Number(row.lower_bound)}/${Number(row.upper_bound)}`);
    if (rest) {
      rest.n -= Number(row.n);
      rest.poor -= Number(row.poor ?? 0);
      rest.offset -= Number(row.offset_sum);
    }
    out.push({ ...row, grp: JSON.stringify({ [key]: row.grp }) });
  }
  for (const rest of missing.values())
    if (rest.n > 0)
      out.push({
        grp: "{}",
        lower_bound: rest.lower,
        upper_bound: rest.upper,
        n: rest.n,
        poor: rest.poor,
        offset_sum: rest.offset,
      });
  return out;
}

/**
 * The custom dimension keys of the surveys matching `query`, from the dimension rollups' `*` rows where
 * they can answer (ragged edges through {@link guardedEdge}); raw rows' dimensions JSON is counted here
 * for queries the rollups cannot answer and edges whose slot holds other surveys.
 */
export async function dimensionKeys(
  reads: AnalyticsReads,
  projectId: string,
  query: SurveyQuery,
): Promise<DimensionKeyCount[]> {
  const counts = new Map<string, number>();
  // Rolled-up rows carry a key and its count, raw rows a survey's dimensions JSON and 1.
  const rolled = (part: RollupPart): SqlFragment => {
    const f = rollupFilter(projectId, {}, part);
    const table = part.grain.endsWith("_day") ? "rollup_dimensions_day" : "rollup_dimensions";
    return reads.rollup(table, projectId, part, (r) => ({
      sql: `SELECT 'key' AS kind, dimension_key AS k, sum(n) AS n FROM ${r.sql} r WHERE ${f.sql} AND category = '*' GROUP BY dimension_key`,
      params: [...r.params, ...f.params],
    }));
  };
  const raw = (q: SurveyQuery): SqlFragment => {
    const f = surveyFilter(projectId, q);
    return {
      sql: `SELECT 'json' AS kind, dimensions AS k, 1 AS n FROM surveys WHERE ${f.sql} AND dimensions <> '{}'`,
      params: f.params,
    };
  };
  // The dimension rollups have no context fields.
  const contextFiltered =
    CONTEXT_FILTERS.some(([field]) => query[field] !== undefined) || query.networkBand !== undefined;
  const split = reads.source === "auto" && !contextFiltered ? rollupSplit(query, { days: true }) : undefined;
  const statements = split
    ? [
        ...split.parts.map(rolled),
        ...split.edges.map((edge) => guardedEdge(projectId, edge, rolled, raw, split.slot)),
      ]
    : [raw(query)];
  const results = await Promise.all(
    statements.map((s) => reads.run<{ kind: "key" | "json"; k: string; n: number | string }>(s)),
  );
  for (const row of results.flat()) {
    const keys = row.kind === "key" ? [row.k] : Object.keys(JSON.parse(row.k));
    for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + Number(row.n));
  }
  return [...counts].map(([key, surveys]) => ({ key, surveys }));
}
