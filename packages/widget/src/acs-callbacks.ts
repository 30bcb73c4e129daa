/**
 * The ACS UI library's survey callbacks (`@azure/communication-react`'s `surveyOptions`), computed from
 * the element's events so an app moving from the ACS `CallComposite` keeps its handlers.
 *
 * @module
 */
import type { CallSurvey } from "@aftercall/schema";
import type { SurveySubmitDetail } from "./events.js";

/** Free text per category, keyed like the ACS UI library's `CallSurveyImprovementSuggestions`. */
export interface CallSurveyImprovementSuggestions {
  overallRating?: string;
  audioRating?: string;
  videoRating?: string;
  screenshareRating?: string;
}

/** How the survey closed, as the ACS UI library's `onSurveyClosed` receives it. */
export type SurveyClosedState = "sent" | "skipped" | "error";

/** The arguments of ACS's `onSurveySubmitted(callId, surveyId, submittedSurvey, improvementSuggestions)`. */
export type SurveySubmittedArguments = [
  callId: string,
  surveyId: string,
  submittedSurvey: CallSurvey,
  improvementSuggestions: CallSurveyImprovementSuggestions,
];

const FIELDS = ["overallRating", "audioRating", "videoRating", "screenshareRating"] as const;

/**
 * ACS's `onSurveySubmitted` arguments for a submitted survey: the call and survey ids, the ratings as
 * ACS's `CallSurvey` (score, scale and issues as answered; ACS has no free text), and the free text
 * apart, per category.
 */
export function surveySubmittedArguments(detail: SurveySubmitDetail): SurveySubmittedArguments {
  const survey: Record<string, unknown> = {};
  const suggestions: Record<string, string> = {};
  for (const field of FIELDS) {
    const rating = detail.survey?.[field];
    if (!rating) continue;
    const { improvementSuggestion, ...rest } = rating;
    survey[field] = rest;
    if (improvementSuggestion) suggestions[field] = improvementSuggestion;
  }
  return [detail.callId, detail.id, survey as CallSurvey, suggestions];
}
