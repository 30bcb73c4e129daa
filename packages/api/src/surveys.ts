import { LIMITS } from "@aftercall/schema";
import { type Static, Type } from "typebox";
import { ProjectIdSchema, ProjectParams } from "./common.js";
import { filtersQuery, LEGACY_PROJECT, SURVEY_FILTER_PROPERTIES } from "./filters.js";
import { defineRoute } from "./route.js";
import { CallSurveyResponseSchema, SurveyRecordSchema, SurveySubmissionSchema } from "./surveys-schema.js";

/**
 * Survey ingestion (the publishable ingest key, browser-facing) and survey reads (admin token).
 *
 * @module
 */

const INGEST_KEY_QUERY = Type.Object(
  {
    key: Type.Optional(
      Type.String({
        maxLength: 200,
        description: "The ingest key, for navigator.sendBeacon, which cannot set headers.",
      }),
    ),
  },
  { additionalProperties: false },
);

const INGEST_HEADERS = [
  { name: "x-aftercall-key", description: "The ingest key (alternative to Authorization: Bearer)." },
] as const;

export const submitSurvey = defineRoute({
  method: "POST",
  url: "/v1/surveys",
  operationId: "submitSurvey",
  summary: "Submit one survey",
  description:
    "Answers 201 once the survey is durably committed, 200 with the same body (header aftercall-idempotent-replay: true) for a retry of the same id and content, 409 SURVEY_CONFLICT for the same id with other content. The body may be sent as text/plain (navigator.sendBeacon) with the key as ?key=. A custom dimension past the project's caps is stored but counted as (other) or not at all in the analytics: the header aftercall-warnings then lists them as JSON [{code, field, message}].",
  tags: ["surveys"],
  auth: "ingest",
  querystring: INGEST_KEY_QUERY,
  headers: INGEST_HEADERS,
  body: SurveySubmissionSchema,
  bodyCheckedByHandler: true,
  consumes: ["application/json", "text/plain"],
  responses: { 201: CallSurveyResponseSchema, 200: CallSurveyResponseSchema },
  errors: [409, 413, 415, 503],
  examples: {
    201: {
      id: "3b241101-e2bb-4255-8caf-4136c566a962",
      callId: "call-1",
      localParticipantId: "alice",
      overallRating: { score: 2, scale: { lowerBound: 1, upperBound: 5, lowScoreThreshold: 2 } },
    },
  },
});

/** Codes of what the server changed about a stored survey without refusing it. */
export const SURVEY_WARNING_CODES = ["DIMENSION_VALUE_FOLDED", "DIMENSION_KEY_NOT_ROLLED_UP"] as const;

/**
 * Something about a stored survey the submitter should know: a custom dimension past the project's caps
 * is stored with the survey but counted as `(other)` (a value past its key's daily cap) or not at all (a
 * key past the project's cap) in the analytics.
 */
export const SurveyWarningSchema = Type.Object(
  {
    code: Type.Unsafe<(typeof SURVEY_WARNING_CODES)[number]>({
      type: "string",
      enum: [...SURVEY_WARNING_CODES],
    }),
    field: Type.String({ description: "The dimension, as dimensions.<key>." }),
    message: Type.String(),
  },
  { additionalProperties: false, title: "SurveyWarning" },
);
export type SurveyWarning = Static<typeof SurveyWarningSchema>;

/** The response header that carries a single survey's warnings (its body keeps ACS's shape): JSON. */
export const SURVEY_WARNING_HEADER = "aftercall-warnings";

