import { RATING_CATEGORIES } from "@aftercall/schema";
import type { Dialect } from "../store/database.js";
import { TIME_SLOT_MS } from "./aggregates.js";

/**
 * Migration "analytics rollups": two tables of counts kept up to date by insert triggers on `surveys`
 * (surveys are insert-only, so insert triggers see every change), filled from the stored rows once, plus
 * `aftercall_fold`, the case folding of the `q` filter on PostgreSQL.
 *
 * - `rollup_ratings`: surveys per 15-minute slot of `received_at`, category (`*` counts every survey),
 *   scale, score and context fields. Poor is `score <= threshold`, as in the raw rows.
 * - `rollup_tags`: issue tags per slot, category, tag, poor flag and context fields.
 * - `rollup_ratings_total`, `rollup_tags_total`: the same without the context fields, a few rows per slot
 *   whatever the number of app versions, platforms and browsers: what unfiltered dashboards read.
 * - `rollup_*_day`: the four tables again per UTC day (`slot` is the day's start).
 *
 * Context fields are stored as keys that never are NULL (so they can be part of the primary key on both
 * engines): `''` for a missing value, `'=' || value` otherwise (see {@link contextKey}).
 * The tag rollup knows the catalogue's tags of today: a catalogue change needs a migration that
 * recreates the triggers and rebuilds `rollup_tags`.
 */

const CONTEXT = ["app_version", "platform", "browser", "sdk_version"] as const;

/** The rollup key of a context value: `''` for none, `'=' + value` otherwise. */
export function contextKey(value: string | null | undefined): string {
  return value === null || value === undefined ? "" : `=${value}`;
}

/** The context value of a rollup key (inverse of {@link contextKey}). */
export function contextValue(key: string): string | null {
  return key === "" ? null : key.slice(1);
}

const contextSql = (alias: string, columns: readonly string[]) =>
  columns.map((c) => `CASE WHEN ${alias}.${c} IS NULL THEN '' ELSE '=' || ${alias}.${c} END`);

/** Length of the `slot` of the `_day` rollups: a UTC day. */
export const ROLLUP_DAY_MS = 86_400_000;

/**
 * The grains: by context (for context filters and breakdowns) or totals (everything else), each per
 * 15-minute slot (time series, partial days) and per UTC day (long ranges read ~96x fewer rows).
 */
const GRAINS = [
  { suffix: "", context: CONTEXT, period: TIME_SLOT_MS },
  { suffix: "_total", context: [] as readonly string[], period: TIME_SLOT_MS },
  { suffix: "_day", context: CONTEXT, period: ROLLUP_DAY_MS },
  { suffix: "_total_day", context: [] as readonly string[], period: ROLLUP_DAY_MS },
] as const;
type Grain = (typeof GRAINS)[number];

/**
 * The key of a rating rollup row. Its primary key starts (project, category, slot): a time series reads one
 * category's slots in index order, grouping as it goes; queries over every category name them all.
 */
const ratingKey = (g: Grain) => [
  "project_id",
  "slot",
  "category",
  "lower_bound",
  "upper_bound",
  "threshold",
  "score",
  ...g.context,
  "shard",
];
const tagKey = (g: Grain) => ["project_id", "slot", "category", "tag", "poor", ...g.context, "shard"];
const positions = (key: readonly string[]) => key.map((_, i) => i + 1).join(", ");

function tables(t: { int: string; bigint: string; text: string }, g: Grain): string[] {
  const { int, bigint, text } = t;
  const ctx = g.context.map((c) => `  ${c} ${text} NOT NULL,\n`).join("");
  return [
    `CREATE TABLE rollup_ratings${g.suffix} (
  project_id ${text} NOT NULL,
  slot ${bigint} NOT NULL,
  category ${text} NOT NULL,
  lower_bound ${int} NOT NULL,
  upper_bound ${int} NOT NULL,
  threshold ${int} NOT NULL,
  score ${int} NOT NULL,
${ctx}  shard ${int} NOT NULL,
  n ${bigint} NOT NULL,
  PRIMARY KEY (${["project_id", "category", ...ratingKey(g).filter((c) => c !== "project_id" && c !== "category")].join(", ")})
)`,
    `CREATE TABLE rollup_tags${g.suffix} (
  project_id ${text} NOT NULL,
  slot ${bigint} NOT NULL,
  category ${text} NOT NULL,
  tag ${text} NOT NULL,
  poor ${int} NOT NULL,
${ctx}  shard ${int} NOT NULL,
  n ${bigint} NOT NULL,
  PRIMARY KEY (${tagKey(g).join(", ")})
)`,
  ];
}

/** The context keys and the shard of a rollup row, each followed by ", ". */
const contextList = (g: Grain, alias: string, shard: string) =>
  `${[...contextSql(alias, g.context), shard].join(", ")}, `;

