import type { RatingCategory } from "@aftercall/schema";
import { breakdownSql, type GroupedRow } from "./analytics-query.js";
import { surveyFilter } from "./list-query.js";
import {
  type AnalyticsSource,
  CONTEXT_FILTERS,
  POOR,
  type RollupPart,
  type RunSql,
  rollupFilter,
  rollupSplit,
} from "./rollup-split.js";
import type { DimensionKeyCount, SurveyQuery } from "./store.js";

/**
 * A breakdown by custom dimension `key` from the dimension rollups (`dimension-rollup-schema.ts`), as
 * the raw rows of {@link breakdownSql} would group it: `grp` is the dimensions JSON, here `{key: value}`
 * per value and `{}` for the rated surveys without the key. Undefined when the rollups cannot answer
 * (context filters are not in the dimension rollups' key).
 */
export async function dimensionRows(
  run: RunSql,
  projectId: string,
  query: SurveyQuery,
  category: RatingCategory,
  key: string,
): Promise<GroupedRow[] | undefined> {
  if (CONTEXT_FILTERS.some(([field]) => query[field] !== undefined)) return undefined;
  const split = rollupSplit(query, { days: true });
  if (!split) return undefined;
  const parts = await Promise.all([
    ...split.parts.map((part) => dimensionPartRows(run, projectId, part, category, key)),
    ...split.edges.map((edge) =>
      run<GroupedRow>(breakdownSql(projectId, edge, category, `dimension:${key}`)),
    ),
  ]);
  return parts.flat();
}

const AGGREGATES = `sum(n) AS n, ${POOR} AS poor, sum(n * (score - lower_bound)) AS offset_sum`;

async function dimensionPartRows(
  run: RunSql,
  projectId: string,
  part: RollupPart,
  category: RatingCategory,
  key: string,
): Promise<GroupedRow[]> {
  const f = rollupFilter(projectId, {}, part);
  const table = part.grain.endsWith("_day") ? "rollup_dimensions_day" : "rollup_dimensions";
  const [valued, totals] = await Promise.all([
    run<GroupedRow>({
      sql: `SELECT dimension_value AS grp, lower_bound, upper_bound, ${AGGREGATES} FROM ${table} WHERE ${f.sql} AND category = ? AND dimension_key = ? GROUP BY dimension_value, lower_bound, upper_bound`,
      params: [...f.params, category, key],
    }),
    run<GroupedRow>({
      sql: `SELECT lower_bound, upper_bound, ${AGGREGATES} FROM rollup_ratings${part.grain} WHERE ${f.sql} AND category = ? GROUP BY lower_bound, upper_bound`,
      params: [...f.params, category],
    }),
  ]);
  // What is left of each scale's totals once the valued rows are taken away: the surveys without the key.
  const missing = new Map<
    string,
    { lower: number; upper: number; n: number; poor: number; offset: number }
  >();
  for (const row of totals) {
    const [lower, upper] = [Number(row.lower_bound), Number(row.upper_bound)];
    const [n, poor, offset] = [Number(row.n), Number(row.poor ?? 0), Number(row.offset_sum)];
    missing.set(`${lower}/${upper}`, { lower, upper, n, poor, offset });
  }
  const rows: GroupedRow[] = valued.map((row) => {
    const rest = missing.get(`${Number(row.lower_bound)}/${Number(row.upper_bound)}`);
    if (rest) {
      rest.n -= Number(row.n);
      rest.poor -= Number(row.poor ?? 0);
      rest.offset -= Number(row.offset_sum);
    }
    return { ...row, grp: JSON.stringify({ [key]: row.grp }) };
  });
  for (const rest of missing.values())
    if (rest.n > 0)
      rows.push({
        grp: "{}",
        lower_bound: rest.lower,
        upper_bound: rest.upper,
        n: rest.n,
        poor: rest.poor,
        offset_sum: rest.offset,
      });
  return rows;
}

/**
 * The custom dimension keys of the surveys matching `query`, from the dimension rollups' `*` rows where
 * they can answer; the raw rows' dimensions JSON is read (and counted here) for the ragged edges and for
 * queries the rollups cannot answer.
 */
export async function dimensionKeys(
  run: RunSql,
  source: AnalyticsSource,
  projectId: string,
  query: SurveyQuery,
): Promise<DimensionKeyCount[]> {
  const counts = new Map<string, number>();
  const add = (key: string, n: number) => counts.set(key, (counts.get(key) ?? 0) + n);
  const raw = async (q: SurveyQuery) => {
    const f = surveyFilter(projectId, q);
    const rows = await run<{ dimensions: string }>({
      sql: `SELECT dimensions FROM surveys WHERE ${f.sql} AND dimensions <> '{}'`,
      params: f.params,
    });
    for (const row of rows) for (const key of Object.keys(JSON.parse(row.dimensions))) add(key, 1);
  };
  // The dimension rollups have no context fields.
  const contextFiltered = CONTEXT_FILTERS.some(([field]) => query[field] !== undefined);
  const split = source === "auto" && !contextFiltered ? rollupSplit(query, { days: true }) : undefined;
  if (!split) await raw(query);
  else
    await Promise.all([
      ...split.parts.map(async (part) => {
        const f = rollupFilter(projectId, {}, part);
        const table = part.grain.endsWith("_day") ? "rollup_dimensions_day" : "rollup_dimensions";
        const rows = await run<{ dimension_key: string; n: number | string }>({
          sql: `SELECT dimension_key, sum(n) AS n FROM ${table} WHERE ${f.sql} AND category = '*' GROUP BY dimension_key`,
          params: f.params,
        });
        for (const row of rows) add(row.dimension_key, Number(row.n));
      }),
      ...split.edges.map(raw),
    ]);
  return [...counts].map(([key, surveys]) => ({ key, surveys }));
}
