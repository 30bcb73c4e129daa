import { LIMITS, SURVEY_EVENT_TYPES } from "@aftercall/schema";
import { Type } from "typebox";
import { oneOf, ProjectParams } from "./common.js";
import { SurveyConfigSchema } from "./projects.js";
import { defineRoute } from "./route.js";

/**
 * What browser clients need besides submitting (ingest key): the survey configuration and the lifecycle
 * events that give response rates; and their summary for admins.
 *
 * @module
 */

const KEY_QUERY = Type.Object(
  { key: Type.Optional(Type.String({ maxLength: 200, description: "The ingest key (for beacons)." })) },
  { additionalProperties: false },
);

export const getClientConfig = defineRoute({
  method: "GET",
  url: "/v1/config",
  operationId: "getClientConfig",
  summary: "The project's survey configuration, for clients",
  description: "Cached by clients for 60 seconds (Cache-Control: private, max-age=60).",
  tags: ["client"],
  auth: "ingest",
  querystring: KEY_QUERY,
  responses: {
    200: Type.Object(
      { projectId: Type.String(), requireOverallRating: Type.Boolean(), config: SurveyConfigSchema },
      { additionalProperties: false },
    ),
  },
});

/** Most lifecycle events per request. */
export const MAX_EVENTS = 100;

export const SurveyEventSchema = Type.Object(
  {
    id: Type.String({ description: "Client-generated UUID; idempotency key." }),
    type: oneOf(SURVEY_EVENT_TYPES),
    callId: Type.String({ minLength: 1, maxLength: LIMITS.identifier }),
    participantId: Type.String({ minLength: 1, maxLength: LIMITS.identifier }),
    surveyId: Type.Optional(
      Type.String({ description: "The survey the event is about (always for submitted)." }),
    ),
    clientTime: Type.String({ description: "RFC 3339 date-time." }),
  },
  { additionalProperties: false },
);

export const recordEvents = defineRoute({
  method: "POST",
  url: "/v1/events",
  operationId: "recordEvents",
  summary: "Record survey lifecycle events (shown, dismissed, submitted)",
  description:
    "Idempotent per event id; created counts the events not stored before. Shown versus submitted gives the response rate.",
  tags: ["client"],
  auth: "ingest",
  querystring: KEY_QUERY,
  body: Type.Object(
    { events: Type.Array(SurveyEventSchema, { minItems: 1, maxItems: MAX_EVENTS }) },
    { additionalProperties: false },
  ),
  bodyCheckedByHandler: true,
  consumes: ["application/json", "text/plain"],
  responses: {
    200: Type.Object({ accepted: Type.Integer(), created: Type.Integer() }, { additionalProperties: false }),
  },
  errors: [413, 415, 503],
});

export const EventSummarySchema = Type.Object(
  {
    shown: Type.Integer(),
    dismissed: Type.Integer(),
    submitted: Type.Integer(),
    responseRate: Type.Union([Type.Number(), Type.Null()], { description: "submitted / shown" }),
  },
  { additionalProperties: false },
);

const RANGE = {
  from: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "ISO 8601, inclusive." })),
  to: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "ISO 8601, exclusive." })),
};

export const eventSummary = defineRoute({
  method: "GET",
  url: "/v1/projects/:projectId/events/summary",
  operationId: "eventSummary",
  summary: "Lifecycle event counts and response rate",
  tags: ["client"],
  auth: "admin",
  params: ProjectParams,
  querystring: Type.Object(RANGE, { additionalProperties: false }),
  responses: { 200: EventSummarySchema },
  alias: {
    url: "/v1/events/summary",
    querystring: Type.Object(
      {
        ...RANGE,
        projectId: Type.Optional(Type.String({ minLength: 1, maxLength: 63, description: "The project." })),
      },
      { additionalProperties: false },
    ),
    description: "The project as ?projectId= (the operator token must name it).",
  },
});
