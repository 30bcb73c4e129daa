import type { RatingCategory, SurveyConfig } from "@aftercall/schema";
import type { Answers } from "../logic.js";
import type { SurveyStrings } from "../strings.js";

/**
 * What the views of `<aftercall-survey>` read and call: the element's state for one render and its
 * handlers. The element builds one per render, so views are plain functions of it and never reach into
 * the element.
 */
export interface SurveyView {
  /** The shown text, in the element's language. */
  s: SurveyStrings;
  config: SurveyConfig;
  answers: Answers;
  /** Categories with tags or text but no score yet, flagged by a submit. */
  invalid: readonly RatingCategory[];
  /** A submit is in flight: the buttons are disabled. */
  busy: boolean;
  /** Call and participant: the seed of the tag order, so every render shows the same one. */
  seed: string;
  /** Whether the page reads right to left, which mirrors the rating's Left/Right keys. */
  rtl: boolean;
  /** Choose a score; with `refocus`, move focus to it once rendered (keyboard selection). */
  pick(category: RatingCategory, score: number, refocus?: boolean): void;
  /** Tick or untick an issue tag. */
  toggle(category: RatingCategory, tag: string, on: boolean): void;
  /** Set a category's suggestion as typed (trimmed only when sent). */
  write(category: RatingCategory, text: string): void;
  /** Go from step 1 to step 2. */
  next(): void;
  /** Check and send the answers; `withDetails` once step 2 was shown. */
  send(withDetails: boolean): void;
  /** Send the survey that failed again. */
  retry(): void;
  /** Close the survey without an answer (records `dismissed`, emits `aftercall-skip`). */
  skip(): void;
}