/** Aggregated rating rows of the surveys in relation `src`, in key order plus `n`. */
function ratingRowsSql(src: string, g: Grain, shard: string): string {
  const ctx = contextList(g, "s", shard);
  const slot = `s.received_at - s.received_at % ${g.period}`;
  const group = positions(ratingKey(g));
  const branches = [
    `SELECT s.project_id, ${slot}, '*', 0, 0, 0, 0, ${ctx}count(*) FROM ${src} s GROUP BY ${group}`,
    ...RATING_CATEGORIES.map(
      ({ key }) =>
        `SELECT s.project_id, ${slot}, '${key}', s.${key}_lower, s.${key}_upper, s.${key}_threshold, s.${key}_score, ${ctx}count(*) FROM ${src} s WHERE s.${key}_score IS NOT NULL GROUP BY ${group}`,
    ),
  ];
  return branches.join(" UNION ALL ");
}

/** The catalogue's tags as a relation (category, tag), portable SQL. */
function catalogueSql(): string {
  return RATING_CATEGORIES.flatMap(({ key, issues }) =>
    issues.map((tag) => `SELECT '${key}' AS category, '${tag}' AS tag`),
  ).join(" UNION ALL ");
}

/** Aggregated tag rows of the surveys in relation `src`, in key order plus `n`. */
function tagRowsSql(src: string, g: Grain, shard: string): string {
  const pick = (field: string) =>
    `CASE t.category ${RATING_CATEGORIES.map(({ key }) => `WHEN '${key}' THEN s.${key}_${field}`).join(" ")} END`;
  // Catalogue tags hold no LIKE wildcards or commas, so the comma-padded match is exact.
  return `SELECT s.project_id, s.received_at - s.received_at % ${g.period}, t.category, t.tag, ${pick("poor")}, ${contextList(g, "s", shard)}count(*) FROM ${src} s JOIN (${catalogueSql()}) t ON (',' || ${pick("issues")} || ',') LIKE ('%,' || t.tag || ',%') GROUP BY ${positions(tagKey(g))}`;
}

function insertRows(table: string, key: readonly string[], rows: string, conflict: boolean): string {
  const upsert = ` ON CONFLICT (${key.join(", ")}) DO UPDATE SET n = ${table}.n + excluded.n`;
  return `INSERT INTO ${table} (${key.join(", ")}, n) SELECT * FROM (${rows}) r ORDER BY ${positions(key)}${conflict ? upsert : ""}`;
}

/** The statements adding the surveys of relation `src` to all four rollup tables. */
function rollUp(src: string, conflict: boolean, shard = "0"): string[] {
  return GRAINS.flatMap((g) => [
    insertRows(`rollup_ratings${g.suffix}`, ratingKey(g), ratingRowsSql(src, g, shard), conflict),
    insertRows(`rollup_tags${g.suffix}`, tagKey(g), tagRowsSql(src, g, shard), conflict),
  ]);
}

const allTables = (t: { int: string; bigint: string; text: string }) => GRAINS.flatMap((g) => tables(t, g));

/** A rollup table: its key, and the aggregated rows (key order, then `n`) of the surveys of a relation. */
export interface RollupTableSpec {
  name: string;
  key: readonly string[];
  /** Length of the table's `slot`: a 15-minute slot or a UTC day. */
  period: number;
  rows(src: string, engine: "sqlite" | "postgres"): string;
}

/**
 * Aggregated tag rows of the surveys in relation `src`, splitting the comma-separated tags with each
 * engine's own function (catalogue tags hold no commas or quotes), which is several times cheaper than
 * matching every catalogue tag ({@link tagRowsSql}, what migration 4 used).
 */
function splitTagRowsSql(src: string, g: Grain, engine: "sqlite" | "postgres"): string {
  return RATING_CATEGORIES.map(({ key }) => {
    const split =
      engine === "sqlite"
        ? `json_each('["' || replace(s.${key}_issues, ',', '","') || '"]') t`
        : `LATERAL unnest(string_to_array(s.${key}_issues, ',')) AS t(value)`;
    return `SELECT s.project_id, s.received_at - s.received_at % ${g.period}, '${key}', t.value, s.${key}_poor, ${contextList(g, "s", "0")}count(*) FROM ${src} s CROSS JOIN ${split} WHERE s.${key}_issues <> '' GROUP BY ${positions(tagKey(g))}`;
  }).join(" UNION ALL ");
}

/** The eight rating and tag rollup tables (both grains of time, with and without context fields). */
export const RATING_ROLLUP_TABLES: readonly RollupTableSpec[] = GRAINS.flatMap((g) => [
  {
    name: `rollup_ratings${g.suffix}`,
    key: ratingKey(g),
    period: g.period,
    rows: (src: string) => ratingRowsSql(src, g, "0"),
  },
  {
    name: `rollup_tags${g.suffix}`,
    key: tagKey(g),
    period: g.period,
    rows: (src: string, engine: "sqlite" | "postgres") => splitTagRowsSql(src, g, engine),
  },
]);

/**
 * The SQLite row trigger's statements: one plain upsert per rollup row the survey touches (aggregating a
 * one-row relation with GROUP BY would cost a sorter per statement, ~4x the time). Tags are split with
 * json_each: catalogue tags hold no quotes or commas, so `["Echo","AudioNoise"]` is exact.
 */
