import { Type } from "typebox";
import { CATEGORY_KEYS, CategorySchema, IntervalSchema, oneOf, ProjectParams } from "./common.js";
import { filtersQuery, LEGACY_PROJECT, SURVEY_FILTER_PROPERTIES } from "./filters.js";
import { defineRoute } from "./route.js";

/**
 * Analytics of a project's surveys (admin token): poor-rates with 95 % intervals, score distributions,
 * issue tags, trends, breakdowns, dimension keys and cohort comparisons.
 *
 * @module
 */

const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

/** Counts and rates of one category over a group of surveys. */
const RATES = {
  surveys: Type.Integer({ description: "Surveys that rated the category." }),
  poor: Type.Integer({ description: "Of those, rated poor (score <= the scale's threshold)." }),
  poorRate: nullable(Type.Number({ description: "poor / surveys; null when nothing was rated." })),
  poorRateCi95: nullable(IntervalSchema),
  meanNormalizedScore: nullable(Type.Number({ description: "Mean of (score - lower) / (upper - lower)." })),
};

export const RatesSchema = Type.Object(RATES, { additionalProperties: false });

export const DistributionSchema = Type.Object(
  {
    scale: Type.Object(
      { lowerBound: Type.Integer(), upperBound: Type.Integer() },
      { additionalProperties: false },
    ),
    counts: Type.Record(Type.String(), Type.Integer(), {
      description: "Ratings per score; every score present.",
    }),
  },
  { additionalProperties: false },
);

export const CategoryStatsSchema = Type.Object(
  { ...RATES, distribution: Type.Array(DistributionSchema) },
  { additionalProperties: false },
);

export const ResponseRateSchema = Type.Object(
  {
    shown: Type.Integer(),
    submitted: Type.Integer(),
    dismissed: Type.Integer(),
    rate: nullable(Type.Number({ description: "submitted / shown; null when nothing was shown." })),
    low: nullable(Type.Number()),
    high: nullable(Type.Number()),
  },
  {
    additionalProperties: false,
    description:
      "Lifecycle events received in [from, to) (only the time range applies to events), with the rate's 95 % Wilson interval [low, high] (null when shown is 0 or fewer showings than submissions arrived).",
  },
);

/** One entry per rating category. */
const perCategory = <T extends Parameters<typeof Type.Optional>[0]>(schema: T) =>
  Type.Object(
    {
      overall: Type.Optional(schema),
      audio: Type.Optional(schema),
      video: Type.Optional(schema),
      screenshare: Type.Optional(schema),
    },
    { additionalProperties: false },
  );

export const SummarySchema = Type.Object(
  {
    surveys: Type.Integer({ description: "Every matching survey, whichever categories it rated." }),
    categories: perCategory(CategoryStatsSchema),
    responseRate: ResponseRateSchema,
  },
  { additionalProperties: false },
);

const FILTERS = filtersQuery(SURVEY_FILTER_PROPERTIES);
const legacy = (path: string, properties = {}) => ({
  url: `/v1/analytics/${path}`,
  querystring: filtersQuery({ ...SURVEY_FILTER_PROPERTIES, ...properties, ...LEGACY_PROJECT }),
  description: "The project as ?projectId= (the operator token must name it).",
});

export const analyticsSummary = defineRoute({
  method: "GET",
  url: "/v1/projects/:projectId/analytics/summary",
  operationId: "analyticsSummary",
  summary: "Per-category summary of the matching surveys",
  description:
    "Per category: rated surveys, poor count, mean normalized score, poor-rate with its 95 % Wilson interval, and the score distribution per scale (scales may be mixed). Rates are null when nothing was rated. Answered from the ingest-time rollups where the filters allow (time range, context fields, one dimension), from the raw surveys otherwise; the answers are the same.",
  tags: ["analytics"],
  auth: "admin",
  params: ProjectParams,
  querystring: FILTERS,
  responses: { 200: SummarySchema },
  alias: legacy("summary"),
});

export const TagRowSchema = Type.Object(
  {
    tag: Type.String(),
    count: Type.Integer(),
    poorCount: Type.Integer(),
    shareOfCategory: nullable(Type.Number({ description: "count / rated surveys of the category" })),
    shareOfPoor: nullable(Type.Number({ description: "poorCount / poor ratings of the category" })),
  },
  { additionalProperties: false },
);

