import type { RatingCategory } from "@aftercall/schema";

/** Aggregates of one rating category over the surveys matching a query (see `summarize` in `rollup-query.ts`). */
export interface CategorySummary {
  category: RatingCategory;
  /** Surveys that rated this category. */
  surveys: number;
  /** Of those, rated poor (`score <= threshold` of the record's own scale). */
  poor: number;
  /** Sum of `(score - lower) / (upper - lower)`, so the mean is `normalizedScoreSum / surveys`. */
  normalizedScoreSum: number;
  /** Ratings per scale and score, keyed `"lower-upper:score"` (scales may be mixed within a project). */
  distribution: Record<string, number>;
}

export interface SurveySummary {
  /** Every matching survey, whichever categories it rated. */
  surveys: number;
  /** One entry per rating category, in catalogue order. */
  categories: CategorySummary[];
}

/** How often an issue tag was chosen in one category, overall and among poor ratings. */
export interface IssueTagCount {
  category: RatingCategory;
  tag: string;
  count: number;
  poorCount: number;
}

/** Counts and score sum of one rating category over a group of surveys (a time slot, a breakdown value). */
export interface RatingAggregate {
  /** Surveys that rated the category. */
  surveys: number;
  /** Of those, rated poor. */
  poor: number;
  /** Sum of the normalized scores, so the mean is `normalizedScoreSum / surveys`. */
  normalizedScoreSum: number;
}

/** Length of the time slots of `timeSlots` (`rollup-query.ts`): 15 minutes, a divisor of every UTC offset in use. */
export const TIME_SLOT_MS = 15 * 60_000;

/** A {@link TIME_SLOT_MS} slot of `receivedAt`, starting at `startMs` (epoch ms, a multiple of the slot). */
export interface TimeSlotAggregate extends RatingAggregate {
  startMs: number;
}

/** A custom dimension key and the number of surveys that carry it. */
export interface DimensionKeyCount {
  key: string;
  surveys: number;
}

/** What a breakdown groups by: a context column or one key of the custom dimensions. */
export type BreakdownField = "appVersion" | "platform" | "browser" | "sdkVersion";
export type BreakdownBy = BreakdownField | `dimension:${string}`;

/** One value of a breakdown; `null` when the survey carries no value. */
export interface BreakdownAggregate extends RatingAggregate {
  value: string | null;
}
