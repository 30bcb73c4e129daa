import { CALL_QUALITY_SHAPE, type QualityShape } from "./call-quality-check.js";
import {
  CONTEXT_FIELDS,
  DATE_TIME_PATTERN,
  DIMENSION_KEY_PATTERN,
  LIMITS,
  MIN_ASK_PROBABILITY,
  RATING_CATEGORIES,
  SCALE_LIMITS,
  UUID_PATTERN,
} from "./catalog.js";

/**
 * JSON Schema (draft 2020-12 subset, as used by OpenAPI 3.1) of a survey submission, generated from the
 * same catalogue as {@link validateSurvey}. It describes the shape; rules that compare fields with each
 * other (score within its own scale, threshold within bounds, lowerBound < upperBound, overall required,
 * unique tags) are enforced by the validator and stated in `description`s. A property test checks that
 * everything this schema rejects, the validator rejects too.
 */
export type JsonSchema = Record<string, unknown>;

const integer0to100 = { type: "integer", minimum: SCALE_LIMITS.min, maximum: SCALE_LIMITS.max };

/** Schema of a rating scale. */
export const ratingScaleSchema: JsonSchema = {
  type: "object",
  description: "Rating scale; lowerBound < upperBound and lowerBound <= lowScoreThreshold <= upperBound.",
  required: ["lowerBound", "upperBound", "lowScoreThreshold"],
  additionalProperties: false,
  properties: {
    lowerBound: { ...integer0to100, description: "Worst possible score (inclusive)." },
    upperBound: { ...integer0to100, description: "Best possible score (inclusive)." },
    lowScoreThreshold: { ...integer0to100, description: "Scores at or below this are poor." },
  },
};

function ratingSchema(field: string, issues: readonly string[]): JsonSchema {
  return {
    type: "object",
    description: `The ${field}. Without a scale, score is 1–5 and 1–2 is poor.`,
    required: ["score"],
    additionalProperties: false,
    properties: {
      score: { type: "integer", minimum: SCALE_LIMITS.min, maximum: SCALE_LIMITS.max },
      scale: ratingScaleSchema,
      issues: { type: "array", uniqueItems: true, maxItems: issues.length, items: { enum: [...issues] } },
      improvementSuggestion: { type: "string", maxLength: LIMITS.improvementSuggestion },
    },
  };
}

/** The JSON Schema of a declared call-quality shape (`p50 <= p95` is the validator's, stated in words). */
function qualitySchema(shape: QualityShape): JsonSchema {
  const { description } = shape;
  switch (shape.kind) {
    case "number":
      return {
        type: shape.integer ? "integer" : "number",
        minimum: shape.min,
        maximum: shape.max,
        description,
      };
    case "enum":
      return { enum: [...shape.values], description };
    case "text":
      return { type: "string", maxLength: shape.maxLength, pattern: shape.pattern.source, description };
    case "percentiles": {
      const bound = { type: "number", minimum: 0, maximum: shape.max };
      return {
        type: "object",
        description: `${description} p50 <= p95.`,
        required: ["p50", "p95"],
        additionalProperties: false,
        properties: { p50: bound, p95: bound },
      };
    }
    case "object":
      return {
        type: "object",
        description,
        ...(shape.required ? { required: [...shape.required] } : {}),
        additionalProperties: false,
        properties: Object.fromEntries(Object.entries(shape.fields).map(([k, f]) => [k, qualitySchema(f)])),
      };
  }
}

/** Schema of a survey's `callQuality`: the summary `@aftercall/client/quality` measures. */
export const callQualitySchema: JsonSchema = /* @__PURE__ */ qualitySchema(CALL_QUALITY_SHAPE);

/** Schema of one submission (`POST /v1/surveys` body). */
export const surveySubmissionSchema: JsonSchema = {
  $id: "https://aftercall.dev/schemas/survey-submission.json",
  title: "SurveySubmission",
  type: "object",
  description:
    "An end-of-call survey. At least one rating is required; overallRating is required unless the project allows otherwise.",
  required: ["id", "callId", "participantId", "clientTime"],
  additionalProperties: false,
  properties: {
    id: {
      type: "string",
      pattern: UUID_PATTERN.source,
      description: "Client-generated UUID; idempotency key.",
    },
    callId: { type: "string", minLength: 1, maxLength: LIMITS.identifier },
    participantId: { type: "string", minLength: 1, maxLength: LIMITS.identifier },
    clientTime: { type: "string", pattern: DATE_TIME_PATTERN.source, description: "RFC 3339 date-time." },
    ...Object.fromEntries(CONTEXT_FIELDS.map((f) => [f, { type: "string", maxLength: LIMITS.contextValue }])),
    dimensions: {
      type: "object",
      maxProperties: LIMITS.dimensions,
      propertyNames: { pattern: DIMENSION_KEY_PATTERN.source, maxLength: LIMITS.dimensionKey },
      additionalProperties: { type: "string", maxLength: LIMITS.dimensionValue },
    },
    ...Object.fromEntries(RATING_CATEGORIES.map((c) => [c.field, ratingSchema(c.field, c.issues)])),
    callQuality: callQualitySchema,
    askProbability: {
      type: "number",
      minimum: MIN_ASK_PROBABILITY,
      maximum: 1,
      description:
        "The probability with which the participant was asked (sampling by network band or sampleRate); absent means 1. Estimates weight the survey by its inverse.",
    },
  },
};

/** Schema of the ACS-shaped response (`CallSurveyResponse`). */
export const surveyResponseSchema: JsonSchema = {
  title: "CallSurveyResponse",
  type: "object",
  required: ["id", "callId", "localParticipantId"],
  properties: {
    id: { type: "string" },
    callId: { type: "string" },
    localParticipantId: { type: "string" },
    ...Object.fromEntries(
      RATING_CATEGORIES.map((c) => [
        c.field,
        {
          type: "object",
          required: ["score", "scale"],
          properties: {
            score: { type: "integer" },
            scale: ratingScaleSchema,
            issues: { type: "array", items: { enum: [...c.issues] } },
          },
        },
      ]),
    ),
  },
};