export const analyticsTags = defineRoute({
  method: "GET",
  url: "/v1/projects/:projectId/analytics/tags",
  operationId: "analyticsTags",
  summary: "Issue tag counts per category, most frequent first",
  tags: ["analytics"],
  auth: "admin",
  params: ProjectParams,
  querystring: FILTERS,
  responses: {
    200: Type.Object({ categories: perCategory(Type.Array(TagRowSchema)) }, { additionalProperties: false }),
  },
  alias: legacy("tags"),
});

export const BUCKETS = ["hour", "day", "week"] as const;

const CATEGORY_PARAM = {
  category: Type.Optional(oneOf(CATEGORY_KEYS, { default: "overall", description: "The rating category." })),
};
const TIMESERIES_PARAMS = {
  ...CATEGORY_PARAM,
  bucket: Type.Optional(oneOf(BUCKETS, { default: "day" })),
  tz: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 64,
      default: "UTC",
      description: "IANA time zone, e.g. Europe/Berlin.",
    }),
  ),
};

export const TimeseriesPointSchema = Type.Object(
  { start: Type.String({ description: "Bucket start, ISO 8601 UTC." }), ...RATES },
  { additionalProperties: false },
);

export const analyticsTimeseries = defineRoute({
  method: "GET",
  url: "/v1/projects/:projectId/analytics/timeseries",
  operationId: "analyticsTimeseries",
  summary: "One category's poor-rate and mean score per hour, day or week",
  description:
    "Buckets are computed in the time zone tz (IANA name; DST-aware, so a day may last 23 or 25 hours; weeks start on Monday; hour buckets are elapsed hours). Surveys are grouped by 15-minute slot of receivedAt in the store and folded into buckets, which is exact for every zone whose offset is a multiple of 15 minutes. Buckets without a survey rating the category are omitted; points are oldest first.",
  tags: ["analytics"],
  auth: "admin",
  params: ProjectParams,
  querystring: filtersQuery({ ...SURVEY_FILTER_PROPERTIES, ...TIMESERIES_PARAMS }),
  responses: {
    200: Type.Object(
      {
        category: CategorySchema,
        bucket: oneOf(BUCKETS),
        tz: Type.String(),
        points: Type.Array(TimeseriesPointSchema),
      },
      { additionalProperties: false },
    ),
  },
  alias: legacy("timeseries", TIMESERIES_PARAMS),
});

export const BREAKDOWN_PATTERN =
  "^(appVersion|platform|browser|sdkVersion|dimension:[A-Za-z][A-Za-z0-9_.-]{0,63})$";

const BREAKDOWN_PARAMS = {
  ...CATEGORY_PARAM,
  by: Type.String({
    pattern: BREAKDOWN_PATTERN,
    description: "appVersion, platform, browser, sdkVersion or dimension:<key> (a custom dimension key).",
  }),
};

export const BreakdownRowSchema = Type.Object(
  { value: nullable(Type.String({ description: "null: surveys without a value" })), ...RATES },
  { additionalProperties: false },
);

export const analyticsBreakdown = defineRoute({
  method: "GET",
  url: "/v1/projects/:projectId/analytics/breakdown",
  operationId: "analyticsBreakdown",
  summary:
    "One category's poor-rate and mean score per app version, platform, browser, SDK version or dimension",
  description:
    "Rows are sorted by surveys (those that rated the category), most first, ties by value with null (no value) last, and limited to the top 50 values.",
  tags: ["analytics"],
  auth: "admin",
  params: ProjectParams,
  querystring: filtersQuery({ ...SURVEY_FILTER_PROPERTIES, ...BREAKDOWN_PARAMS }),
  responses: {
    200: Type.Object(
      { category: CategorySchema, by: Type.String(), rows: Type.Array(BreakdownRowSchema) },
      { additionalProperties: false },
    ),
  },
  alias: legacy("breakdown", BREAKDOWN_PARAMS),
});

export const DimensionKeySchema = Type.Object(
  { key: Type.String(), surveys: Type.Integer() },
  { additionalProperties: false },
);

