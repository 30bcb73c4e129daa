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
] as const;

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
export const DEFAULT_SCALE = Object.freeze({ lowerBound: 1, upperBound: 5, lowScoreThreshold: 2 });

/** Custom scale bounds and thresholds must lie within this range (ACS rule). */
export const SCALE_LIMITS = Object.freeze({ min: 0, max: 100 });

/** Size limits. They keep one survey small enough to log, index and ship in a beacon. */
export const LIMITS = Object.freeze({
  /** Characters of one free-text improvement suggestion. */
  improvementSuggestion: 2000,
  /** Characters of `callId` and `participantId`. */
  identifier: 256,
  /** Characters of `appVersion`, `platform`, `browser`, `sdkVersion`. */
  contextValue: 64,
  /** Custom dimensions per survey. */
  dimensions: 20,
  /** Characters of a custom dimension key. */
  dimensionKey: 40,
  /** Characters of a custom dimension value. */
  dimensionValue: 200,
  /** Surveys per batch request. */
  batch: 500,
});

/** Custom dimension keys: a letter, then letters, digits, `_`, `.` or `-`. */
export const DIMENSION_KEY_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/** RFC 4122 UUID of any version, in its canonical 8-4-4-4-12 hex form. */
export const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** RFC 3339 date-time with an explicit offset, e.g. `2026-11-23T10:15:00.000Z`. */
export const DATE_TIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Optional call-context strings a survey may carry, used for breakdowns (release, OS, browser, SDK).
 * Each is a short string; the limit is {@link LIMITS.contextValue}.
 */
export const CONTEXT_FIELDS = ["appVersion", "platform", "browser", "sdkVersion"] as const;
export type ContextField = (typeof CONTEXT_FIELDS)[number];
