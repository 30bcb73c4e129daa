import type { analyticsSummary, analyticsTags, RouteReply } from "@aftercall/api";
import { RATING_CATEGORIES } from "@aftercall/schema";
import type { CategorySummary, IssueTagCount, RatingAggregate, SurveySummary } from "./aggregates.js";
import { wilsonInterval } from "./statistics.js";

/**
 * The analytics answers as the API shapes them (`@aftercall/api`): rates with their Wilson intervals,
 * score distributions per scale, tag shares, the response rate. Pure functions of the aggregates.
 *
 * @module
 */

type Summary = RouteReply<typeof analyticsSummary>;
type CategoryStats = NonNullable<Summary["categories"]["overall"]>;
type Distribution = CategoryStats["distribution"][number];
type TagRow = NonNullable<RouteReply<typeof analyticsTags>["categories"]["overall"]>[number];

/** `{"lower-upper:score": n}` → one entry per scale, every score of the scale present (0 when unused). */
export function distribution(counts: Record<string, number>): Distribution[] {
  const scales = new Map<string, Distribution>();
  for (const [key, n] of Object.entries(counts)) {
    const match = /^(\d+)-(\d+):(\d+)$/.exec(key);
    if (!match) continue;
    const lowerBound = Number(match[1]);
    const upperBound = Number(match[2]);
    const scaleKey = `${lowerBound}-${upperBound}`;
    let entry = scales.get(scaleKey);
    if (!entry) {
      entry = { scale: { lowerBound, upperBound }, counts: {} };
      for (let s = lowerBound; s <= upperBound; s++) entry.counts[String(s)] = 0;
      scales.set(scaleKey, entry);
    }
    entry.counts[String(Number(match[3]))] = n;
  }
  return [...scales.values()].sort(
    (a, b) => a.scale.lowerBound - b.scale.lowerBound || a.scale.upperBound - b.scale.upperBound,
  );
}

/** Counts, poor-rate with its 95 % Wilson interval and mean normalized score of one group of ratings. */
export function rates(a: RatingAggregate) {
  return {
    surveys: a.surveys,
    poor: a.poor,
    poorRate: a.surveys > 0 ? a.poor / a.surveys : null,
    poorRateCi95: a.surveys > 0 ? wilsonInterval(a.poor, a.surveys) : null,
    meanNormalizedScore: a.surveys > 0 ? a.normalizedScoreSum / a.surveys : null,
  };
}

export function categoryStats(c: CategorySummary): CategoryStats {
  return { ...rates(c), distribution: distribution(c.distribution) };
}

/**
 * Submitted over shown lifecycle events of the time range (events carry no ratings or context, so only
 * `from`/`to` apply), with its Wilson 95 % interval. Events are counted as received: when more
 * submissions than showings arrived (lost `shown` events), the rate is above 1 and has no interval.
 */
export function responseRate(events: { shown: number; submitted: number; dismissed: number }) {
  const { shown, submitted, dismissed } = events;
  const interval = shown > 0 && submitted <= shown ? wilsonInterval(submitted, shown) : null;
  return {
    shown,
    submitted,
    dismissed,
    rate: shown > 0 ? submitted / shown : null,
    low: interval ? interval[0] : null,
    high: interval ? interval[1] : null,
  };
}

/** The summary answer: totals, per-category statistics and the response rate. */
export function summaryReply(summary: SurveySummary, events: Parameters<typeof responseRate>[0]): Summary {
  return {
    surveys: summary.surveys,
    categories: Object.fromEntries(summary.categories.map((c) => [c.category, categoryStats(c)])),
    responseRate: responseRate(events),
  };
}

function tagList(tags: readonly IssueTagCount[], summary: CategorySummary | undefined): TagRow[] {
  const rated = summary?.surveys ?? 0;
  const poor = summary?.poor ?? 0;
  return tags
    .map((t) => ({
      tag: t.tag,
      count: t.count,
      poorCount: t.poorCount,
      shareOfCategory: rated > 0 ? t.count / rated : null,
      shareOfPoor: poor > 0 ? t.poorCount / poor : null,
    }))
    .sort((a, b) => b.count - a.count || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
}

/** Per category, its issue tags most frequent first, with their shares of ratings and of poor ratings. */
export function tagsReply(
  tags: readonly IssueTagCount[],
  summary: SurveySummary,
): RouteReply<typeof analyticsTags> {
  return {
    categories: Object.fromEntries(
      RATING_CATEGORIES.map(({ key }) => [
        key,
        tagList(
          tags.filter((t) => t.category === key),
          summary.categories.find((c) => c.category === key),
        ),
      ]),
    ),
  };
}

/** Rows of a breakdown answer: the values with the most surveys. */
export const BREAKDOWN_LIMIT = 50;
/** Keys of the dimension keys answer: those on the most surveys. */
export const DIMENSION_KEYS_LIMIT = 100;

const nullsLast = (a: string | null, b: string | null) =>
  a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1;

/** Breakdown rows, most surveys first (ties by value, null last), the top {@link BREAKDOWN_LIMIT}. */
export function breakdownRows<T extends RatingAggregate & { value: string | null }>(rows: T[]) {
  return rows
    .sort((a, b) => b.surveys - a.surveys || nullsLast(a.value, b.value))
    .slice(0, BREAKDOWN_LIMIT)
    .map((r) => ({ value: r.value, ...rates(r) }));
}

/** Dimension keys, on the most surveys first (ties by key), the top {@link DIMENSION_KEYS_LIMIT}. */
export function dimensionKeyRows<T extends { key: string; surveys: number }>(keys: T[]): T[] {
  return keys
    .sort((a, b) => b.surveys - a.surveys || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .slice(0, DIMENSION_KEYS_LIMIT);
}
