import {
  ratingScaleSchema,
  SURVEY_EVENT_TYPES,
  surveyResponseSchema,
  surveySubmissionSchema,
  VALIDATION_CODES,
} from "@aftercall/schema";
import { ERROR_STATUS } from "./errors.js";
import { CSV_COLUMNS } from "./http/csv-export.js";
import { deliveryPaths, deliverySchemas } from "./openapi-delivery.js";

const json = (schema: object) => ({ content: { "application/json": { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const error = (description: string) => ({ description, ...json(ref("Error")) });

const surveyFilters = [
  {
    name: "from",
    in: "query",
    schema: { type: "string", format: "date-time" },
    description: "receivedAt >= from",
  },
  {
    name: "to",
    in: "query",
    schema: { type: "string", format: "date-time" },
    description: "receivedAt < to",
  },
  {
    name: "poor",
    in: "query",
    schema: { type: "string" },
    description: "Comma-separated categories; any of them rated poor.",
  },
  { name: "tag", in: "query", schema: { type: "string" }, description: "category:Tag, e.g. audio:Echo" },
  { name: "callId", in: "query", schema: { type: "string" } },
  { name: "participantId", in: "query", schema: { type: "string" } },
  {
    name: "q",
    in: "query",
    schema: { type: "string", minLength: 1, maxLength: 256 },
    description:
      "Case-insensitive (Unicode lower case) substring of the improvement suggestion of any category; % and _ match literally.",
  },
  ...["appVersion", "platform", "browser", "sdkVersion"].map((name) => ({
    name,
    in: "query",
    schema: { type: "string", minLength: 1, maxLength: 256 },
    description: `Exact ${name}.`,
  })),
  {
    // OpenAPI cannot name a family of parameters; this one stands for dimension.region, dimension.tier, …
    name: "dimension.<key>",
    in: "query",
    schema: { type: "string", minLength: 1, maxLength: 200 },
    description:
      "Exact value of the custom dimension <key>, e.g. dimension.region=eu-west; several keys must all match (up to 20). A survey without the key does not match.",
  },
  {
    name: "projectId",
    in: "query",
    schema: { type: "string" },
    description: "Required with the operator token.",
  },
];

const standardErrors = {
  "400": error("Invalid input (VALIDATION_FAILED, INVALID_JSON, INVALID_PARAMETER)"),
  "401": error("Missing or unknown key (UNAUTHORIZED)"),
  "403": error("Key may not do this (FORBIDDEN, ORIGIN_NOT_ALLOWED)"),
};

/** The OpenAPI 3.1 description of the HTTP API, built from the shared survey schema. */
export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: {
      title: "Aftercall API",
      version: "1.0.0",
      description:
        "End-of-call surveys: ingest (publishable ingest key), read and manage (secret admin token or operator token).",
    },
    components: {
      securitySchemes: {
        ingestKey: {
          type: "http",
          scheme: "bearer",
          description: "ac_pk_… key; also x-aftercall-key header or ?key=",
        },
        adminToken: { type: "http", scheme: "bearer", description: "ac_sk_… token or the operator token" },
      },
      schemas: {
        ...deliverySchemas(),
        SurveySubmission: surveySubmissionSchema,
        CallSurveyResponse: surveyResponseSchema,
        SurveyConfig: {
          type: "object",
          description:
            "See docs/api.md: sampleRate, minCallDurationSeconds, cooldownDays, skipWhen, categories, scales, detailsWhen, randomizeTagOrder, allowSuggestions.",
          properties: {
            sampleRate: { type: "number", minimum: 0, maximum: 1 },
            minCallDurationSeconds: { type: "integer", minimum: 0 },
            cooldownDays: { type: "number", minimum: 0 },
            skipWhen: {
              type: "object",
              properties: { joinFailed: { type: "boolean" }, removedFromCall: { type: "boolean" } },
            },
            categories: { type: "array", items: { enum: ["overall", "audio", "video", "screenshare"] } },
            scales: { type: "object", additionalProperties: ratingScaleSchema },
            detailsWhen: { enum: ["poor", "always"] },
            randomizeTagOrder: { type: "boolean" },
            allowSuggestions: { type: "boolean" },
          },
        },
        SurveyRecord: {
          type: "object",
          description:
            "Native stored record: submission, receivedAt, projectId, ratings with scale, normalizedScore and poor.",
        },
        Error: {
          type: "object",
          required: ["code", "message", "requestId"],
          properties: {
            code: { enum: Object.keys(ERROR_STATUS) },
            message: { type: "string" },
            requestId: { type: "string" },
            errors: {
              type: "array",
              items: {
                type: "object",
                required: ["code", "path", "message"],
                properties: {
                  code: { enum: [...VALIDATION_CODES] },
                  path: { type: "string" },
                  message: { type: "string" },
                },
              },
            },
          },
        },
      },
    },
    paths: {
      ...deliveryPaths(),
      "/v1/surveys": {
        post: {
          summary: "Submit one survey",
          description:
            "Body as application/json or text/plain (sendBeacon). Answers after the survey is durably committed. Idempotent on id: a retry answers 200 with the same body and header aftercall-idempotent-replay; other content under the same id is 409.",
          security: [{ ingestKey: [] }],
          requestBody: { required: true, ...json(ref("SurveySubmission")) },
          responses: {
            "201": { description: "Stored", ...json(ref("CallSurveyResponse")) },
            "200": { description: "Already stored (idempotent retry)", ...json(ref("CallSurveyResponse")) },
            ...standardErrors,
            "409": error("SURVEY_CONFLICT"),
            "413": error("PAYLOAD_TOO_LARGE"),
            "415": error("UNSUPPORTED_MEDIA_TYPE"),
            "503": error("STORE_UNAVAILABLE or SHUTTING_DOWN; nothing was written"),
          },
        },
        get: {
          summary: "List surveys, newest first",
          security: [{ adminToken: [] }],
          parameters: [
            ...surveyFilters,
            {
              name: "limit",
              in: "query",
              schema: { type: "integer", minimum: 1, maximum: 500, default: 50 },
            },
            { name: "cursor", in: "query", schema: { type: "string" } },
          ],
          responses: {
            "200": {
              description: "A page",
              ...json({
                type: "object",
                properties: {
                  items: { type: "array", items: ref("SurveyRecord") },
                  nextCursor: { type: "string" },
                },
              }),
            },
            ...standardErrors,
          },
        },
      },
      "/v1/surveys/batch": {
        post: {
          summary: "Submit up to 500 surveys, all or nothing",
          security: [{ ingestKey: [] }],
          requestBody: {
            required: true,
            ...json({
              type: "object",
              required: ["surveys"],
              properties: { surveys: { type: "array", items: ref("SurveySubmission"), maxItems: 500 } },
            }),
          },
          responses: {
            "200": {
              description: "All stored (or already stored)",
              ...json({
                type: "object",
                properties: {
                  results: {
                    type: "array",
                    items: {
                      type: "object",
                      properties: {
                        id: { type: "string" },
                        created: { type: "boolean" },
                        survey: ref("CallSurveyResponse"),
                      },
                    },
                  },
                },
              }),
            },
            ...standardErrors,
            "409": error("SURVEY_CONFLICT; nothing of the batch was written"),
          },
        },
      },
      "/v1/surveys/export": {
        get: {
          summary: "Export matching surveys as NDJSON or CSV, oldest first (streamed)",
          description: `native and acs are NDJSON (one record per line). csv is RFC 4180 (CRLF, UTF-8 without BOM) with a header row and the columns ${CSV_COLUMNS.join(", ")}: one row per survey, empty cells for missing values, issues joined with ";", poor as true/false, dimensions as JSON. Text cells starting with =, +, -, @, tab or CR get a leading ' so spreadsheets do not run them as formulas.`,
          security: [{ adminToken: [] }],
          parameters: [
            ...surveyFilters,
            { name: "format", in: "query", schema: { enum: ["native", "acs", "csv"], default: "native" } },
          ],
          responses: {
            "200": {
              description: "NDJSON or CSV",
              content: { "application/x-ndjson": {}, "text/csv": {} },
            },
            ...standardErrors,
          },
        },
      },
      "/v1/surveys/{id}": {
        get: {
          summary: "Get one survey",
          security: [{ adminToken: [] }],
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          responses: {
            "200": { description: "The record", ...json(ref("SurveyRecord")) },
            ...standardErrors,
            "404": error("NOT_FOUND"),
          },
        },
      },
      "/v1/projects": {
        get: {
          summary: "List projects visible to the token",
          security: [{ adminToken: [] }],
          responses: { "200": { description: "Projects" }, ...standardErrors },
        },
        post: {
          summary: "Create a project with an ingest key and an admin token (operator only)",
          security: [{ adminToken: [] }],
          requestBody: {
            required: true,
            ...json({
              type: "object",
              required: ["name"],
              properties: {
                id: { type: "string" },
                name: { type: "string" },
                allowedOrigins: { type: "array", items: { type: "string" } },
                requireOverallRating: { type: "boolean" },
                resourceId: { type: "string" },
              },
            }),
          },
          responses: {
            "201": { description: "Created; tokens shown once" },
            ...standardErrors,
            "409": error("PROJECT_EXISTS"),
          },
        },
      },
      "/v1/projects/{projectId}": {
        get: {
          summary: "Get a project",
          security: [{ adminToken: [] }],
          responses: { "200": { description: "Project" }, ...standardErrors, "404": error("NOT_FOUND") },
        },
      },
      "/v1/projects/{projectId}/keys": {
        get: {
          summary: "List keys (admin tokens without secret)",
          security: [{ adminToken: [] }],
          responses: { "200": { description: "Keys" }, ...standardErrors },
        },
        post: {
          summary: "Create a key; the token is shown once",
          security: [{ adminToken: [] }],
          responses: { "201": { description: "Key" }, ...standardErrors },
        },
      },
      "/v1/projects/{projectId}/keys/{keyId}": {
        delete: {
          summary: "Revoke a key",
          security: [{ adminToken: [] }],
          responses: { "204": { description: "Revoked" }, ...standardErrors, "404": error("NOT_FOUND") },
        },
      },
      "/v1/config": {
        get: {
          summary: "The project's survey configuration, for clients",
          security: [{ ingestKey: [] }],
          responses: {
            "200": {
              description: "{projectId, requireOverallRating, config}",
              ...json({
                type: "object",
                properties: {
                  projectId: { type: "string" },
                  requireOverallRating: { type: "boolean" },
                  config: ref("SurveyConfig"),
                },
              }),
            },
            ...standardErrors,
          },
        },
      },
      "/v1/projects/{projectId}/config": {
        get: {
          summary: "Read the survey configuration",
          security: [{ adminToken: [] }],
          responses: {
            "200": { description: "Configuration", ...json(ref("SurveyConfig")) },
            ...standardErrors,
          },
        },
        put: {
          summary: "Replace the survey configuration (missing fields take defaults)",
          security: [{ adminToken: [] }],
          requestBody: { required: true, ...json(ref("SurveyConfig")) },
          responses: {
            "200": { description: "Stored configuration", ...json(ref("SurveyConfig")) },
            ...standardErrors,
          },
        },
      },
      "/v1/events": {
        post: {
          summary:
            "Record survey lifecycle events (shown, dismissed, submitted); idempotent on id, all or nothing",
          security: [{ ingestKey: [] }],
          requestBody: {
            required: true,
            ...json({
              type: "object",
              required: ["events"],
              properties: {
                events: {
                  type: "array",
                  maxItems: 100,
                  items: {
                    type: "object",
                    required: ["id", "type", "callId", "participantId", "clientTime"],
                    properties: {
                      id: { type: "string", format: "uuid" },
                      type: { enum: [...SURVEY_EVENT_TYPES] },
                      callId: { type: "string" },
                      participantId: { type: "string" },
                      surveyId: { type: "string", format: "uuid" },
                      clientTime: { type: "string", format: "date-time" },
                    },
                  },
                },
              },
            }),
          },
          responses: { "200": { description: "{accepted, created}" }, ...standardErrors },
        },
      },
      "/v1/events/summary": {
        get: {
          summary: "Lifecycle event counts and response rate",
          security: [{ adminToken: [] }],
          parameters: surveyFilters.filter((p) => ["from", "to", "projectId"].includes(p.name)),
          responses: {
            "200": { description: "{shown, dismissed, submitted, responseRate}" },
            ...standardErrors,
          },
        },
      },
      "/v1/analytics/summary": {
        get: {
          summary: "Per-category summary of the matching surveys",
          description:
            "Per category: rated surveys, poor count, mean normalized score, poor-rate with its 95 % Wilson interval, and the score distribution per scale (scales may be mixed). Rates are null when nothing was rated. responseRate: lifecycle events received in [from, to) (only the time range applies to events): shown, submitted, dismissed, rate = submitted / shown (null when nothing was shown) and its 95 % Wilson interval [low, high] (null when shown is 0 or fewer showings than submissions arrived). Answered from the ingest-time rollups where the filters allow (time range, context fields), from the raw surveys otherwise; the answers are the same.",
          security: [{ adminToken: [] }],
          parameters: surveyFilters,
          responses: {
            "200": {
              description:
                "{surveys, categories: {overall|audio|video|screenshare: {surveys, poor, meanNormalizedScore, poorRate, poorRateCi95, distribution: [{scale: {lowerBound, upperBound}, counts: {score: n}}]}}, responseRate: {shown, submitted, dismissed, rate, low, high}}",
            },
            ...standardErrors,
          },
        },
      },
      "/v1/analytics/tags": {
        get: {
          summary: "Issue tag counts per category, most frequent first",
          security: [{ adminToken: [] }],
          parameters: surveyFilters,
          responses: {
            "200": {
              description:
                "{categories: {overall|audio|video|screenshare: [{tag, count, poorCount, shareOfCategory, shareOfPoor}]}}; shareOfCategory = count / rated surveys of the category, shareOfPoor = poorCount / poor ratings of the category (null when none)",
            },
            ...standardErrors,
          },
        },
      },
      "/v1/analytics/timeseries": {
        get: {
          summary: "One category's poor-rate and mean score per hour, day or week",
          description:
            "Buckets are computed in the time zone tz (IANA name; DST-aware, so a day may last 23 or 25 hours; weeks start on Monday; hour buckets are elapsed hours). Surveys are grouped by 15-minute slot of receivedAt in the store and folded into buckets, which is exact for every zone whose offset is a multiple of 15 minutes. Buckets without a survey rating the category are omitted. surveys counts the surveys that rated the category.",
          security: [{ adminToken: [] }],
          parameters: [
            { name: "bucket", in: "query", schema: { enum: ["hour", "day", "week"], default: "day" } },
            { name: "tz", in: "query", schema: { type: "string", default: "UTC" }, example: "Europe/Berlin" },
            {
              name: "category",
              in: "query",
              schema: { enum: ["overall", "audio", "video", "screenshare"], default: "overall" },
            },
            ...surveyFilters,
          ],
          responses: {
            "200": {
              description:
                "{category, bucket, tz, points: [{start (bucket start, ISO 8601 UTC), surveys, poor, poorRate, poorRateCi95, meanNormalizedScore}]}, oldest first",
            },
            ...standardErrors,
          },
        },
      },
      "/v1/analytics/dimensions": {
        get: {
          summary: "The custom dimension keys of the matching surveys, for a breakdown picker",
          description:
            "Keys are sorted by the number of surveys carrying them, most first (ties by key), and limited to the top 100.",
          security: [{ adminToken: [] }],
          parameters: surveyFilters,
          responses: {
            "200": { description: "{dimensions: [{key, surveys}]}" },
            ...standardErrors,
          },
        },
      },
      "/v1/analytics/breakdown": {
        get: {
          summary:
            "One category's poor-rate and mean score per app version, platform, browser, SDK version or dimension",
          description:
            "by is appVersion, platform, browser, sdkVersion or dimension:<key> (a custom dimension key). Rows are sorted by surveys (those that rated the category), most first, ties by value with null (no value) last, and limited to the top 50 values.",
          security: [{ adminToken: [] }],
          parameters: [
            {
              name: "by",
              in: "query",
              required: true,
              schema: {
                type: "string",
                pattern: "^(appVersion|platform|browser|sdkVersion|dimension:[A-Za-z][A-Za-z0-9_.-]*)$",
              },
            },
            {
              name: "category",
              in: "query",
              schema: { enum: ["overall", "audio", "video", "screenshare"], default: "overall" },
            },
            ...surveyFilters,
          ],
          responses: {
            "200": {
              description:
                "{category, by, rows: [{value (null when missing), surveys, poor, poorRate, poorRateCi95, meanNormalizedScore}]}",
            },
            ...standardErrors,
          },
        },
      },
      "/v1/analytics/compare": {
        get: {
          summary: "Compare the poor-rate of two cohorts",
          description:
            "Cohorts are defined by a.<filter> and b.<filter> (from, to, poor, tag, q, appVersion, platform, browser, sdkVersion, dimension.<key>; an absent side means every survey). a.projectId / b.projectId let each cohort come from its own project (default: projectId, or the admin token's project); an admin token reaches only its own project (another answers 404 NOT_FOUND), so two projects need the operator token. Answers each cohort's poor-rate with its Wilson interval, the difference a − b with Newcombe's hybrid score 95 % interval, and the pooled two-proportion z-test (two-sided p-value). Statistics are null when a cohort rated nothing.",
          security: [{ adminToken: [] }],
          parameters: [
            ...["a", "b"].flatMap((side) =>
              surveyFilters
                .filter((p) => !["callId", "participantId"].includes(p.name))
                .map((p) => ({ ...p, name: `${side}.${p.name}` })),
            ),
            {
              name: "category",
              in: "query",
              schema: { enum: ["overall", "audio", "video", "screenshare"], default: "overall" },
            },
            ...surveyFilters.filter((p) => p.name === "projectId"),
          ],
          responses: {
            "200": {
              description:
                "{category, a: {projectId, surveys, poor, poorRate, poorRateCi95}, b: {…}, difference, differenceCi95, z, pValue, method}",
            },
            ...standardErrors,
            "404": error("NOT_FOUND: a project that does not exist or is out of the token's reach"),
          },
        },
      },
      "/demo": {
        get: {
          summary: "Simulated call page with the survey widget",
          responses: { "200": { description: "HTML" } },
        },
      },
      "/healthz": { get: { summary: "Liveness", responses: { "200": { description: "ok" } } } },
      "/readyz": {
        get: {
          summary: "Readiness (store reachable, not shutting down)",
          responses: { "200": { description: "ready" }, "503": { description: "not ready" } },
        },
      },
    },
  };
}
