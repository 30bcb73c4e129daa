import { RATING_CATEGORIES } from "@aftercall/schema";
import { TIME_SLOT_MS } from "./aggregates.js";
import { BAND_DOUBLE_COLUMNS, mosBin } from "./band-rollup-schema.js";
import { type Engine, ROLLUP_TABLES } from "./rollup-tables.js";

/**
 * What one fold writes. The batch's surveys are read once (only the columns rollups need) and counted
 * here into the finest rows of each family of rollup tables — ratings and tags per 15-minute slot and
 * context fields, dimensions per slot — exactly as the tables' SQL row generators count them for the
 * queries' raw tail (`rollup-schema.ts`, `dimension-rollup-schema.ts`; the rollups-equal-raw tests hold
 * the two to each other). Every coarser table (totals without context fields, UTC days) is summed from
 * those rows, and each table gets one upsert per touched row: a batch costs one read and a few upserts
 * per distinct (slot, context, score), not work per survey in SQL.
 *
 * @module
 */

type Value = string | number;
type Row = Value[];

const CONTEXT = ["app_version", "platform", "browser", "sdk_version"] as const;
const CATEGORY_COLUMNS = ["score", "lower", "upper", "threshold", "issues", "poor"] as const;

/** The columns of a survey that rollups count, in the order {@link countBatch} reads them. */
export const FOLD_COLUMNS: readonly string[] = [
  "received_at",
  ...CONTEXT,
  // What the dimension caps let the rollups count (limits/dimension-caps.ts); NULL: the survey's own.
  "COALESCE(rollup_dimensions, dimensions) AS dimensions",
  ...RATING_CATEGORIES.flatMap(({ key }) => CATEGORY_COLUMNS.map((c) => `${key}_${c}`)),
  "network_band",
  "mos",
  "ask_probability",
];
/** The name each of {@link FOLD_COLUMNS} has in a result row (its alias, if it has one). */
export const FOLD_COLUMN_NAMES: readonly string[] = FOLD_COLUMNS.map(
  (column) => column.split(" AS ").at(-1) as string,
);
/** Where the call-quality columns start in a row of {@link FOLD_COLUMNS}. */
const QUALITY_AT = 6 + RATING_CATEGORIES.length * CATEGORY_COLUMNS.length;

/**
 * The surveys of a batch, by id. The ids come from the outbox first, so the surveys are found through
 * their primary key whatever the planner believes about the project (a join from the outbox let
 * PostgreSQL, with statistics of a project that had no rows yet, scan the project once per survey).
 */
export function batchQuery(engine: Engine, projectId: string, surveyIds: readonly string[]) {
  const ids = engine === "sqlite" ? "IN (SELECT value FROM json_each(?))" : "= ANY(?::text[])";
  return {
    sql: `SELECT ${FOLD_COLUMNS.join(", ")} FROM surveys WHERE project_id = ? AND id ${ids}`,
    params: [projectId, engine === "sqlite" ? JSON.stringify(surveyIds) : [...surveyIds]] as [
      string,
      string | string[],
    ],
  };
}

/** A context value as a rollup key: `''` for none, `'=' + value` otherwise (see `contextKey`). */
const contextKey = (value: unknown): string =>
  value === null || value === undefined ? "" : `=${String(value)}`;

/** Adds `n` to the row of `key` (a tuple), keyed by its parts joined. */
class Counter {
  readonly rows = new Map<string, Row>();

  add(key: Row, n = 1): void {
    const id = key.join("\u0000");
    const row = this.rows.get(id);
    if (row) row[row.length - 1] = (row[row.length - 1] as number) + n;
    else this.rows.set(id, [...key, n]);
  }
}

/**
 * Count the batch's surveys (rows in {@link batchQuery}'s column order) into the finest rows of each
 * family, each row the table's key followed by `n`.
 */