export const analyticsDimensions = defineRoute({
  method: "GET",
  url: "/v1/projects/:projectId/analytics/dimensions",
  operationId: "analyticsDimensions",
  summary: "The custom dimension keys of the matching surveys, for a breakdown picker",
  description: "Keys are sorted by the number of surveys carrying them, most first (ties by key), top 100.",
  tags: ["analytics"],
  auth: "admin",
  params: ProjectParams,
  querystring: FILTERS,
  responses: {
    200: Type.Object({ dimensions: Type.Array(DimensionKeySchema) }, { additionalProperties: false }),
  },
  alias: legacy("dimensions"),
});

/** Filters a cohort of a comparison may use, as `a.<filter>` and `b.<filter>`. */
export const COHORT_FILTERS = [
  "projectId",
  "from",
  "to",
  "poor",
  "tag",
  "q",
  "appVersion",
  "platform",
  "browser",
  "sdkVersion",
] as const;

const cohortParams = Object.fromEntries(
  ["a", "b"].flatMap((side) =>
    COHORT_FILTERS.map((f) => [
      `${side}.${f}`,
      f === "projectId"
        ? Type.Optional(
            Type.String({ minLength: 1, maxLength: 63, description: `Cohort ${side}'s project.` }),
          )
        : SURVEY_FILTER_PROPERTIES[f],
    ]),
  ),
);

const compareQuery = (extra = {}) =>
  Type.Object(
    { ...CATEGORY_PARAM, ...cohortParams, ...extra },
    {
      additionalProperties: false,
      patternProperties: { "^[ab]\\.dimension\\.": Type.String({ minLength: 1, maxLength: 200 }) },
    },
  );

export const CohortSchema = Type.Object(
  {
    projectId: Type.String(),
    surveys: Type.Integer(),
    poor: Type.Integer(),
    poorRate: nullable(Type.Number()),
    poorRateCi95: nullable(IntervalSchema),
  },
  { additionalProperties: false },
);

export const ComparisonSchema = Type.Object(
  {
    category: CategorySchema,
    a: CohortSchema,
    b: CohortSchema,
    difference: nullable(Type.Number({ description: "poorRate(a) − poorRate(b)" })),
    differenceCi95: nullable(IntervalSchema),
    z: nullable(Type.Number()),
    pValue: nullable(Type.Number({ description: "Two-sided." })),
    method: Type.Object({ interval: Type.String(), test: Type.String() }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

export const analyticsCompare = defineRoute({
  method: "GET",
  url: "/v1/projects/:projectId/analytics/compare",
  operationId: "analyticsCompare",
  summary: "Compare the poor-rate of two cohorts",
  description:
    "Cohorts are defined by a.<filter> and b.<filter> (from, to, poor, tag, q, appVersion, platform, browser, sdkVersion, dimension.<key>; an absent side means every survey). a.projectId / b.projectId let each cohort come from its own project (default: the path's project); an admin token reaches only its own project (another answers 404 NOT_FOUND), so two projects need the operator token. Answers each cohort's poor-rate with its Wilson interval, the difference a − b with Newcombe's hybrid score 95 % interval, and the pooled two-proportion z-test (two-sided p-value). Statistics are null when a cohort rated nothing.",
  tags: ["analytics"],
  auth: "reader",
  params: ProjectParams,
  querystring: compareQuery(),
  responses: { 200: ComparisonSchema },
  errors: [404],
  alias: {
    url: "/v1/analytics/compare",
    querystring: compareQuery(LEGACY_PROJECT),
    description:
      "The default project as ?projectId=; the operator token may instead name both cohorts' projects (a.projectId, b.projectId).",
  },
});

export const FreshnessSchema = Type.Object(
  {
    unfoldedSurveys: Type.Integer({
      minimum: 0,
      description: "Committed surveys not yet folded into the rollups (analytics count them from raw rows).",
    }),
    lagSeconds: Type.Number({
      minimum: 0,
      description: "Age of the oldest unfolded survey by its receive time; 0 when the rollups are caught up.",
    }),
  },
  { additionalProperties: false, title: "Freshness" },
);

export const analyticsFreshness = defineRoute({
  method: "GET",
  url: "/v1/projects/:projectId/analytics/freshness",
  operationId: "analyticsFreshness",
  summary: "How far the rollups trail the committed surveys",
  description:
    "Every analytics answer is exact whatever this says (surveys not yet folded are read from their raw rows); a growing lag means answers get slower, and the folder needs attention (also on /metrics as aftercall_rollup_lag_seconds).",
  tags: ["analytics"],
  auth: "admin",
  params: ProjectParams,
  responses: { 200: FreshnessSchema },
});
