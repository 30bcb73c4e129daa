import { RATING_CATEGORIES } from "@aftercall/schema";
import type { Dialect } from "../store/database.js";
import { TIME_SLOT_MS } from "./aggregates.js";
import { ROLLUP_DAY_MS, type RollupTableSpec } from "./rollup-schema.js";

/**
 * Migration 13 (part): rollups by network band, for the call-quality analytics and the `networkBand`
 * filter. Like the other rollups they are folded after the commit (`rollup-folder.ts`, rows counted in
 * `rollup-fold.ts`) and read with the raw tail past the watermark (`rollup-tables.ts`).
 *
 * - `rollup_bands`: surveys per 15-minute slot, category (`*` counts every survey), network band (`''`
 *   when the survey has none), ask probability (1 when the survey has none), MOS bin (`floor(2 · MOS)`,
 *   0 without a MOS), scale and score.
 * - `rollup_band_tags`: issue tags per slot, category, tag, poor flag, band and ask probability.
 * - `_day`: both again per UTC day.
 *
 * **Why the ask probability is a key, not a sum.** The weighted poor-rate (`weighted-rate.ts`) needs
 * Σw, Σw·poor, Σw² and Σw²·poor with w = 1/p. A project asks with a handful of distinct probabilities
 * (one per band of its configuration, and 1), so the rows keep integer counts per probability and the
 * queries form the sums as Σ n/p and Σ n/p² in JavaScript. Counts stay exact under folding, erasure and
 * retention (subtracting floating-point sums would drift), and every rollup row still has one counter.
 *
 * @module
 */

const GRAINS = [
  { suffix: "", period: TIME_SLOT_MS },
  { suffix: "_day", period: ROLLUP_DAY_MS },
] as const;
type Grain = (typeof GRAINS)[number];

/** Primary key order: a time series reads one (project, category)'s slots in index order. */
const BAND_KEY = [
  "project_id",
  "category",
  "slot",
  "band",
  "ask_probability",
  "mos_bin",
  "lower_bound",
  "upper_bound",
  "threshold",
  "score",
  "shard",
];
const BAND_TAG_KEY = ["project_id", "slot", "category", "tag", "poor", "band", "ask_probability", "shard"];

/** The columns of the band rollups holding doubles (the others are integers, text, or bigint). */
export const BAND_DOUBLE_COLUMNS: ReadonlySet<string> = new Set(["ask_probability"]);

/** The MOS bin of a MOS: `floor(2 · mos)` (bins of 0.5), 0 for none. */
export const mosBin = (mos: unknown): number =>
  mos === null || mos === undefined ? 0 : Math.floor(Number(mos) * 2);

const positions = (key: readonly string[]) => key.map((_, i) => i + 1).join(", ");

function tables({ engine, int, bigint, text }: Dialect, g: Grain): string[] {
  const double = engine === "sqlite" ? "REAL" : "double precision";
  return [
    `CREATE TABLE rollup_bands${g.suffix} (
  project_id ${text} NOT NULL,
  category ${text} NOT NULL,
  slot ${bigint} NOT NULL,
  band ${text} NOT NULL,
  ask_probability ${double} NOT NULL,
  mos_bin ${int} NOT NULL,
  lower_bound ${int} NOT NULL,
  upper_bound ${int} NOT NULL,
  threshold ${int} NOT NULL,
  score ${int} NOT NULL,
  shard ${int} NOT NULL,
  n ${bigint} NOT NULL,
  PRIMARY KEY (${BAND_KEY.join(", ")})
)`,
    `CREATE TABLE rollup_band_tags${g.suffix} (
  project_id ${text} NOT NULL,
  slot ${bigint} NOT NULL,
  category ${text} NOT NULL,
  tag ${text} NOT NULL,
  poor ${int} NOT NULL,
  band ${text} NOT NULL,
  ask_probability ${double} NOT NULL,
  shard ${int} NOT NULL,
  n ${bigint} NOT NULL,
  PRIMARY KEY (${BAND_TAG_KEY.join(", ")})
)`,
  ];
}