export const BatchResultSchema = Type.Object(
  {
    results: Type.Array(
      Type.Object(
        {
          id: Type.String(),
          created: Type.Boolean({ description: "false for an idempotent retry" }),
          survey: CallSurveyResponseSchema,
          warnings: Type.Optional(Type.Array(SurveyWarningSchema)),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const submitSurveyBatch = defineRoute({
  method: "POST",
  url: "/v1/surveys/batch",
  operationId: "submitSurveyBatch",
  summary: `Submit up to ${LIMITS.batch} surveys, all or nothing`,
  description:
    "Every survey is validated first; any invalid one fails the whole batch with its index in the paths (surveys[3].overallRating.score). A retry of a stored survey counts as created: false.",
  tags: ["surveys"],
  auth: "ingest",
  querystring: INGEST_KEY_QUERY,
  headers: INGEST_HEADERS,
  body: Type.Object(
    { surveys: Type.Array(SurveySubmissionSchema, { minItems: 1, maxItems: LIMITS.batch }) },
    { additionalProperties: false },
  ),
  bodyCheckedByHandler: true,
  consumes: ["application/json", "text/plain"],
  responses: { 200: BatchResultSchema },
  errors: [409, 413, 415, 503],
});

export const SurveyPageSchema = Type.Object(
  {
    items: Type.Array(SurveyRecordSchema),
    nextCursor: Type.Optional(Type.String({ description: "Pass as cursor for the next (older) page." })),
  },
  { additionalProperties: false },
);

const LIST_PROPERTIES = {
  ...SURVEY_FILTER_PROPERTIES,
  limit: Type.Optional(
    Type.String({
      pattern: "^([1-9][0-9]?|[1-4][0-9][0-9]|500)$",
      default: "50",
      description: "Surveys per page, 1 to 500.",
    }),
  ),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: "nextCursor of the previous page." })),
};

export const listSurveys = defineRoute({
  method: "GET",
  url: "/v1/projects/:projectId/surveys",
  operationId: "listSurveys",
  summary: "List surveys, newest first",
  tags: ["surveys"],
  auth: "admin",
  params: ProjectParams,
  querystring: filtersQuery(LIST_PROPERTIES),
  responses: { 200: SurveyPageSchema },
  alias: {
    url: "/v1/surveys",
    querystring: filtersQuery({ ...LIST_PROPERTIES, ...LEGACY_PROJECT }),
    description: "The project as ?projectId= (the operator token must name it).",
  },
});

export const EXPORT_FORMATS = ["native", "acs", "csv"] as const;

const EXPORT_PROPERTIES = {
  ...SURVEY_FILTER_PROPERTIES,
  format: Type.Optional(
    Type.Unsafe<(typeof EXPORT_FORMATS)[number]>({
      type: "string",
      enum: [...EXPORT_FORMATS],
      default: "native",
      description: "native and acs are NDJSON (one record per line); csv is RFC 4180.",
    }),
  ),
};

export const exportSurveys = defineRoute({
  method: "GET",
  url: "/v1/projects/:projectId/surveys/export",
  operationId: "exportSurveys",
  summary: "Export matching surveys as NDJSON or CSV, oldest first (streamed)",
  description:
    'native and acs are NDJSON (one record per line). csv is RFC 4180 (CRLF, UTF-8 without BOM) with a header row: one row per survey, empty cells for missing values, issues joined with ";", poor as true/false, dimensions as JSON. Text cells starting with =, +, -, @, tab or CR get a leading \' so spreadsheets do not run them as formulas.',
  tags: ["surveys"],
  auth: "admin",
  params: ProjectParams,
  querystring: filtersQuery(EXPORT_PROPERTIES),
  responses: {
    200: { mediaType: "application/x-ndjson", description: "NDJSON (native, acs) or text/csv (csv)" },
  },
  alias: {
    url: "/v1/surveys/export",
    querystring: filtersQuery({ ...EXPORT_PROPERTIES, ...LEGACY_PROJECT }),
    description: "The project as ?projectId= (the operator token must name it).",
  },
});

const SurveyIdParams = Type.Object(
  { projectId: ProjectIdSchema, surveyId: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);

export const getSurvey = defineRoute({
  method: "GET",
  url: "/v1/projects/:projectId/surveys/:surveyId",
  operationId: "getSurvey",
  summary: "Get one survey",
  tags: ["surveys"],
  auth: "admin",
  params: SurveyIdParams,
  responses: { 200: SurveyRecordSchema },
  errors: [404],
  alias: {
    url: "/v1/surveys/:surveyId",
    querystring: Type.Object(LEGACY_PROJECT, { additionalProperties: false }),
    description: "The project as ?projectId= (the operator token must name it).",
  },
});