export function countBatch(
  projectId: string,
  surveys: ReadonlyArray<readonly unknown[]>,
): Map<string, Row[]> {
  const ratings = new Counter();
  const tags = new Counter();
  const dimensions = new Counter();
  const bands = new Counter();
  const bandTags = new Counter();
  for (const s of surveys) {
    const receivedAt = Number(s[0]);
    const slot = receivedAt - (receivedAt % TIME_SLOT_MS);
    const context = CONTEXT.map((_, i) => contextKey(s[1 + i]));
    const pairs =
      s[5] === "{}" || s[5] === null
        ? []
        : Object.entries(JSON.parse(String(s[5])) as Record<string, string>);
    // As the band rollups' SQL reads them: no band is '', no probability 1 (band-rollup-schema.ts).
    const band = s[QUALITY_AT] === null || s[QUALITY_AT] === undefined ? "" : String(s[QUALITY_AT]);
    const mos = mosBin(s[QUALITY_AT + 1]);
    const p = s[QUALITY_AT + 2] === null || s[QUALITY_AT + 2] === undefined ? 1 : Number(s[QUALITY_AT + 2]);
    ratings.add([projectId, slot, "*", 0, 0, 0, 0, ...context, 0]);
    bands.add([projectId, "*", slot, band, p, mos, 0, 0, 0, 0, 0]);
    for (const [key, value] of pairs) dimensions.add([projectId, "*", key, slot, value, 0, 0, 0, 0, 0]);
    RATING_CATEGORIES.forEach(({ key: category }, c) => {
      const at = 6 + c * CATEGORY_COLUMNS.length;
      if (s[at] === null || s[at] === undefined) return;
      const [score, lower, upper, threshold, issues, poor] = s.slice(at, at + CATEGORY_COLUMNS.length) as [
        number,
        number,
        number,
        number,
        string | null,
        number,
      ];
      const scale = [Number(lower), Number(upper), Number(threshold), Number(score)];
      ratings.add([projectId, slot, category, ...scale, ...context, 0]);
      bands.add([projectId, category, slot, band, p, mos, ...scale, 0]);
      if (issues)
        for (const tag of issues.split(",")) {
          tags.add([projectId, slot, category, tag, Number(poor), ...context, 0]);
          bandTags.add([projectId, slot, category, tag, Number(poor), band, p, 0]);
        }
      for (const [key, value] of pairs) dimensions.add([projectId, category, key, slot, value, ...scale, 0]);
    });
  }
  return new Map([
    ["rollup_ratings", [...ratings.rows.values()]],
    ["rollup_tags", [...tags.rows.values()]],
    ["rollup_dimensions", [...dimensions.rows.values()]],
    ["rollup_bands", [...bands.rows.values()]],
    ["rollup_band_tags", [...bandTags.rows.values()]],
  ]);
}

/** The finest table of each family; the other tables of the family are sums of its rows. */
const FINEST = [
  "rollup_ratings",
  "rollup_tags",
  "rollup_dimensions",
  "rollup_bands",
  "rollup_band_tags",
] as const;

const familyOf = (table: string) => FINEST.find((f) => table === f || table.startsWith(`${f}_`)) as string;

/** Every rollup table's rows for the batch, summed from the finest rows of its family. */
export function coarsen(finest: ReadonlyMap<string, readonly Row[]>): Map<string, Row[]> {
  const out = new Map<string, Row[]>();
  for (const table of ROLLUP_TABLES) {
    const family = familyOf(table.name);
    const source = ROLLUP_TABLES.find((t) => t.name === family);
    const rows = finest.get(family);
    if (!source || !rows) continue;
    if (table.name === family) {
      out.set(table.name, [...rows]);
      continue;
    }
    const index = table.key.map((column) => source.key.indexOf(column));
    const slot = table.key.indexOf("slot");
    const sums = new Counter();
    for (const row of rows) {
      const key = index.map((i) => row[i] as Value);
      key[slot] = Number(key[slot]) - (Number(key[slot]) % table.period);
      sums.add(key, Number(row[row.length - 1]));
    }
    out.set(table.name, [...sums.rows.values()]);
  }
  return out;
}

