import { RATING_CATEGORIES } from "@aftercall/schema";
import type { Dialect } from "../store/database.js";
import { TIME_SLOT_MS } from "./aggregates.js";
import { POSTGRES_SHARDS, ROLLUP_DAY_MS } from "./rollup-schema.js";

/**
 * Migration "dimension rollups": ratings per custom dimension key and value, so a breakdown by
 * `dimension:<key>` costs O(slots × values) like the context breakdowns instead of reading every survey
 * in the range. Every key a survey carries is rolled up (at most 20 per survey, see the schema): what it
 * costs is paid at ingestion, about one upsert per key, rated category and grain, and a key with a value
 * per survey (an id) makes its rollup as large as the surveys themselves; ids belong in `callId` and
 * `participantId`.
 *
 * - `rollup_dimensions`: per 15-minute slot of `received_at`, category (`*` counts every survey with
 *   the key), key, value, scale and score.
 * - `rollup_dimensions_day`: the same per UTC day.
 * - `aftercall_dimension(dimensions, key)`: the value of one key, for filters on raw rows (PostgreSQL; the
 *   SQLite store defines it on its connections).
 *
 * Surveys without the key are not in the table: a breakdown takes them from the totals rollups (the
 * category's rated surveys minus those with a value). Context fields are not part of the key, so a
 * context-filtered dimension breakdown reads raw rows.
 */

const GRAINS = [
  { suffix: "", period: TIME_SLOT_MS },
  { suffix: "_day", period: ROLLUP_DAY_MS },
] as const;
type Grain = (typeof GRAINS)[number];

/** Primary key order: a breakdown reads one (project, category, key)'s slots in index order. */
const KEY = [
  "project_id",
  "category",
  "dimension_key",
  "slot",
  "dimension_value",
  "lower_bound",
  "upper_bound",
  "threshold",
  "score",
  "shard",
];

function table(t: { int: string; bigint: string; text: string }, g: Grain): string {
  const { int, bigint, text } = t;
  return `CREATE TABLE rollup_dimensions${g.suffix} (
  project_id ${text} NOT NULL,
  category ${text} NOT NULL,
  dimension_key ${text} NOT NULL,
  slot ${bigint} NOT NULL,
  dimension_value ${text} NOT NULL,
  lower_bound ${int} NOT NULL,
  upper_bound ${int} NOT NULL,
  threshold ${int} NOT NULL,
  score ${int} NOT NULL,
  shard ${int} NOT NULL,
  n ${bigint} NOT NULL,
  PRIMARY KEY (${KEY.join(", ")})
)`;
}

/**
 * The (key, value) pairs of `s.dimensions` as relation `d(key, value)`: `json_each` on SQLite,
 * `jsonb_each_text` on PostgreSQL (the column is JSON text of a string-valued object on both).
 */
type EachDimension = (alias: string) => string;
const sqliteEach: EachDimension = (alias) => `json_each(${alias}.dimensions) d`;
const postgresEach: EachDimension = (alias) =>
  `LATERAL jsonb_each_text(${alias}.dimensions::jsonb) AS d(key, value)`;

/** The rows one category adds for the surveys of relation `src`, aggregated, in key order plus `n`. */
function categoryRowsSql(
  src: string,
  g: Grain,
  category: string,
  each: EachDimension,
  shard: string,
): string {
  const c = category;
  return `SELECT s.project_id, '${c}', d.key, s.received_at - s.received_at % ${g.period}, d.value, s.${c}_lower, s.${c}_upper, s.${c}_threshold, s.${c}_score, ${shard}, count(*) FROM ${src} s CROSS JOIN ${each("s")} WHERE s.${c}_score IS NOT NULL AND s.dimensions <> '{}' GROUP BY ${KEY.map((_, i) => i + 1).join(", ")}`;
}

/** The `*` rows (every survey with the key) of the surveys of relation `src`. */
function surveyRowsSql(src: string, g: Grain, each: EachDimension, shard: string): string {
  return `SELECT s.project_id, '*', d.key, s.received_at - s.received_at % ${g.period}, d.value, 0, 0, 0, 0, ${shard}, count(*) FROM ${src} s CROSS JOIN ${each("s")} WHERE s.dimensions <> '{}' GROUP BY ${KEY.map((_, i) => i + 1).join(", ")}`;
}