const BAND = "COALESCE(s.network_band, '')";
const PROBABILITY = "COALESCE(s.ask_probability, 1.0)";
const mosBinSql = (engine: "sqlite" | "postgres") =>
  `CASE WHEN s.mos IS NULL THEN 0 ELSE ${engine === "sqlite" ? "CAST(s.mos * 2 AS INTEGER)" : "floor(s.mos * 2)::integer"} END`;

/** Aggregated band rows of the surveys in relation `src`, in key order plus `n`. */
function bandRowsSql(src: string, g: Grain, engine: "sqlite" | "postgres"): string {
  const slot = `s.received_at - s.received_at % ${g.period}`;
  const common = `${slot}, ${BAND}, ${PROBABILITY}, ${mosBinSql(engine)}`;
  const group = positions(BAND_KEY);
  return [
    `SELECT s.project_id, '*', ${common}, 0, 0, 0, 0, 0, count(*) FROM ${src} s GROUP BY ${group}`,
    ...RATING_CATEGORIES.map(
      ({ key }) =>
        `SELECT s.project_id, '${key}', ${common}, s.${key}_lower, s.${key}_upper, s.${key}_threshold, s.${key}_score, 0, count(*) FROM ${src} s WHERE s.${key}_score IS NOT NULL GROUP BY ${group}`,
    ),
  ].join(" UNION ALL ");
}

/** Aggregated band tag rows of the surveys in `src`, tags split with each engine's own function. */
function bandTagRowsSql(src: string, g: Grain, engine: "sqlite" | "postgres"): string {
  return RATING_CATEGORIES.map(({ key }) => {
    const split =
      engine === "sqlite"
        ? `json_each('["' || replace(s.${key}_issues, ',', '","') || '"]') t`
        : `LATERAL unnest(string_to_array(s.${key}_issues, ',')) AS t(value)`;
    return `SELECT s.project_id, s.received_at - s.received_at % ${g.period}, '${key}', t.value, s.${key}_poor, ${BAND}, ${PROBABILITY}, 0, count(*) FROM ${src} s CROSS JOIN ${split} WHERE s.${key}_issues <> '' GROUP BY ${positions(BAND_TAG_KEY)}`;
  }).join(" UNION ALL ");
}

/** The four band rollup tables. */
export const BAND_ROLLUP_TABLES: readonly RollupTableSpec[] = GRAINS.flatMap((g) => [
  {
    name: `rollup_bands${g.suffix}`,
    key: BAND_KEY,
    period: g.period,
    rows: (src: string, engine: "sqlite" | "postgres") => bandRowsSql(src, g, engine),
  },
  {
    name: `rollup_band_tags${g.suffix}`,
    key: BAND_TAG_KEY,
    period: g.period,
    rows: (src: string, engine: "sqlite" | "postgres") => bandTagRowsSql(src, g, engine),
  },
]);

/**
 * The stored surveys the folder has already folded: those without an outbox entry past their project's
 * watermark (the queries' tail is exactly the others).
 */
const FOLDED = `(SELECT * FROM surveys x WHERE NOT EXISTS (SELECT 1 FROM delivery_log l WHERE l.project_id = x.project_id AND l.category = 'CallSurvey' AND l.item_id = x.id AND l.seq > COALESCE((SELECT w.seq FROM rollup_watermarks w WHERE w.project_id = x.project_id), 0)))`;

/** Migration 13 (part): the band rollups, filled with the surveys folded so far. */
export function bandRollupMigration(dialect: Dialect): string[] {
  return [
    ...GRAINS.flatMap((g) => tables(dialect, g)),
    ...BAND_ROLLUP_TABLES.map(
      (t) =>
        `INSERT INTO ${t.name} (${t.key.join(", ")}, n) SELECT * FROM (${t.rows(FOLDED, dialect.engine)}) r`,
    ),
  ];
}