/** The same rows with their counts negated: what removing the batch's surveys takes off. */
export function negate(tables: ReadonlyMap<string, readonly Row[]>): Map<string, Row[]> {
  return new Map(
    [...tables].map(([table, rows]) => [
      table,
      rows.map((row) => [...row.slice(0, -1), -(row[row.length - 1] as number)]),
    ]),
  );
}

const BIGINT_COLUMNS = new Set(["slot", "n"]);
const INTEGER_COLUMNS = new Set([
  "lower_bound",
  "upper_bound",
  "threshold",
  "score",
  "poor",
  "shard",
  "mos_bin",
]);
const pgType = (column: string) =>
  BIGINT_COLUMNS.has(column)
    ? "bigint"
    : INTEGER_COLUMNS.has(column)
      ? "integer"
      : BAND_DOUBLE_COLUMNS.has(column)
        ? "double precision"
        : "text";

function specOf(table: string) {
  const spec = ROLLUP_TABLES.find((t) => t.name === table);
  if (!spec) throw new RangeError(`Unknown rollup table ${table}`);
  return spec;
}

/** SQLite: the upsert of one row of `table` (run once per row, in the fold's transaction). */
export function sqliteUpsert(table: string): string {
  const spec = specOf(table);
  const key = spec.key.join(", ");
  return `INSERT INTO ${table} (${key}, n) VALUES (${[...spec.key, "n"].map(() => "?").join(", ")}) ON CONFLICT (${key}) DO UPDATE SET n = n + excluded.n`;
}

/**
 * PostgreSQL: the upsert of all `rows` of `table` in one statement (one array parameter per column), in
 * key order so that concurrent writers of the same rows lock them in the same order.
 */
export function postgresUpsert(table: string, rows: readonly Row[]): { sql: string; params: Value[][] } {
  const spec = specOf(table);
  const columns = [...spec.key, "n"];
  return {
    sql: `INSERT INTO ${table} (${columns.join(", ")})
SELECT * FROM unnest(${columns.map((c, i) => `$${i + 1}::${pgType(c)}[]`).join(", ")}) ORDER BY ${spec.key.map((_, i) => i + 1).join(", ")}
ON CONFLICT (${spec.key.join(", ")}) DO UPDATE SET n = ${table}.n + excluded.n`,
    params: columns.map((_, c) => rows.map((row) => row[c] as Value)),
  };
}

/** SQLite: delete one row of `table` (by key) if its count went to zero. */
export function sqliteDeleteEmpty(table: string): string {
  const spec = specOf(table);
  return `DELETE FROM ${table} WHERE ${spec.key.map((c) => `${c} = ?`).join(" AND ")} AND n = 0`;
}

/** SQLite: the lookup of one row of `table` by its key (the parameters of {@link sqliteDeleteEmpty}). */
export function sqliteRowLookup(table: string): string {
  const spec = specOf(table);
  return `SELECT n FROM ${table} WHERE ${spec.key.map((c) => `${c} = ?`).join(" AND ")}`;
}

/** PostgreSQL: delete the rows of `table` among `rows` (by key) whose count went to zero, in one statement. */
export function postgresDeleteEmpty(table: string, rows: readonly Row[]): { sql: string; params: Value[][] } {
  const spec = specOf(table);
  const keys = spec.key.map((c) => `k_${c}`);
  return {
    sql: `DELETE FROM ${table} t USING unnest(${spec.key.map((c, i) => `$${i + 1}::${pgType(c)}[]`).join(", ")}) AS k(${keys.join(", ")})
WHERE ${spec.key.map((c) => `t.${c} = k.k_${c}`).join(" AND ")} AND t.n = 0`,
    params: spec.key.map((_, c) => rows.map((row) => row[c] as Value)),
  };
}
