import { RATING_CATEGORIES, type RatingCategory } from "@aftercall/schema";
import { type SqlFragment, surveyFilter } from "./list-query.js";
import type { CategorySummary, IssueTagCount, SurveyQuery, SurveySummary } from "./store.js";

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
