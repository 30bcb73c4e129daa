/**
 * The fixed vocabulary of an end-of-call survey: rating categories, their issue-tag catalogues, the
 * default scale and the size limits. Everything else in this package (types, validator, JSON Schema,
 * record formats) is derived from these constants, so a new tag or limit is added here and nowhere else.
 *
 * Tag strings are the exact values of Azure Communication Services' `OverallIssue`, `AudioIssue`,
 * `VideoIssue` and `ScreenshareIssue` unions, so ACS data and code migrate unchanged.
 *
 * @module
 */

// Size limits, as plain constants that bundlers inline, so code checking them (the validator, the client
// SDK) ships without the LIMITS object below, which gathers them for readers. They come first in this
// module: esbuild only inlines constants declared ahead of any statement it cannot evaluate.

/** Lowest custom scale bound or threshold (ACS rule). */
export const SCALE_MIN = 0;
/** Highest custom scale bound or threshold (ACS rule). */
export const SCALE_MAX = 100;
/** Characters of one free-text improvement suggestion. */
export const MAX_SUGGESTION_LENGTH = 2000;
/** Characters of `callId` and `participantId`. */
export const MAX_IDENTIFIER_LENGTH = 256;
/** Characters of `appVersion`, `platform`, `browser`, `sdkVersion`. */
export const MAX_CONTEXT_LENGTH = 64;
/** Custom dimensions per survey. */
export const MAX_DIMENSIONS = 20;
/** Characters of a custom dimension key. */
export const MAX_DIMENSION_KEY_LENGTH = 40;
/** Characters of a custom dimension value. */
export const MAX_DIMENSION_VALUE_LENGTH = 200;
/**
 * Lowest `askProbability` a survey may carry (and lowest per-band sampling rate): estimates weight each
 * survey by 1/probability, so this caps one survey's weight at 10,000.
 */
export const MIN_ASK_PROBABILITY = 0.0001;

/** Issue tags of the overall call rating. */
export const OVERALL_ISSUES = [
  "CallCannotJoin",
  "CallCannotInvite",
  "HadToRejoin",
  "CallEndedUnexpectedly",
  "OtherIssues",
] as const;

/** Issue tags of the audio rating. `NoLocalAudio` means "others could not hear me" (ACS JS meaning). */
export const AUDIO_ISSUES = [
  "NoLocalAudio",
  "NoRemoteAudio",
  "Echo",
  "AudioNoise",
  "LowVolume",
  "AudioStoppedUnexpectedly",
  "DistortedSpeech",
  "AudioInterruption",
  "OtherIssues",
] as const;

/** Issue tags of the video rating. */
export const VIDEO_ISSUES = [
  "NoVideoReceived",
  "NoVideoSent",
  "LowQuality",
  "Freezes",
  "StoppedUnexpectedly",
  "DarkVideoReceived",
  "AudioVideoOutOfSync",
  "OtherIssues",
] as const;

/** Issue tags of the screen-share rating. `NoContentLocal` means "others could not see my screen". */
export const SCREENSHARE_ISSUES = [
  "NoContentLocal",
  "NoContentRemote",
  "CannotPresent",
  "LowQuality",
  "Freezes",
  "StoppedUnexpectedly",
  "LargeDelay",
  "OtherIssues",
] as const;

export type OverallIssue = (typeof OVERALL_ISSUES)[number];
export type AudioIssue = (typeof AUDIO_ISSUES)[number];
export type VideoIssue = (typeof VIDEO_ISSUES)[number];
export type ScreenshareIssue = (typeof SCREENSHARE_ISSUES)[number];

/**
 * The issue catalogue of each rating field, in category order: the ratings a survey may carry and the
 * tags each accepts. {@link RATING_CATEGORIES} adds names and columns.
 */
export const RATING_ISSUES = {
  overallRating: OVERALL_ISSUES,
  audioRating: AUDIO_ISSUES,
  videoRating: VIDEO_ISSUES,
  screenshareRating: SCREENSHARE_ISSUES,
} as const;

