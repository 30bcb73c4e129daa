import {
  BAND_METRICS,
  NETWORK_BANDS,
  RATING_CATEGORIES,
  SCALE_LIMITS,
  type SurveyConfig,
} from "@aftercall/schema";
import { type Static, Type } from "typebox";
import { CATEGORY_KEYS, InstantSchema, ItemsOf, oneOf, ProjectIdSchema, ProjectParams } from "./common.js";
import { DataPolicySchema } from "./lifecycle.js";
import { ProjectLimitsSchema } from "./limits.js";
import { defineRoute } from "./route.js";
import { RatingScaleSchema } from "./surveys-schema.js";

/**
 * Projects (one per app or tenant), their keys and their survey configuration.
 *
 * @module
 */

const BAND_THRESHOLD = Type.Object(
  { fair: Type.Optional(Type.Number()), poor: Type.Optional(Type.Number()) },
  { additionalProperties: false },
);
const BAND_RATE = Type.Number({ minimum: 0.0001, maximum: 1 });

/** A project's survey configuration, as served to clients and stored (schema package: `SurveyConfig`). */
export const SurveyConfigSchema = Type.Object(
  {
    sampleRate: Type.Number({
      minimum: 0,
      maximum: 1,
      description: "Share of (call, participant) pairs asked.",
    }),
    minCallDurationSeconds: Type.Integer({ minimum: 0, description: "Shorter calls are not surveyed." }),
    cooldownDays: Type.Number({
      minimum: 0,
      description: "Do not ask a participant again within this many days.",
    }),
    skipWhen: Type.Object(
      { joinFailed: Type.Boolean(), removedFromCall: Type.Boolean() },
      { additionalProperties: false, description: "Do-not-ask rules." },
    ),
    categories: Type.Array(oneOf(CATEGORY_KEYS), {
      minItems: 1,
      description: "Asked in order; overall first.",
    }),
    scales: Type.Object(
      Object.fromEntries(RATING_CATEGORIES.map((c) => [c.key, Type.Optional(RatingScaleSchema)])) as {
        overall: ReturnType<typeof Type.Optional<typeof RatingScaleSchema>>;
        audio: ReturnType<typeof Type.Optional<typeof RatingScaleSchema>>;
        video: ReturnType<typeof Type.Optional<typeof RatingScaleSchema>>;
        screenshare: ReturnType<typeof Type.Optional<typeof RatingScaleSchema>>;
      },
      {
        additionalProperties: false,
        description: `Scale per category (bounds within ${SCALE_LIMITS.min}–${SCALE_LIMITS.max}); default 1–5, poor ≤ 2.`,
      },
    ),
    detailsWhen: oneOf(["poor", "always"] as const, { description: "When to ask question 2." }),
    randomizeTagOrder: Type.Boolean(),
    allowSuggestions: Type.Boolean(),
    networkBands: Type.Object(
      Object.fromEntries(BAND_METRICS.map((m) => [m, Type.Optional(BAND_THRESHOLD)])) as Record<
        (typeof BAND_METRICS)[number],
        ReturnType<typeof Type.Optional<typeof BAND_THRESHOLD>>
      >,
      {
        additionalProperties: false,
        description:
          "Overrides of the network band thresholds (rttMs, lossFraction, jitterMs, mos); see docs/client.md.",
      },
    ),
    sampleRateByBand: Type.Object(
      Object.fromEntries(NETWORK_BANDS.map((b) => [b, Type.Optional(BAND_RATE)])) as Record<
        (typeof NETWORK_BANDS)[number],
        ReturnType<typeof Type.Optional<typeof BAND_RATE>>
      >,
      {
        additionalProperties: false,
        description:
          "Share of calls asked per network band (quality-aware sampling); estimates are reweighted.",
      },
    ),
  },
  { additionalProperties: false, title: "SurveyConfig" },
);

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// The schema package's type and this schema describe the same configuration.
const configShapesAgree: Same<Static<typeof SurveyConfigSchema>, SurveyConfig> = true;
void configShapesAgree;

export const ProjectSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    allowedOrigins: Type.Array(Type.String(), {
      description: "Browser origins allowed to submit; empty: any.",
    }),
    requireOverallRating: Type.Boolean(),
    resourceId: Type.String({ description: "Azure-style resource id written into ACS-format records." }),
    surveyConfig: SurveyConfigSchema,
    dataPolicy: DataPolicySchema,
    limits: ProjectLimitsSchema,
    createdAt: InstantSchema,
  },
  { additionalProperties: false, title: "Project" },
);

export const KEY_KINDS = ["ingest", "admin"] as const;

