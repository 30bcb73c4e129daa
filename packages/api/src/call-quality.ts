import { Type } from "typebox";
import { CategorySchema, InstantSchema, IntervalSchema, oneOf, ProjectParams } from "./common.js";
import { filtersQuery, SURVEY_FILTER_PROPERTIES } from "./filters.js";
import { defineRoute } from "./route.js";

/**
 * Call quality: ratings beside the network they were given on (issue 16). Every rate is weighted by
 * 1/askProbability (a Hájek estimate with a Wilson interval at the effective sample size), so sampling
 * by network band does not bias it; counts say how many surveys were asked and answered (`surveys`) and
 * how many calls they stand for (`weightedSurveys`).
 *
 * @module
 */

const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

/** A band, or `none` for surveys without a measured metric. */
export const BAND_NAMES = ["good", "fair", "poor", "none"] as const;
const BandSchema = oneOf(BAND_NAMES, { description: "Network band; none: no measured metric." });

const COUNTS = {
  surveys: Type.Integer({ description: "Surveys asked and answered." }),
  weightedSurveys: Type.Number({ description: "The calls they stand for: Σ 1/askProbability." }),
};

const RATE = {
  ...COUNTS,
  poor: Type.Integer({ description: "Poor ratings among them (unweighted)." }),
  rate: nullable(Type.Number({ description: "Weighted poor-rate (Hájek); null when nothing was rated." })),
  ci95: nullable(IntervalSchema),
  effectiveSize: nullable(
    Type.Number({ description: "The size of a simple random sample as precise as these surveys." }),
  ),
};

export const WeightedRateSchema = Type.Object(RATE, { additionalProperties: false });

const TagSchema = {
  category: CategorySchema,
  tag: Type.String(),
  count: Type.Integer(),
  weightedCount: Type.Number({ description: "Σ 1/askProbability over the tagged ratings." }),
};

export const CallQualitySchema = Type.Object(
  {
    ...COUNTS,
    bands: Type.Array(Type.Object({ band: BandSchema, ...COUNTS }, { additionalProperties: false }), {
      description: "Surveys per network band (every band listed).",
    }),
    poorRates: Type.Array(
      Type.Object(
        {
          category: CategorySchema,
          band: oneOf([...BAND_NAMES, "all"] as const, {
            description: "A band, none, or all (every survey with a band).",
          }),
          ...RATE,
        },
        { additionalProperties: false },
      ),
      { description: "Weighted poor-rate per category and band; only where something was rated." },
    ),
    goodNetwork: Type.Object(
      {
        poor: Type.Integer({ description: "Poor overall ratings after a good network." }),
        share: nullable(
          Type.Object(
            { ...RATE, of: Type.Integer({ description: "Poor overall ratings with a band." }) },
            {
              additionalProperties: false,
              description:
                "Of the poor overall ratings with a band, the weighted share given after a good network (rate), with its interval: what the network does not explain. null when there is none.",
            },
          ),
        ),
        poorRate: Type.Object(RATE, {
          additionalProperties: false,
          description: "The weighted poor-rate of overall ratings after a good network.",
        }),
        tags: Type.Array(Type.Object(TagSchema, { additionalProperties: false }), {
          description: "Issue tags of poor ratings after a good network, most frequent (weighted) first.",
        }),
      },
      { additionalProperties: false },
    ),
    tagsByBand: Type.Array(
      Type.Object(
        { ...TagSchema, band: BandSchema, poorCount: Type.Integer() },
        { additionalProperties: false },
      ),
      { description: "Issue tags per category and band, most frequent (weighted) first." },
    ),
    mosVsScore: Type.Array(
      Type.Object(
        {
          mosFrom: Type.Number(),
          mosTo: Type.Number(),
          ...RATE,
          meanNormalizedScore: nullable(
            Type.Number({ description: "Weighted mean of the overall rating, 0 = worst, 1 = best." }),
          ),
        },
        { additionalProperties: false },
      ),
      { description: "Overall ratings per estimated-MOS bin of 0.5 (surveys with a MOS only)." },
    ),
    bandMix: Type.Array(
      Type.Object({ start: InstantSchema, band: BandSchema, ...COUNTS }, { additionalProperties: false }),
      { description: "Surveys per UTC day and band." },
    ),
  },
  { additionalProperties: false },
);

export const analyticsCallQuality = defineRoute({
  method: "GET",
  url: "/v1/projects/:projectId/analytics/call-quality",
  operationId: "analyticsCallQuality",
  summary: "Ratings beside the network: poor-rates by band, poor ratings on good networks, MOS",
  description:
    "Weighted by 1/askProbability (Hájek estimator, Wilson interval at the effective sample size). Bands are decided when a survey is stored. Answered from the band rollups where the filters allow (time range, networkBand), from the raw surveys otherwise; the answers are the same.",
  tags: ["analytics"],
  auth: "admin",
  params: ProjectParams,
  querystring: filtersQuery(SURVEY_FILTER_PROPERTIES),
  responses: { 200: CallQualitySchema },
});