/**
 * The four rating categories, in the order questions are asked and columns are written.
 * `field` is the survey property, `column` the prefix of the `ACSCallSurvey` columns.
 */
export const RATING_CATEGORIES = [
  {
    key: "overall",
    field: "overallRating",
    column: "Overall",
    issuesColumn: "OverallCallIssues",
    issues: OVERALL_ISSUES,
  },
  { key: "audio", field: "audioRating", column: "Audio", issuesColumn: "AudioIssues", issues: AUDIO_ISSUES },
  { key: "video", field: "videoRating", column: "Video", issuesColumn: "VideoIssues", issues: VIDEO_ISSUES },
  {
    key: "screenshare",
    field: "screenshareRating",
    column: "Screenshare",
    issuesColumn: "ScreenshareIssues",
    issues: SCREENSHARE_ISSUES,
  },
] as const satisfies readonly {
  key: string;
  field: keyof typeof RATING_ISSUES;
  column: string;
  issuesColumn: string;
  issues: readonly string[];
}[];

/** Short category name: `overall`, `audio`, `video`, `screenshare`. */
export type RatingCategory = (typeof RATING_CATEGORIES)[number]["key"];
/** Survey property of a category: `overallRating`, `audioRating`, `videoRating`, `screenshareRating`. */
export type RatingField = (typeof RATING_CATEGORIES)[number]["field"];

/** Look up a category descriptor by its short name. */
export function ratingCategory(key: RatingCategory): (typeof RATING_CATEGORIES)[number] {
  const found = RATING_CATEGORIES.find((c) => c.key === key);
  if (!found) throw new RangeError(`Unknown rating category ${String(key)}`);
  return found;
}

/** The scale used when a rating has none: 1–5, scores at or below 2 are poor (ACS documented default). */
export const DEFAULT_SCALE = /* @__PURE__ */ Object.freeze({
  lowerBound: 1,
  upperBound: 5,
  lowScoreThreshold: 2,
});

/** Custom scale bounds and thresholds must lie within this range (ACS rule). */
export const SCALE_LIMITS = /* @__PURE__ */ Object.freeze({ min: SCALE_MIN, max: SCALE_MAX });

/** Size limits. They keep one survey small enough to log, index and ship in a beacon. */
export const LIMITS = /* @__PURE__ */ Object.freeze({
  /** Characters of one free-text improvement suggestion. */
  improvementSuggestion: MAX_SUGGESTION_LENGTH,
  /** Characters of `callId` and `participantId`. */
  identifier: MAX_IDENTIFIER_LENGTH,
  /** Characters of `appVersion`, `platform`, `browser`, `sdkVersion`. */
  contextValue: MAX_CONTEXT_LENGTH,
  /** Custom dimensions per survey. */
  dimensions: MAX_DIMENSIONS,
  /** Characters of a custom dimension key. */
  dimensionKey: MAX_DIMENSION_KEY_LENGTH,
  /** Characters of a custom dimension value. */
  dimensionValue: MAX_DIMENSION_VALUE_LENGTH,
  /** Surveys per batch request. */
  batch: 500,
});

/** Custom dimension keys: a letter, then letters, digits, `_`, `.` or `-`. */
export const DIMENSION_KEY_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/** RFC 4122 UUID of any version, in its canonical 8-4-4-4-12 hex form. */
export const UUID_PATTERN = /^[\dA-Fa-f]{8}(-[\dA-Fa-f]{4}){3}-[\dA-Fa-f]{12}$/;

/** RFC 3339 date-time with an explicit offset, e.g. `2026-11-23T10:15:00.000Z`. */
export const DATE_TIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Optional call-context strings a survey may carry, used for breakdowns (release, OS, browser, SDK).
 * Each is a short string; the limit is {@link LIMITS.contextValue}.
 */
export const CONTEXT_FIELDS = ["appVersion", "platform", "browser", "sdkVersion"] as const;
export type ContextField = (typeof CONTEXT_FIELDS)[number];