export const ApiKeySchema = Type.Object(
  {
    id: Type.String(),
    projectId: Type.String(),
    kind: oneOf(KEY_KINDS),
    label: Type.String(),
    prefix: Type.String({ description: "First characters of the token, to recognise it." }),
    token: Type.Optional(Type.String({ description: "Ingest keys only (they are public)." })),
    createdAt: InstantSchema,
    revokedAt: Type.Optional(InstantSchema),
  },
  { additionalProperties: false },
);

/** A key just created: `token` is shown this once for admin tokens. */
export const IssuedKeySchema = Type.Object(
  {
    id: Type.String(),
    projectId: Type.String(),
    kind: oneOf(KEY_KINDS),
    label: Type.String(),
    prefix: Type.String(),
    token: Type.String(),
    createdAt: InstantSchema,
    revokedAt: Type.Optional(InstantSchema),
  },
  { additionalProperties: false },
);

export const listProjects = defineRoute({
  method: "GET",
  url: "/v1/projects",
  operationId: "listProjects",
  summary: "List the projects the token sees (all of them for the operator)",
  tags: ["projects"],
  auth: "reader",
  responses: { 200: ItemsOf(ProjectSchema) },
});

export const CreateProjectBody = Type.Object(
  {
    id: Type.Optional(
      Type.String({
        pattern: "^[a-z0-9][a-z0-9-]{1,62}$",
        description: "2–63 lowercase letters, digits or dashes; default: from the name.",
      }),
    ),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    allowedOrigins: Type.Optional(Type.Array(Type.String({ maxLength: 300 }), { maxItems: 100 })),
    requireOverallRating: Type.Optional(Type.Boolean({ default: true })),
    resourceId: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  },
  { additionalProperties: false },
);

export const createProject = defineRoute({
  method: "POST",
  url: "/v1/projects",
  operationId: "createProject",
  summary: "Create a project with an ingest key and an admin token (operator only)",
  description: "The admin token is shown only in this answer; store it.",
  tags: ["projects"],
  auth: "operator",
  body: CreateProjectBody,
  responses: {
    201: Type.Object(
      { project: ProjectSchema, ingestKey: IssuedKeySchema, adminToken: IssuedKeySchema },
      { additionalProperties: false },
    ),
  },
  errors: [409],
});

export const getProject = defineRoute({
  method: "GET",
  url: "/v1/projects/:projectId",
  operationId: "getProject",
  summary: "Get a project",
  tags: ["projects"],
  auth: "admin",
  params: ProjectParams,
  responses: { 200: ProjectSchema },
});

export const listKeys = defineRoute({
  method: "GET",
  url: "/v1/projects/:projectId/keys",
  operationId: "listKeys",
  summary: "List keys (admin tokens without their secret)",
  tags: ["projects"],
  auth: "admin",
  params: ProjectParams,
  responses: { 200: ItemsOf(ApiKeySchema) },
});

export const createKey = defineRoute({
  method: "POST",
  url: "/v1/projects/:projectId/keys",
  operationId: "createKey",
  summary: "Create a key; the token is shown once",
  tags: ["projects"],
  auth: "admin",
  params: ProjectParams,
  body: Type.Object(
    { kind: oneOf(KEY_KINDS), label: Type.Optional(Type.String({ maxLength: 100 })) },
    { additionalProperties: false },
  ),
  responses: { 201: IssuedKeySchema },
});

export const revokeKey = defineRoute({
  method: "DELETE",
  url: "/v1/projects/:projectId/keys/:keyId",
  operationId: "revokeKey",
  summary: "Revoke a key",
  tags: ["projects"],
  auth: "admin",
  params: Type.Object(
    { projectId: ProjectIdSchema, keyId: Type.String({ minLength: 1, maxLength: 100 }) },
    { additionalProperties: false },
  ),
  responses: { 204: null },
  errors: [404],
});

export const getSurveyConfig = defineRoute({
  method: "GET",
  url: "/v1/projects/:projectId/config",
  operationId: "getSurveyConfig",
  summary: "Read the survey configuration",
  tags: ["projects"],
  auth: "admin",
  params: ProjectParams,
  responses: { 200: SurveyConfigSchema },
});

export const putSurveyConfig = defineRoute({
  method: "PUT",
  url: "/v1/projects/:projectId/config",
  operationId: "putSurveyConfig",
  summary: "Replace the survey configuration (missing fields take defaults)",
  tags: ["projects"],
  auth: "admin",
  params: ProjectParams,
  body: Type.Partial(SurveyConfigSchema),
  bodyCheckedByHandler: true,
  responses: { 200: SurveyConfigSchema },
});
