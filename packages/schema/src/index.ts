/**
 * `@aftercall/schema`: the one definition of an end-of-call survey, shared by the client SDK, the widget,
 * the server and the docs. Types, the runtime validator, derived values, record formats and the JSON
 * Schema all come from the catalogue in `catalog.ts`.
 *
 * @module
 */
export * from "./catalog.js";
export type { JsonSchema } from "./json-schema.js";
export { ratingScaleSchema, surveyResponseSchema, surveySubmissionSchema } from "./json-schema.js";
export type { AcsCallSurveyRow, AzureResourceLogRecord } from "./records.js";
export {
  ACS_CATEGORY,
  ACS_OPERATION_NAME,
  ACS_OPERATION_VERSION,
  defaultResourceId,
  effectiveScale,
  isPoor,
  normalizedScore,
  recordRating,
  toAcsCallSurveyRow,
  toAzureResourceLogRecord,
  toSubmission,
  toSurveyRecord,
  toSurveyResponse,
} from "./records.js";
export type { SurveyConfig, SurveyConfigResult } from "./survey-config.js";
export { configuredScale, DEFAULT_SURVEY_CONFIG, validateSurveyConfig } from "./survey-config.js";
export type { SurveyEvent, SurveyEventResult, SurveyEventType } from "./survey-event.js";
export { SURVEY_EVENT_TYPES, validateSurveyEvent } from "./survey-event.js";
export type * from "./types.js";
export type {
  Result,
  ValidateOptions,
  ValidationCode,
  ValidationIssue,
  ValidationResult,
} from "./validate.js";
export { isWellFormedText, VALIDATION_CODES, validateStampedSurvey, validateSurvey } from "./validate.js";