function sqliteTriggerBody(): string[] {
  return GRAINS.flatMap((g) => {
    const slot = `NEW.received_at - NEW.received_at % ${g.period}`;
    const ctx = contextList(g, "NEW", "0");
    const ratings = (key: readonly string[]) =>
      `INSERT INTO rollup_ratings${g.suffix} (${key.join(", ")}, n)`;
    const onConflict = (key: readonly string[]) => `ON CONFLICT (${key.join(", ")}) DO UPDATE SET n = n + 1`;
    const rk = ratingKey(g);
    const tk = tagKey(g);
    return [
      `${ratings(rk)} SELECT NEW.project_id, ${slot}, '*', 0, 0, 0, 0, ${ctx}1 WHERE 1 ${onConflict(rk)}`,
      ...RATING_CATEGORIES.map(
        ({ key }) =>
          `${ratings(rk)} SELECT NEW.project_id, ${slot}, '${key}', NEW.${key}_lower, NEW.${key}_upper, NEW.${key}_threshold, NEW.${key}_score, ${ctx}1 WHERE NEW.${key}_score IS NOT NULL ${onConflict(rk)}`,
      ),
      ...RATING_CATEGORIES.map(
        ({ key }) =>
          `INSERT INTO rollup_tags${g.suffix} (${tk.join(", ")}, n) SELECT NEW.project_id, ${slot}, '${key}', j.value, NEW.${key}_poor, ${ctx}1 FROM json_each('["' || replace(NEW.${key}_issues, ',', '","') || '"]') j WHERE NEW.${key}_issues <> '' ${onConflict(tk)}`,
      ),
    ];
  });
}

/** SQLite: a row trigger of plain upserts (see {@link sqliteTriggerBody}). */
export function sqliteRollupMigration(): string[] {
  return [
    ...allTables({ int: "INTEGER", bigint: "INTEGER", text: "TEXT" }),
    ...rollUp("surveys", false),
    `CREATE TRIGGER surveys_rollup AFTER INSERT ON surveys BEGIN
${sqliteTriggerBody().join(";\n")};
END`,
  ];
}

/**
 * Rollup rows are split by `shard` (summed by every query): on PostgreSQL the backend's pid modulo this,
 * so concurrent commits on different connections mostly update different rows instead of queueing on
 * the one row of the current slot; SQLite has one writer and always uses shard 0.
 */
export const POSTGRES_SHARDS = 8;

/**
 * PostgreSQL: a statement trigger over the transition table, so a batch insert upserts each rollup row
 * once, in key order (concurrent commits lock shared rollup rows in the same order and do not deadlock).
 * `aftercall_fold` lower-cases with ICU's root locale whatever the database's locale (the test servers
 * run with `--no-locale`, whose lower() only folds ASCII), matching JavaScript's toLowerCase.
 */
export function postgresRollupMigration(): string[] {
  return [
    `CREATE FUNCTION aftercall_fold(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT lower(t COLLATE "und-x-icu") $$`,
    ...allTables({ int: "integer", bigint: "bigint", text: "text" }),
    ...rollUp("surveys", false),
    `CREATE FUNCTION aftercall_rollup_surveys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  ${rollUp("new_surveys", true, `pg_backend_pid() % ${POSTGRES_SHARDS}`).join(";\n  ")};
  RETURN NULL;
END $$`,
    "CREATE TRIGGER surveys_rollup AFTER INSERT ON surveys REFERENCING NEW TABLE AS new_surveys FOR EACH STATEMENT EXECUTE FUNCTION aftercall_rollup_surveys()",
  ];
}

/** Migration 4: the rating and tag rollups, in the dialect's form. */
export function rollupMigration(dialect: Dialect): string[] {
  return dialect.engine === "sqlite" ? sqliteRollupMigration() : postgresRollupMigration();
}

/**
 * Migration 6 (part): rollups leave the commit path. The insert triggers go; a folder
 * (`rollup-folder.ts`) adds committed surveys to the rollups in batches, after their commit, following
 * the outbox up to a watermark per project, and queries add the surveys past the watermark from raw
 * rows. Everything stored so far was rolled up by the triggers, so each project starts at the log's head.
 */
export function rollupsOffTheCommitPath({ engine, bigint, text }: Dialect): string[] {
  return [
    ...(engine === "sqlite"
      ? ["DROP TRIGGER surveys_rollup", "DROP TRIGGER surveys_rollup_dimensions"]
      : [
          "DROP TRIGGER surveys_rollup ON surveys",
          "DROP FUNCTION aftercall_rollup_surveys()",
          "DROP TRIGGER surveys_rollup_dimensions ON surveys",
          "DROP FUNCTION aftercall_rollup_dimensions()",
        ]),
    `CREATE TABLE rollup_watermarks (
  project_id ${text} PRIMARY KEY,
  seq ${bigint} NOT NULL,
  folded_at ${bigint} NOT NULL
)`,
    "INSERT INTO rollup_watermarks (project_id, seq, folded_at) SELECT id, (SELECT COALESCE(max(seq), 0) FROM delivery_log), 0 FROM projects",
  ];
}
