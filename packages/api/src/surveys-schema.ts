import {
  type CallQualitySummary,
  type CallSurveyResponse,
  callQualitySchema,
  MIN_ASK_PROBABILITY,
  NETWORK_BANDS,
  type RatingCategory,
  ratingScaleSchema,
  type SurveyRecord,
  type SurveySubmission,
  surveyResponseSchema,
  surveySubmissionSchema,
} from "@aftercall/schema";
import { type Static, type TSchema, Type } from "typebox";
import { InstantSchema, oneOf } from "./common.js";

/**
 * The survey as the API carries it. A submission and the ACS-shaped answer are described by the schema
 * package's own JSON Schema (generated from the catalogue that also drives its validator); the stored
 * record is declared here and checked against the schema package's `SurveyRecord` type at compile time.
 *
 * @module
 */

/** What `POST /v1/surveys` takes (checked by the schema package's validator, with ACS's messages). */
export const SurveySubmissionSchema = Type.Unsafe<SurveySubmission>(surveySubmissionSchema as TSchema);

/** What ingestion answers: ACS's `CallSurveyResponse`. */
export const CallSurveyResponseSchema = Type.Unsafe<CallSurveyResponse>(surveyResponseSchema as TSchema);

export const RatingScaleSchema = Type.Unsafe<{
  lowerBound: number;
  upperBound: number;
  lowScoreThreshold: number;
}>(ratingScaleSchema as TSchema);

export const RecordedRatingSchema = Type.Object(
  {
    score: Type.Integer(),
    scale: RatingScaleSchema,
    issues: Type.Array(Type.String()),
    improvementSuggestion: Type.Optional(Type.String()),
    normalizedScore: Type.Number({ minimum: 0, maximum: 1, description: "0 = worst, 1 = best." }),
    poor: Type.Boolean({ description: "score <= lowScoreThreshold" }),
  },
  { additionalProperties: false },
);

const optionalText = Type.Optional(Type.String());

/** Aftercall's native record of one stored survey (exports, destinations in native format, the API). */
export const SurveyRecordSchema = Type.Object(
  {
    schemaVersion: Type.Literal(1),
    id: Type.String(),
    projectId: Type.String(),
    receivedAt: InstantSchema,
    clientTime: Type.String(),
    callId: Type.String(),
    participantId: Type.String(),
    appVersion: optionalText,
    platform: optionalText,
    browser: optionalText,
    sdkVersion: optionalText,
    ratings: Type.Object(
      {
        overall: Type.Optional(RecordedRatingSchema),
        audio: Type.Optional(RecordedRatingSchema),
        video: Type.Optional(RecordedRatingSchema),
        screenshare: Type.Optional(RecordedRatingSchema),
      },
      { additionalProperties: false },
    ),
    dimensions: Type.Record(Type.String(), Type.String()),
    callQuality: Type.Optional(
      Type.Unsafe<CallQualitySummary>({
        ...(callQualitySchema as TSchema),
        description: "What the device measured during the call, as submitted.",
      }),
    ),
    askProbability: Type.Optional(
      Type.Number({
        minimum: MIN_ASK_PROBABILITY,
        maximum: 1,
        description: "The probability the participant was asked with, as submitted; absent means 1.",
      }),
    ),
    networkBand: Type.Optional(
      oneOf(NETWORK_BANDS, {
        description:
          "The call's network band, decided when the survey was stored from callQuality and the project's band thresholds; absent without a measured metric.",
      }),
    ),
  },
  { additionalProperties: false, title: "SurveyRecord" },
);

// The record declared here and the schema package's type are the same shape: adding a field to one
// without the other fails the build.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const recordShapesAgree: Same<Static<typeof SurveyRecordSchema>, SurveyRecord> = true;
void recordShapesAgree;
// Every category and context field of the catalogue is in the record schema.
const categoriesCovered: Same<keyof Static<typeof SurveyRecordSchema>["ratings"], RatingCategory> = true;
void categoriesCovered;

export type SurveyRecordBody = Static<typeof SurveyRecordSchema>;
