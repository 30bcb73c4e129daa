import { RATING_CATEGORIES, type RatingCategory } from "@aftercall/schema";
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
import { type SqlFragment, surveyFilter } from "./list-query.js";
import { contextKey, contextValue, ROLLUP_DAY_MS } from "./rollup-schema.js";
import {
  type BreakdownAggregate,
  type BreakdownBy,
  type DimensionKeyCount,
  type IssueTagCount,
  type SurveyQuery,
  type SurveySummary,
  TIME_SLOT_MS,
  type TimeSlotAggregate,
} from "./store.js";

/**
 * Analytics answered from the rollups (see `rollup-schema.ts`) where they can be, from raw rows where
 * not. The rollups know the project, the 15-minute slot and the context fields, the dimension rollups
 * (`dimension-rollup-schema.ts`) the slot and one custom dimension's key and value; a query filtering on
 * anything else (callId, participantId, q, tag, poor, several dimensions) reads raw rows. A time range that does not start
 * or end on a slot boundary is split: whole UTC days from the day rollups (except for time series), whole
 * slots from the slot rollups, the ragged edges from raw rows, so a query costs O(days + slots of two
 * partial days + surveys of two partial slots). Both paths produce the same grouped rows, which
 * the folds of `analytics-query.ts` add up, so the answers are identical (tested).
 */

/** `auto` uses the rollups where they can answer; `raw` always reads the raw rows (for comparisons). */
export type AnalyticsSource = "auto" | "raw";

/** Runs one statement of either engine and resolves with its rows. */
export type RunSql = <T>(fragment: SqlFragment) => Promise<T[]>;

/** Whole slots `[fromSlot, toSlot)` of one rollup table; undefined bounds are open. */
interface RollupPart {
  /** Table suffix: by context or totals, per 15-minute slot or per UTC day. */
  grain: "" | "_total" | "_day" | "_total_day";
  fromSlot?: number;
  toSlot?: number;
  /** Set for a query filtered on one custom dimension: the part reads the dimension rollups. */
  dimension?: { key: string; value: string };
}

/** The rating rollup table of a part. */
const ratingsTable = (part: RollupPart) =>
  part.dimension
    ? `rollup_dimensions${part.grain.endsWith("_day") ? "_day" : ""}`
    : `rollup_ratings${part.grain}`;

interface Split {
  parts: RollupPart[];
  /** The ragged edges, answered by raw rows. */
  edges: SurveyQuery[];
}

const CONTEXT_FILTERS = [
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
function rollupFilter(projectId: string, query: SurveyQuery, part: RollupPart): SqlFragment {
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

/** Every category of the rating rollups (`*` counts surveys), so the (project, category, slot) key applies. */
const ROLLUP_CATEGORIES = ["*", ...RATING_CATEGORIES.map((c) => c.key)];

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
    (part) => {
      const f = rollupFilter(projectId, query, part);
      return {
        sql: `SELECT category, lower_bound, upper_bound, score, sum(n) AS n, ${POOR} AS poor FROM ${ratingsTable(part)} WHERE ${f.sql} AND category IN (${ROLLUP_CATEGORIES.map(() => "?").join(", ")}) GROUP BY category, lower_bound, upper_bound, score`,
        params: [...f.params, ...ROLLUP_CATEGORIES],
      };
    },
    { days: true, dimensionFilter: true },
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
    (part) => {
      const f = rollupFilter(projectId, query, part);
      return {
        sql: `SELECT category, tag AS issues, poor, sum(n) AS n FROM rollup_tags${part.grain} WHERE ${f.sql} GROUP BY category, tag, poor`,
        params: f.params,
      };
    },
    { days: true },
  );
  return foldTagCounts(rows);
}

function groupedRollupSql(
  projectId: string,
  query: SurveyQuery,
  part: RollupPart,
  category: RatingCategory,
  key: string,
): SqlFragment {
  const f = rollupFilter(projectId, query, part);
  return {
    sql: `SELECT ${key} AS grp, lower_bound, upper_bound, sum(n) AS n, ${POOR} AS poor, sum(n * (score - lower_bound)) AS offset_sum FROM ${ratingsTable(part)} WHERE ${f.sql} AND category = ? GROUP BY ${key}, lower_bound, upper_bound`,
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
    (part) => groupedRollupSql(projectId, query, part, category, "slot"),
    { days: false, dimensionFilter: true },
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
  if (by.startsWith("dimension:")) {
    const key = by.slice("dimension:".length);
    const rows =
      (source === "auto" ? await dimensionRows(run, projectId, query, category, key) : undefined) ??
      (await run<GroupedRow>(breakdownSql(projectId, query, category, by)));
    return foldBreakdown(rows, by);
  }
  const column = CONTEXT_FILTERS.find(([field]) => field === by)?.[1];
  if (!column) throw new RangeError(`Unknown breakdown ${by}`);
  const rows = await gather<GroupedRow>(
    run,
    source,
    query,
    (q) => breakdownSql(projectId, q, category, by),
    (part) => groupedRollupSql(projectId, query, part, category, column),
    { days: true, decode: (row) => ({ ...row, grp: contextValue(String(row.grp)) }) },
  );
  return foldBreakdown(rows, by);
}

/**
 * A breakdown by custom dimension `key` from the dimension rollups (`dimension-rollup-schema.ts`), as
 * the raw rows of {@link breakdownSql} would group it: `grp` is the dimensions JSON, here `{key: value}`
 * per value and `{}` for the rated surveys without the key. Undefined when the rollups cannot answer
 * (context filters are not in the dimension rollups' key).
 */
async function dimensionRows(
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
