import { LIMITS } from "@aftercall/schema";
import { type Static, type TProperties, Type } from "typebox";
import { CATEGORY_KEYS } from "./common.js";

/**
 * The survey filters shared by the list, the export and every analytics query. Their shape is checked
 * here; the server turns them into a survey query (dates parsed, tags looked up in the catalogue).
 *
 * @module
 */

const value = (description: string) =>
  Type.Optional(Type.String({ minLength: 1, maxLength: 256, description }));

const categoryList = `(${CATEGORY_KEYS.join("|")})`;

export const SURVEY_FILTER_PROPERTIES = {
  from: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, description: "receivedAt >= from (ISO 8601 date-time)." }),
  ),
  to: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, description: "receivedAt < to (ISO 8601 date-time)." }),
  ),
  poor: Type.Optional(
    Type.String({
      pattern: `^${categoryList}(,${categoryList})*$`,
      description: "Comma-separated categories; any of them rated poor.",
    }),
  ),
  tag: Type.Optional(
    Type.String({
      pattern: "^[a-z]+:[A-Za-z]+$",
      maxLength: 64,
      description: "category:Tag, e.g. audio:Echo (a tag of the category's catalogue).",
    }),
  ),
  callId: value("Exact callId."),
  participantId: value("Exact participantId."),
  q: value(
    "Case-insensitive (Unicode lower case) substring of the improvement suggestion of any category; % and _ match literally.",
  ),
  appVersion: value("Exact appVersion."),
  platform: value("Exact platform."),
  browser: value("Exact browser."),
  sdkVersion: value("Exact sdkVersion."),
  networkBand: Type.Optional(
    Type.Unsafe<"good" | "fair" | "poor" | "none">({
      type: "string",
      enum: ["good", "fair", "poor", "none"],
      description:
        "The call's network band, decided when the survey was stored (good, fair, poor), or none for surveys without a measured metric.",
    }),
  ),
} satisfies TProperties;

/** `dimension.<key>=<value>`: exact value of a custom dimension (up to 20 of them, all must match). */
export const DIMENSION_FILTER_PATTERN = "^dimension\\.";

export const DimensionFilterSchema = Type.String({
  minLength: 1,
  maxLength: LIMITS.dimensionValue,
  description:
    "Exact value of the custom dimension <key>, e.g. dimension.region=eu-west; several keys must all match (up to 20). A survey without the key does not match.",
});

/** An object of query parameters that also accepts `dimension.<key>` filters. */
export function filtersQuery<P extends TProperties>(properties: P) {
  return Type.Object(properties, {
    additionalProperties: false,
    patternProperties: { [DIMENSION_FILTER_PATTERN]: DimensionFilterSchema },
  });
}

export const SurveyFiltersQuery = filtersQuery(SURVEY_FILTER_PROPERTIES);

/** The filters as a handler sees them (dimension filters as `dimension.<key>` members). */
export type SurveyFilters = Static<typeof SurveyFiltersQuery> & {
  [dimension: `dimension.${string}`]: string;
};

/** The legacy aliases name the project in the query (required with the operator token). */
export const LEGACY_PROJECT = {
  projectId: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 63,
      description: "The project; required with the operator token, an admin token's own project by default.",
    }),
  ),
};
