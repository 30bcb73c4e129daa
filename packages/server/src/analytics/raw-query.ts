import { DIMENSION_KEY_PATTERN, RATING_CATEGORIES, type RatingCategory } from "@aftercall/schema";
import type { SqlFragment } from "../store/database.js";
import { surveyFilter } from "../surveys/survey-filter.js";
import type { SurveyQuery } from "../surveys/survey-query.js";
import {
  type BreakdownAggregate,
  type BreakdownBy,
  type CategorySummary,
  type IssueTagCount,
  type RatingAggregate,
  type SurveySummary,
  TIME_SLOT_MS,
  type TimeSlotAggregate,
} from "./aggregates.js";

/**
 * Analytics over the raw `surveys` table, as SQL both engines run unchanged (`?` placeholders, numbered
 * later for PostgreSQL) plus the folding of its rows in JS. Category keys come from the catalogue, never
 * from input, so interpolating them as column prefixes and literals is safe.
 */

/** Pseudo-category of the branch counting every matching survey. */
const ALL = "*";

/**
 * One statement: a UNION ALL branch per category (rated rows only) plus one counting every survey,
 * grouped by category, scale and score. Everything else (means, distributions) is derived from these
 * groups, so no floating-point arithmetic runs in SQL and both engines answer identically.
 */
export function summarySql(projectId: string, query: SurveyQuery): SqlFragment {
  const filter = surveyFilter(projectId, query);
  const branches = RATING_CATEGORIES.map(
    ({ key }) =>
      `SELECT '${key}' AS category, ${key}_lower AS lower_bound, ${key}_upper AS upper_bound, ${key}_score AS score, ${key}_poor AS poor FROM surveys WHERE ${filter.sql} AND ${key}_score IS NOT NULL`,
  );
  branches.push(
    `SELECT '${ALL}' AS category, NULL AS lower_bound, NULL AS upper_bound, NULL AS score, 0 AS poor FROM surveys WHERE ${filter.sql}`,
  );
  return {
    sql: `SELECT category, lower_bound, upper_bound, score, count(*) AS n, sum(poor) AS poor FROM (${branches.join(" UNION ALL ")}) rated GROUP BY category, lower_bound, upper_bound, score`,
    params: branches.flatMap(() => filter.params),
  };
}

export interface SummaryRow {
  category: string;
  lower_bound: number | string | null;
  upper_bound: number | string | null;
  score: number | string | null;
  n: number | string;
  poor: number | string | null;
}

export function foldSummary(rows: readonly SummaryRow[]): SurveySummary {
  const byCategory = new Map<string, CategorySummary>(
    RATING_CATEGORIES.map(({ key }) => [
      key,
      { category: key, surveys: 0, poor: 0, normalizedScoreSum: 0, distribution: {} },
    ]),
  );
  let surveys = 0;
  for (const row of rows) {
    const n = Number(row.n);
    if (row.category === ALL) {
      surveys += n;
      continue;
    }
    const summary = byCategory.get(row.category);
    if (!summary) continue;
    const lower = Number(row.lower_bound);
    const upper = Number(row.upper_bound);
    const score = Number(row.score);
    summary.surveys += n;
    summary.poor += Number(row.poor ?? 0);
    summary.normalizedScoreSum += (n * (score - lower)) / (upper - lower);
    const key = `${lower}-${upper}:${score}`;
    summary.distribution[key] = (summary.distribution[key] ?? 0) + n;
  }
  return { surveys, categories: [...byCategory.values()] };
}

/**
 * One statement grouping by the stored comma-separated tag string and the poor flag; the (few) distinct
 * strings are split and added up by {@link foldTagCounts}, which keeps the SQL the same on both engines.
 */
export function tagSql(projectId: string, query: SurveyQuery): SqlFragment {
  const filter = surveyFilter(projectId, query);
  const branches = RATING_CATEGORIES.map(
    ({ key }) =>
      `SELECT '${key}' AS category, ${key}_issues AS issues, ${key}_poor AS poor FROM surveys WHERE ${filter.sql} AND ${key}_score IS NOT NULL AND ${key}_issues <> ''`,
  );
  return {
    sql: `SELECT category, issues, poor, count(*) AS n FROM (${branches.join(" UNION ALL ")}) tagged GROUP BY category, issues, poor`,
    params: branches.flatMap(() => filter.params),
  };
}

export interface TagRow {
  category: string;
  issues: string | null;
  poor: number | string | null;
  n: number | string;
}

export function foldTagCounts(rows: readonly TagRow[]): IssueTagCount[] {
  const counts = new Map<string, IssueTagCount>();
  for (const row of rows) {
    if (!row.issues) continue;
    const n = Number(row.n);
    const poor = Number(row.poor) === 1 ? n : 0;
    for (const tag of row.issues.split(",")) {
      if (tag === "") continue;
      const key = `${row.category}\u0000${tag}`;
      const entry = counts.get(key) ?? {
        category: row.category as RatingCategory,
        tag,
        count: 0,
        poorCount: 0,
      };
      entry.count += n;
      entry.poorCount += poor;
      counts.set(key, entry);
    }
  }
  return [...counts.values()];
}

