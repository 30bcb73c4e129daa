/**
 * The survey's decisions, free of the DOM so they are unit-tested in Node: which categories are asked,
 * which choices a scale offers, when to ask for details, where a key moves in a rating, tag order, and
 * the survey that is sent.
 *
 * @module
 */
import {
  AUDIO_ISSUES,
  type CallRating,
  type CallSurvey,
  DEFAULT_SCALE,
  isPoor,
  OVERALL_ISSUES,
  type RatingCategory,
  type RatingScale,
  SCREENSHARE_ISSUES,
  type SurveyConfig,
  VIDEO_ISSUES,
} from "@aftercall/schema";

/** Each category's issue tags, in catalogue order (categories in asking order). */
export const ISSUES: Readonly<Record<RatingCategory, readonly string[]>> = {
  overall: OVERALL_ISSUES,
  audio: AUDIO_ISSUES,
  video: VIDEO_ISSUES,
  screenshare: SCREENSHARE_ISSUES,
};

/** How a scale is drawn: 1–5 as stars, two choices as bad/good, anything else as numbered buttons. */
export type ChoiceKind = "stars" | "binary" | "numbers";

/** The choices of a scale, worst first. */
export function scaleChoices(scale: RatingScale): { kind: ChoiceKind; values: number[] } {
  const values: number[] = [];
  for (let v = scale.lowerBound; v <= scale.upperBound; v++) values.push(v);
  const kind =
    scale.lowerBound === DEFAULT_SCALE.lowerBound && scale.upperBound === DEFAULT_SCALE.upperBound
      ? "stars"
      : values.length === 2
        ? "binary"
        : "numbers";
  return { kind, values };
}

/** Whether a scale is the default 1–5 with threshold 2, which a survey leaves out. */
export function isDefaultScale(scale: RatingScale): boolean {
  return (
    scale.lowerBound === DEFAULT_SCALE.lowerBound &&
    scale.upperBound === DEFAULT_SCALE.upperBound &&
    scale.lowScoreThreshold === DEFAULT_SCALE.lowScoreThreshold
  );
}

/**
 * Whether step 2 (per-category ratings, tags and suggestions) follows the overall score: always when
 * configured so, otherwise only after a poor score (at or below the scale's threshold).
 */
export function needsDetails(score: number, scale: RatingScale, detailsWhen: "poor" | "always"): boolean {
  return detailsWhen === "always" || isPoor(score, scale);
}

/** A category's scale: the project's, else the default 1–5. */
export function scaleOf(config: Pick<SurveyConfig, "scales">, category: RatingCategory): RatingScale {
  return config.scales?.[category] ?? DEFAULT_SCALE;
}

/** When step 2 is asked: the element's `details` attribute when it is valid, else the project's setting. */
export function detailsWhenOf(
  override: string | undefined,
  config: Pick<SurveyConfig, "detailsWhen">,
): "poor" | "always" {
  return override === "always" || override === "poor" ? override : config.detailsWhen;
}

/**
 * The choice a key moves to in a rating's radio group of `count` choices, from the choice at index
 * `current` (-1 when none has focus): Down/Up go to the next/previous choice and Right/Left follow the
 * reading direction (mirrored when `rtl`), all wrapping around as in an ARIA radio group; Home and End
 * go to the ends. -1 for any other key, which the group leaves to the page.
 */
export function ratingKeyIndex(key: string, current: number, count: number, rtl: boolean): number {
  const step = { ArrowDown: 1, ArrowUp: -1, ArrowRight: rtl ? -1 : 1, ArrowLeft: rtl ? 1 : -1 }[
    key as "ArrowDown"
  ];
  return key === "Home" ? 0 : key === "End" ? count - 1 : step ? (current + step + count) % count : -1;
}

const MODALITIES: readonly RatingCategory[] = ["audio", "video", "screenshare"];

/**
 * Parse the `modalities` attribute or property: `"audio,video"`, `"audio video"` or an array. Unknown
 * names are ignored; `undefined`/`null` means "not said" (every configured category is asked).
 */
export function parseModalities(
  value: string | readonly string[] | null | undefined,
): RatingCategory[] | undefined {
  if (value == null) return undefined;
  const names = typeof value === "string" ? value.split(/[\s,]+/) : value;
  return MODALITIES.filter((m) => names.includes(m));
}

/** The categories asked, overall first: the configured ones, limited to the modalities the call used. */
export function askedCategories(
  config: Pick<SurveyConfig, "categories">,
  modalities: readonly RatingCategory[] | undefined,
): RatingCategory[] {
  return [
    "overall",
    ...config.categories.filter((c) => c !== "overall" && (!modalities || modalities.includes(c))),
  ];
}

/** 32-bit FNV-1a hash of a string. */
export function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Fisher–Yates shuffle driven by mulberry32 seeded with `seed`: the same seed gives the same order. */
export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0;
  const random = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * A category's issue tags in display order. Shuffled (against first-position bias) with a seed made of
 * the call, the participant and the category, so every render of one survey shows the same order;
 * `OtherIssues` stays last, as "other" does in any well-formed choice list.
 */
export function tagOrder(category: RatingCategory, seed: string, randomize: boolean): string[] {
  const issues = ISSUES[category] ?? [];
  if (!randomize) return [...issues];
  const rest = issues.filter((t) => t !== "OtherIssues");
  const shuffled = seededShuffle(rest, hash(`${seed}|${category}`));
  return rest.length < issues.length ? [...shuffled, "OtherIssues"] : shuffled;
}

/** What the participant has answered so far. */
export interface Answers {
  scores: Partial<Record<RatingCategory, number>>;
  tags: Partial<Record<RatingCategory, readonly string[]>>;
  text: Partial<Record<RatingCategory, string>>;
}

/** Categories that have tags or text but no score yet (a rating cannot be sent without one). */
export function unscored(categories: readonly RatingCategory[], answers: Answers): RatingCategory[] {
  return categories.filter(
    (c) =>
      answers.scores[c] === undefined && ((answers.tags[c]?.length ?? 0) > 0 || !!answers.text[c]?.trim()),
  );
}

/**
 * The survey to send. Every category has its own score (never the overall one copied); a scale is sent
 * only when it is not the default; tags come out once each, in catalogue order; suggestions trimmed.
 * Tags and suggestions are left out unless step 2 was answered (`withDetails`).
 */
export function buildSurvey(
  categories: readonly RatingCategory[],
  scaleOf: (category: RatingCategory) => RatingScale,
  answers: Answers,
  withDetails: boolean,
): CallSurvey {
  const survey: Record<string, CallRating> = {};
  for (const category of Object.keys(ISSUES) as RatingCategory[]) {
    const score = answers.scores[category];
    if (!categories.includes(category) || score === undefined) continue;
    const rating: CallRating = { score };
    const scale = scaleOf(category);
    if (!isDefaultScale(scale)) rating.scale = { ...scale };
    if (withDetails) {
      const picked = answers.tags[category] ?? [];
      const issues = ISSUES[category].filter((t) => picked.includes(t));
      if (issues.length > 0) rating.issues = issues;
      const text = answers.text[category]?.trim();
      if (text) rating.improvementSuggestion = text;
    }
    // The survey field of a category: `overall` → `overallRating`.
    survey[`${category}Rating`] = rating;
  }
  return survey as CallSurvey;
}
