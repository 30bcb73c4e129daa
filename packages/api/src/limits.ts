import { type Static, Type } from "typebox";
import { ProjectParams } from "./common.js";
import { defineRoute } from "./route.js";

/**
 * A project's own rate limits and daily quotas: overrides of the server's defaults (configuration),
 * set by the operator, readable by the project's admins.
 *
 * @module
 */

/** Bounds of a project's limits (a typo of a few zeros is refused rather than obeyed). */
export const PROJECT_LIMIT_BOUNDS = {
  /** Most tokens per second of a rate. */
  maxPerSecond: 1_000_000,
  /** Largest burst (bucket size) of a rate. */
  maxBurst: 100_000_000,
  /** Largest daily quota. */
  maxDaily: 1_000_000_000_000,
  /** Most distinct custom dimension keys a project's rollups may keep. */
  maxDimensionKeys: 10_000,
  /** Most distinct values per custom dimension key and day the rollups may keep. */
  maxDimensionValuesPerDay: 1_000_000,
} as const;

const RateSchema = Type.Object(
  {
    perSecond: Type.Number({
      exclusiveMinimum: 0,
      maximum: PROJECT_LIMIT_BOUNDS.maxPerSecond,
      description: "Sustained rate: tokens added per second.",
    }),
    burst: Type.Integer({
      minimum: 1,
      maximum: PROJECT_LIMIT_BOUNDS.maxBurst,
      description: "Bucket size: the most requests (surveys of a batch count each) at once.",
    }),
  },
  { additionalProperties: false, title: "Rate" },
);

const DailySchema = Type.Integer({ minimum: 1, maximum: PROJECT_LIMIT_BOUNDS.maxDaily });

/** What a project overrides; a missing field takes the server's default. `{}`: the defaults. */
export const ProjectLimitsSchema = Type.Object(
  {
    surveysPerKey: Type.Optional(RateSchema),
    eventsPerKey: Type.Optional(RateSchema),
    dailySurveys: Type.Optional(DailySchema),
    dailyEvents: Type.Optional(DailySchema),
    dimensionKeys: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: PROJECT_LIMIT_BOUNDS.maxDimensionKeys,
        description: "Distinct custom dimension keys the analytics keep; a new key past it is not rolled up.",
      }),
    ),
    dimensionValuesPerDay: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: PROJECT_LIMIT_BOUNDS.maxDimensionValuesPerDay,
        description:
          "Distinct values per custom dimension key and UTC day the analytics keep; past it (other).",
      }),
    ),
  },
  {
    additionalProperties: false,
    title: "ProjectLimits",
    description:
      "Per ingest key rates of surveys and of events (events and config fetches), the project's daily quotas (UTC day) and its custom dimension caps. Per-address limits are the server's only: they are checked before the key is known.",
  },
);
export type ProjectLimits = Static<typeof ProjectLimitsSchema>;
export type LimitRate = Static<typeof RateSchema>;

/** The limits a project's requests meet now: its overrides over the server's configuration. */
export const EffectiveLimitsSchema = Type.Object(
  {
    enabled: Type.Boolean({ description: "false: the server runs without rate limits or quotas." }),
    surveysPerKey: RateSchema,
    eventsPerKey: RateSchema,
    surveysPerAddress: RateSchema,
    eventsPerAddress: RateSchema,
    dailySurveys: Type.Integer(),
    dailyEvents: Type.Integer(),
    dimensionKeys: Type.Integer(),
    dimensionValuesPerDay: Type.Integer(),
  },
  { additionalProperties: false, title: "EffectiveLimits" },
);

export type EffectiveLimits = Static<typeof EffectiveLimitsSchema>;

export const ProjectLimitsViewSchema = Type.Object(
  { overrides: ProjectLimitsSchema, effective: EffectiveLimitsSchema },
  { additionalProperties: false },
);

export const getProjectLimits = defineRoute({
  method: "GET",
  url: "/v1/projects/:projectId/limits",
  operationId: "getProjectLimits",
  summary: "Read the project's rate limits and daily quotas (its overrides and what applies)",
  tags: ["projects"],
  auth: "admin",
  params: ProjectParams,
  responses: { 200: ProjectLimitsViewSchema },
});

export const putProjectLimits = defineRoute({
  method: "PUT",
  url: "/v1/projects/:projectId/limits",
  operationId: "putProjectLimits",
  summary: "Replace the project's rate-limit and quota overrides (operator only)",
  description:
    "Omitted fields take the server's defaults (`{}` removes every override). Applies on every server within the key cache time (AFTERCALL_KEY_CACHE_SECONDS); a lowered quota counts what the project already used today, a raised one lets it continue at once.",
  tags: ["projects"],
  auth: "operator",
  params: ProjectParams,
  body: ProjectLimitsSchema,
  bodyCheckedByHandler: true,
  responses: { 200: ProjectLimitsViewSchema },
  errors: [404],
});