// ---------------------------------------------------------------------------------------------------
// Time slots and breakdowns: one category, grouped by a key plus scale (no floats in SQL: the scores
// are summed as whole-number offsets from the scale's lower bound, divided by its width in JS).

const BREAKDOWN_COLUMNS: Record<string, string> = {
  appVersion: "app_version",
  platform: "platform",
  browser: "browser",
  sdkVersion: "sdk_version",
};

function categoryKey(category: string): string {
  if (!RATING_CATEGORIES.some((c) => c.key === category))
    throw new RangeError(`Unknown rating category ${category}`);
  return category;
}

/** `key` grouped with scale over the rated rows of one category. */
function groupedSql(projectId: string, query: SurveyQuery, category: string, key: string): SqlFragment {
  const c = categoryKey(category);
  const filter = surveyFilter(projectId, query);
  return {
    sql: `SELECT grp, lower_bound, upper_bound, count(*) AS n, sum(poor) AS poor, sum(score - lower_bound) AS offset_sum FROM (SELECT ${key} AS grp, ${c}_lower AS lower_bound, ${c}_upper AS upper_bound, ${c}_score AS score, ${c}_poor AS poor FROM surveys WHERE ${filter.sql} AND ${c}_score IS NOT NULL) rated GROUP BY grp, lower_bound, upper_bound`,
    params: filter.params,
  };
}

/** Integer arithmetic both engines share: `received_at` floored to its 15-minute slot (always ≥ 0). */
export function timeSlotSql(projectId: string, query: SurveyQuery, category: RatingCategory): SqlFragment {
  return groupedSql(projectId, query, category, `received_at - (received_at % ${TIME_SLOT_MS})`);
}

/**
 * A context column, or for `dimension:<key>` the stored dimensions JSON text (decoded and regrouped by
 * {@link foldBreakdown}, which keeps dialect-specific JSON functions out of the SQL).
 */
export function breakdownSql(
  projectId: string,
  query: SurveyQuery,
  category: RatingCategory,
  by: BreakdownBy,
): SqlFragment {
  if (by.startsWith("dimension:")) {
    dimensionKey(by);
    // The dimensions the rollups count (past the caps folded into "(other)"), so both paths agree.
    return groupedSql(projectId, query, category, "COALESCE(rollup_dimensions, dimensions)");
  }
  const column = BREAKDOWN_COLUMNS[by];
  if (!column) throw new RangeError(`Unknown breakdown ${by}`);
  return groupedSql(projectId, query, category, column);
}

function dimensionKey(by: string): string {
  const key = by.slice("dimension:".length);
  if (!DIMENSION_KEY_PATTERN.test(key)) throw new RangeError(`Invalid dimension key ${key}`);
  return key;
}

export interface GroupedRow {
  grp: number | string | null;
  lower_bound: number | string;
  upper_bound: number | string;
  n: number | string;
  poor: number | string | null;
  /** Sum of `score - lower_bound` over the group's ratings (whole numbers). */
  offset_sum: number | string;
}

function fold<K>(rows: readonly GroupedRow[], keyOf: (row: GroupedRow) => K): Map<K, RatingAggregate> {
  const groups = new Map<K, RatingAggregate>();
  for (const row of rows) {
    const key = keyOf(row);
    let entry = groups.get(key);
    if (!entry) {
      entry = { surveys: 0, poor: 0, normalizedScoreSum: 0 };
      groups.set(key, entry);
    }
    const n = Number(row.n);
    const lower = Number(row.lower_bound);
    entry.surveys += n;
    entry.poor += Number(row.poor ?? 0);
    entry.normalizedScoreSum += Number(row.offset_sum) / (Number(row.upper_bound) - lower);
  }
  return groups;
}

export function foldTimeSlots(rows: readonly GroupedRow[]): TimeSlotAggregate[] {
  return [...fold(rows, (row) => Number(row.grp))]
    .map(([startMs, aggregate]) => ({ startMs, ...aggregate }))
    .sort((a, b) => a.startMs - b.startMs);
}

export function foldBreakdown(rows: readonly GroupedRow[], by: BreakdownBy): BreakdownAggregate[] {
  let keyOf = (row: GroupedRow): string | null => (row.grp === null ? null : String(row.grp));
  if (by.startsWith("dimension:")) {
    const key = dimensionKey(by);
    keyOf = (row) => {
      const dimensions = JSON.parse(String(row.grp ?? "{}")) as Record<string, unknown>;
      const value = Object.hasOwn(dimensions, key) ? dimensions[key] : undefined;
      return typeof value === "string" ? value : null;
    };
  }
  return [...fold(rows, keyOf)].map(([value, aggregate]) => ({ value, ...aggregate }));
}
