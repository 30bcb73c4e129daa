/**
 * `@aftercall/client`: submit end-of-call surveys from browsers and Node, never losing one. The API is
 * shaped like Azure Communication Services' `CallSurveyFeature`, so ACS code moves over unchanged.
 *
 * @module
 */
export type {
  AudioIssue,
  CallRating,
  CallSurvey,
  CallSurveyResponse,
  OverallIssue,
  RatingCategory,
  RatingScale,
  ScreenshareIssue,
  SurveyConfig,
  SurveyEventType,
  ValidationIssue,
  VideoIssue,
} from "@aftercall/schema";
export { createSurveyClient } from "./client.js";
export { memoryStorage } from "./storage.js";
export type * from "./types.js";
export { SDK_VERSION } from "./version.js";