/** Statements adding the surveys of `src` to both tables (upserting when `conflict`). */
function rollUp(src: string, each: EachDimension, conflict: boolean, shard: string): string[] {
  return GRAINS.map((g) => {
    const rows = [
      surveyRowsSql(src, g, each, shard),
      ...RATING_CATEGORIES.map(({ key }) => categoryRowsSql(src, g, key, each, shard)),
    ].join(" UNION ALL ");
    const target = `rollup_dimensions${g.suffix}`;
    const upsert = conflict
      ? ` ON CONFLICT (${KEY.join(", ")}) DO UPDATE SET n = ${target}.n + excluded.n`
      : "";
    return `INSERT INTO ${target} (${KEY.join(", ")}, n) SELECT * FROM (${rows}) r ORDER BY ${KEY.map((_, i) => i + 1).join(", ")}${upsert}`;
  });
}

/**
 * Since migration 17 a survey may carry the dimensions the rollups count (`rollup_dimensions`: values and
 * keys past the project's caps folded into `(other)`, see limits/dimension-caps.ts); NULL means its own.
 * Only the folder and the queries use these: the migrations above ran before the column existed.
 */
const ROLLUP_DIMENSIONS = (alias: string) => `COALESCE(${alias}.rollup_dimensions, ${alias}.dimensions)`;
const sqliteFoldedEach: EachDimension = (alias) => `json_each(${ROLLUP_DIMENSIONS(alias)}) d`;
const postgresFoldedEach: EachDimension = (alias) =>
  `LATERAL jsonb_each_text(${ROLLUP_DIMENSIONS(alias)}::jsonb) AS d(key, value)`;

/** The two dimension rollup tables, as the folder and the queries' raw tail see them. */
export const DIMENSION_ROLLUP_TABLES = GRAINS.map((g) => ({
  name: `rollup_dimensions${g.suffix}`,
  key: KEY,
  period: g.period,
  rows: (src: string, engine: "sqlite" | "postgres") => {
    const each = engine === "sqlite" ? sqliteFoldedEach : postgresFoldedEach;
    return [
      surveyRowsSql(src, g, each, "0"),
      ...RATING_CATEGORIES.map(({ key }) => categoryRowsSql(src, g, key, each, "0")),
    ].join(" UNION ALL ");
  },
}));

/**
 * SQLite: a row trigger of plain upserts, one per category and grain, over the survey's keys. It only
 * fires for surveys with dimensions.
 */
export function sqliteDimensionRollupMigration(): string[] {
  const types = { int: "INTEGER", bigint: "INTEGER", text: "TEXT" };
  const body = GRAINS.flatMap((g) => {
    const insert = `INSERT INTO rollup_dimensions${g.suffix} (${KEY.join(", ")}, n) SELECT NEW.project_id`;
    const slot = `NEW.received_at - NEW.received_at % ${g.period}`;
    const upsert = `ON CONFLICT (${KEY.join(", ")}) DO UPDATE SET n = n + 1`;
    return [
      `${insert}, '*', d.key, ${slot}, d.value, 0, 0, 0, 0, 0, 1 FROM json_each(NEW.dimensions) d WHERE 1 ${upsert}`,
      ...RATING_CATEGORIES.map(
        ({ key: c }) =>
          `${insert}, '${c}', d.key, ${slot}, d.value, NEW.${c}_lower, NEW.${c}_upper, NEW.${c}_threshold, NEW.${c}_score, 0, 1 FROM json_each(NEW.dimensions) d WHERE NEW.${c}_score IS NOT NULL ${upsert}`,
      ),
    ];
  });
  return [
    ...GRAINS.map((g) => table(types, g)),
    ...rollUp("surveys", sqliteEach, false, "0"),
    `CREATE TRIGGER surveys_rollup_dimensions AFTER INSERT ON surveys WHEN NEW.dimensions <> '{}' BEGIN
${body.join(";\n")};
END`,
  ];
}

/** PostgreSQL: a statement trigger over the transition table, like the other rollups. */
export function postgresDimensionRollupMigration(): string[] {
  const types = { int: "integer", bigint: "bigint", text: "text" };
  return [
    `CREATE FUNCTION aftercall_dimension(dimensions text, key text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT dimensions::jsonb ->> key $$`,
    ...GRAINS.map((g) => table(types, g)),
    ...rollUp("surveys", postgresEach, false, "0"),
    `CREATE FUNCTION aftercall_rollup_dimensions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  ${rollUp("new_surveys", postgresEach, true, `pg_backend_pid() % ${POSTGRES_SHARDS}`).join(";\n  ")};
  RETURN NULL;
END $$`,
    "CREATE TRIGGER surveys_rollup_dimensions AFTER INSERT ON surveys REFERENCING NEW TABLE AS new_surveys FOR EACH STATEMENT EXECUTE FUNCTION aftercall_rollup_dimensions()",
  ];
}

/** Migration 5: the custom dimension rollups, in the dialect's form. */
export function dimensionRollupMigration(dialect: Dialect): string[] {
  return dialect.engine === "sqlite" ? sqliteDimensionRollupMigration() : postgresDimensionRollupMigration();
}
