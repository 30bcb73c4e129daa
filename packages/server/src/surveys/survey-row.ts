import {
  type CallQualitySummary,
  CONTEXT_FIELDS,
  type NetworkBand,
  RATING_CATEGORIES,
  type RecordedRating,
  type SurveyRecord,
} from "@aftercall/schema";

/**
 * The `surveys` table layout shared by both engines: one row per survey, one column group per rating
 * category (mirroring `ACSCallSurvey`), times as epoch milliseconds and issue tags as the ACS
 * comma-separated string, so filters are the same SQL on SQLite and PostgreSQL.
 */
export type SurveyRow = Record<string, string | number | null>;

const CONTEXT_COLUMNS = {
  appVersion: "app_version",
  platform: "platform",
  browser: "browser",
  sdkVersion: "sdk_version",
} as const;

const ratingColumns = (key: string) =>
  [
    `${key}_score`,
    `${key}_lower`,
    `${key}_upper`,
    `${key}_threshold`,
    `${key}_issues`,
    `${key}_suggestion`,
    `${key}_poor`,
  ] as const;

/**
 * Call quality (migration 13): the summary as JSON, the band decided at ingest, the summary's MOS (for
 * grouping without parsing JSON) and the probability the survey was asked with (NULL: 1).
 */
export const QUALITY_COLUMNS = ["call_quality", "network_band", "mos", "ask_probability"] as const;

/** Every column of `surveys`, in table order. */
export const SURVEY_COLUMNS: readonly string[] = [
  "project_id",
  "id",
  "received_at",
  "client_time",
  "call_id",
  "participant_id",
  "content_hash",
  ...CONTEXT_FIELDS.map((f) => CONTEXT_COLUMNS[f]),
  "dimensions",
  ...RATING_CATEGORIES.flatMap((c) => ratingColumns(c.key)),
  ...QUALITY_COLUMNS,
  "rollup_dimensions",
];

/** Type class of a column (see `migrations.ts`): what its values are in a {@link SurveyRow}. */
export type SurveyColumnType = "integer" | "bigint" | "text" | "double precision";

const DOUBLE_COLUMNS = new Set<string>(["mos", "ask_probability"]);

const INTEGER_COLUMNS = new Set<string>(
  RATING_CATEGORIES.flatMap((c) => {
    const [score, lower, upper, threshold, , , poor] = ratingColumns(c.key);
    return [score, lower, upper, threshold, poor];
  }),
);

/** The type of each of {@link SURVEY_COLUMNS}, in the same order (PostgreSQL names). */
export const SURVEY_COLUMN_TYPES: readonly SurveyColumnType[] = SURVEY_COLUMNS.map((column) =>
  column === "received_at"
    ? "bigint"
    : INTEGER_COLUMNS.has(column)
      ? "integer"
      : DOUBLE_COLUMNS.has(column)
        ? "double precision"
        : "text",
);

/**
 * Flatten a record into a row. `rollupDimensions`: the dimensions the rollups count when the project's
 * dimension caps folded some into `(other)` (see limits/dimension-caps.ts); absent, the survey's own.
 */
export function surveyToRow(
  record: SurveyRecord,
  contentHash: string,
  rollupDimensions?: Record<string, string>,
): SurveyRow {
  const row: SurveyRow = {
    project_id: record.projectId,
    id: record.id,
    received_at: Date.parse(record.receivedAt),
    client_time: record.clientTime,
    call_id: record.callId,
    participant_id: record.participantId,
    content_hash: contentHash,
    dimensions: JSON.stringify(record.dimensions),
    rollup_dimensions: rollupDimensions ? JSON.stringify(rollupDimensions) : null,
  };
  for (const field of CONTEXT_FIELDS) row[CONTEXT_COLUMNS[field]] = record[field] ?? null;
  for (const { key } of RATING_CATEGORIES) {
    const r = record.ratings[key];
    const [score, lower, upper, threshold, issues, suggestion, poor] = ratingColumns(key);
    row[score] = r?.score ?? null;
    row[lower] = r?.scale.lowerBound ?? null;
    row[upper] = r?.scale.upperBound ?? null;
    row[threshold] = r?.scale.lowScoreThreshold ?? null;
    row[issues] = r ? r.issues.join(",") : null;
    row[suggestion] = r?.improvementSuggestion ?? null;
    row[poor] = r ? (r.poor ? 1 : 0) : null;
  }
  row.call_quality = record.callQuality ? JSON.stringify(record.callQuality) : null;
  row.network_band = record.networkBand ?? null;
  row.mos = record.callQuality?.mos ?? null;
  row.ask_probability = record.askProbability ?? null;
  return row;
}

/** Rebuild the record of a row (values may arrive as bigint-strings from PostgreSQL). */
export function rowToSurvey(row: SurveyRow): SurveyRecord {
  const record: SurveyRecord = {
    schemaVersion: 1,
    id: String(row.id),
    projectId: String(row.project_id),
    receivedAt: new Date(Number(row.received_at)).toISOString(),
    clientTime: String(row.client_time),
    callId: String(row.call_id),
    participantId: String(row.participant_id),
    ratings: {},
    dimensions: JSON.parse(String(row.dimensions ?? "{}")) as Record<string, string>,
  };
  for (const field of CONTEXT_FIELDS) {
    const value = row[CONTEXT_COLUMNS[field]];
    if (value !== null && value !== undefined) record[field] = String(value);
  }
  for (const { key } of RATING_CATEGORIES) {
    const [score, lower, upper, threshold, issues, suggestion, poor] = ratingColumns(key);
    if (row[score] === null || row[score] === undefined) continue;
    const scale = {
      lowerBound: Number(row[lower]),
      upperBound: Number(row[upper]),
      lowScoreThreshold: Number(row[threshold]),
    };
    const s = Number(row[score]);
    const rating: RecordedRating = {
      score: s,
      scale,
      issues: row[issues] ? String(row[issues]).split(",") : [],
      normalizedScore: (s - scale.lowerBound) / (scale.upperBound - scale.lowerBound),
      poor: Number(row[poor]) === 1,
    };
    if (row[suggestion] !== null && row[suggestion] !== undefined)
      rating.improvementSuggestion = String(row[suggestion]);
    record.ratings[key] = rating;
  }
  if (row.call_quality !== null && row.call_quality !== undefined)
    record.callQuality = JSON.parse(String(row.call_quality)) as CallQualitySummary;
  if (row.ask_probability !== null && row.ask_probability !== undefined)
    record.askProbability = Number(row.ask_probability);
  if (row.network_band !== null && row.network_band !== undefined)
    record.networkBand = String(row.network_band) as NetworkBand;
  return record;
}
