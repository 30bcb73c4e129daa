/**
 * `@aftercall/schema`: the one definition of an end-of-call survey, shared by the client SDK, the widget,
 * the server and the docs. Types, the runtime validator, derived values, record formats and the JSON
 * Schema all come from the catalogue in `catalog.ts`.
 *
 * @module
 */

export {
  BAND_THRESHOLD_RANGES,
  checkNetworkBands,
  checkSampleRateByBand,
} from "./band-config.js";
export type {
  CallQualitySummary,
  CandidateType,
  MediaDirection,
  MediaKind,
  PathQuality,
  Percentiles,
  StreamQuality,
} from "./call-quality.js";
export {
  CANDIDATE_TYPES,
  CODEC_PATTERN,
  MAX_BITRATE_KBPS,
  MAX_CALL_QUALITY_SECONDS,
  MAX_CODEC_LENGTH,
  MAX_FRAMES_PER_SECOND,
  MAX_FREEZE_COUNT,
  MAX_JITTER_MS,
  MAX_RTT_MS,
  MEDIA_DIRECTIONS,
  MEDIA_KINDS,
  MOS_MAX,
  MOS_MIN,
  TRANSPORT_PROTOCOLS,
} from "./call-quality.js";
export type { QualityShape, ReportIssue } from "./call-quality-check.js";
export { CALL_QUALITY_SHAPE, checkCallQuality, checkQualityShape } from "./call-quality-check.js";
export * from "./catalog.js";
export type { CodecImpairment } from "./e-model.js";
export {
  BROWSER_CODEC_IMPAIRMENT,
  CODEC_DELAY_MS,
  delayImpairment,
  estimateMos,
  G729_IMPAIRMENT,
  mosFromR,
  R_DEFAULT,
  rFactor,
} from "./e-model.js";
export type { JsonSchema } from "./json-schema.js";
export {
  callQualitySchema,
  ratingScaleSchema,
  surveyResponseSchema,
  surveySubmissionSchema,
} from "./json-schema.js";
export type {
  BandMetric,
  BandMetrics,
  BandThreshold,
  NetworkBand,
  NetworkBandOverrides,
  NetworkBandThresholds,
} from "./network-band.js";
export {
  BAND_METRICS,
  bandMetrics,
  bandOf,
  bandThresholds,
  DEFAULT_NETWORK_BAND_THRESHOLDS,
  NETWORK_BANDS,
  networkBand,
} from "./network-band.js";
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
export {
  isLabelText,
  isWellFormedText,
  textFault,
  textFaultMessage,
  VALIDATION_CODES,
  validateStampedSurvey,
  validateSurvey,
} from "./validate.js";
