import type { CallQualitySummary } from "./call-quality.js";
import type {
  AudioIssue,
  ContextField,
  OverallIssue,
  RatingCategory,
  ScreenshareIssue,
  VideoIssue,
} from "./catalog.js";
import type { NetworkBand } from "./network-band.js";

/**
 * A rating scale. Scores are integers from `lowerBound` (worst) to `upperBound` (best), both inclusive;
 * a score at or below `lowScoreThreshold` is "poor". All three lie within 0–100.
 */
export interface RatingScale {
  lowerBound: number;
  upperBound: number;
  lowScoreThreshold: number;
}

/** One category's answer: a score, optionally its scale, issue tags and a free-text suggestion. */
export interface CallRating<TIssue extends string = string> {
  /** Integer score on `scale` (default 1–5). */
  score: number;
  /** Omitted means {@link DEFAULT_SCALE}. */
  scale?: RatingScale;
  /** Issue tags from the category's catalogue, each at most once. */
  issues?: TIssue[];
  /** What could have been better, in the participant's words. Never sent to analytics logs. */
  improvementSuggestion?: string;
}

/** The ratings of a survey, shaped exactly like ACS `CallSurvey`. */
export interface CallSurvey {
  overallRating?: CallRating<OverallIssue>;
  audioRating?: CallRating<AudioIssue>;
  videoRating?: CallRating<VideoIssue>;
  screenshareRating?: CallRating<ScreenshareIssue>;
}

/** Optional call context used to slice results (release, OS, browser, SDK). */
export type SurveyContext = { [K in ContextField]?: string };

/**
 * What a client submits: the ratings plus the call they rate.
 *
 * @example
 * ```ts
 * const survey: SurveySubmission = {
 *   id: crypto.randomUUID(),
 *   callId: "c-42",
 *   participantId: "p-7",
 *   clientTime: new Date().toISOString(),
 *   overallRating: { score: 2 },
 *   audioRating: { score: 1, issues: ["Echo"] },
 * };
 * ```
 */
export interface SurveySubmission extends CallSurvey, SurveyContext {
  /** Client-generated UUID; the idempotency key of the submission. */
  id: string;
  /** The call being rated. */
  callId: string;
  /** The participant answering. */
  participantId: string;
  /** When the client created the survey, RFC 3339 with offset. */
  clientTime: string;
  /** Small map of custom dimensions (e.g. `region`, `tier`) for breakdowns. */
  dimensions?: Record<string, string>;
  /** What the device measured during the call (`@aftercall/client/quality`). */
  callQuality?: CallQualitySummary;
  /**
   * The probability with which this participant was asked (sampling by network band or `sampleRate`),
   * from 0.0001 to 1; absent means 1. Estimates weight the survey by its inverse.
   */
  askProbability?: number;
}

/** The answer to a submission, shaped exactly like ACS `CallSurveyResponse`. */
export interface CallSurveyResponse extends CallSurvey {
  readonly id: string;
  readonly callId: string;
  readonly localParticipantId: string;
}

/** A category's rating as stored: scale materialised, derived values computed. */
export interface RecordedRating {
  score: number;
  scale: RatingScale;
  issues: string[];
  improvementSuggestion?: string;
  /** `(score - lowerBound) / (upperBound - lowerBound)`, 0 = worst, 1 = best. */
  normalizedScore: number;
  /** `score <= lowScoreThreshold`. */
  poor: boolean;
}

/**
 * Aftercall's native record of one accepted survey: the submission plus server facts and derived values.
 * This is what exports, imports and destinations carry in the native format.
 */
export interface SurveyRecord extends SurveyContext {
  /** Format version of this record. */
  schemaVersion: 1;
  id: string;
  projectId: string;
  /** When the server durably accepted the survey (RFC 3339, UTC). */
  receivedAt: string;
  clientTime: string;
  callId: string;
  participantId: string;
  ratings: { [K in RatingCategory]?: RecordedRating };
  dimensions: Record<string, string>;
  /** What the device measured during the call, as submitted. */
  callQuality?: CallQualitySummary;
  /** The probability the participant was asked with, as submitted (absent: 1). */
  askProbability?: number;
  /**
   * The call's network band, decided by the server when it stored the survey, from `callQuality` and
   * the project's band thresholds then in force; absent without a measured metric.
   */
  networkBand?: NetworkBand;
}
