import { RATING_CATEGORIES, type RatingCategory } from "@aftercall/schema";
import type { SqlFragment } from "../store/database.js";
import { surveyFilter } from "../surveys/survey-filter.js";
import type { SurveyQuery } from "../surveys/survey-query.js";
import type { AnalyticsReads } from "./analytics-reads.js";
import { gather } from "./rollup-query.js";
import { ROLLUP_DAY_MS } from "./rollup-schema.js";
import { CONTEXT_FILTERS, type RollupPart, rollupFilter } from "./rollup-split.js";
import { ROLLUP_TABLES } from "./rollup-tables.js";
import {
  emptyTally,
  mergeTallies,
  type WeightedRate,
  type WeightedTally,
  weightedPoorRate,
} from "./weighted-rate.js";

/**
 * Call-quality analytics: ratings beside the network they were given on. Every rate is weighted by
 * 1/askProbability (a Hájek estimate with its interval, `weighted-rate.ts`), so sampling by network band
 * does not bias it; every count says how many surveys were asked and answered (`surveys`) and how many
 * calls they stand for (`weightedSurveys`, Σ 1/p).
 *
 * The rows come from the band rollups (`band-rollup-schema.ts`) plus their raw tail, or — for filters
 * those rollups do not know (context fields, dimensions, free text, tags…) — from the same row
 * generators run over the filtered raw surveys, so both paths produce identical rows.
 *
 * @module
 */

/** The band of a row as the API names it: `none` for a survey without one. */
export type BandName = "good" | "fair" | "poor" | "none";
const BAND_NAMES: readonly BandName[] = ["good", "fair", "poor", "none"];
const bandName = (key: unknown): BandName =>
  key === "" || key === null ? "none" : (String(key) as BandName);

/** A weighted poor-rate, or nulls when nothing was rated. */
export interface RateEntry {
  surveys: number;
  weightedSurveys: number;
  poor: number;
  rate: number | null;
  ci95: [number, number] | null;
  effectiveSize: number | null;
}

export interface CallQualityAnalytics {
  surveys: number;
  weightedSurveys: number;
  bands: Array<{ band: BandName; surveys: number; weightedSurveys: number }>;
  poorRates: Array<RateEntry & { category: RatingCategory; band: BandName | "all" }>;
  goodNetwork: {
    /** Poor overall ratings after a good network. */
    poor: number;
    /** Weighted share of the poor overall ratings (with a band) that came after a good network. */
    share: (RateEntry & { of: number }) | null;
    /** The poor-rate of overall ratings after a good network. */
    poorRate: RateEntry;
    tags: Array<{ category: RatingCategory; tag: string; count: number; weightedCount: number }>;
  };
  tagsByBand: Array<{
    category: RatingCategory;
    tag: string;
    band: BandName;
    count: number;
    poorCount: number;
    weightedCount: number;
  }>;
  mosVsScore: Array<RateEntry & { mosFrom: number; mosTo: number; meanNormalizedScore: number | null }>;
  bandMix: Array<{ startMs: number; band: BandName; surveys: number; weightedSurveys: number }>;
}

/** The band rollups (15-minute table: the raw rows are generated at that grain). */
const spec = (name: string) => ROLLUP_TABLES.find((t) => t.name === name) as (typeof ROLLUP_TABLES)[number];
const MARK = "\u0000src\u0000";

/** A band rollup table's rows generated from the raw surveys matching `q`, as a relation. */
function rawRelation(reads: AnalyticsReads, table: string, projectId: string, q: SurveyQuery): SqlFragment {
  const f = surveyFilter(projectId, q);
  const t = spec(table);
  const pieces = t.rows(MARK, reads.engine).split(MARK);
  // The empty branch names the columns, as in the rollups' own relation.
  return {
    sql: `(SELECT ${[...t.key, "n"].join(", ")} FROM ${t.name} WHERE 1 = 0 UNION ALL SELECT * FROM (${pieces.join(`(SELECT * FROM surveys WHERE ${f.sql})`)}) g)`,
    params: pieces.slice(1).flatMap(() => f.params),
  };
}

type Statement = (relation: SqlFragment, where: SqlFragment) => SqlFragment;

/** Rows of `statement` over the band rollup `table` (and its `_day` twin where `days`), or raw rows. */
function rows<T>(
  reads: AnalyticsReads,
  projectId: string,
  query: SurveyQuery,
  table: string,
  statement: Statement,
  days: boolean,
): Promise<T[]> {
  // The band rollups have no context fields or dimensions.
  const rawOnly =
    CONTEXT_FILTERS.some(([field]) => query[field] !== undefined) ||
    Object.keys(query.dimensions ?? {}).length > 0;
  const effective: AnalyticsReads = rawOnly ? { ...reads, source: "raw" } : reads;
  const band =
    query.networkBand === undefined ? undefined : query.networkBand === "none" ? "" : query.networkBand;
  return gather<T>(
    effective,
    projectId,
    query,
    (q) => statement(rawRelation(reads, table, projectId, q), { sql: "1 = 1", params: [] }),
    (part: RollupPart) => {
      const p = band === undefined ? part : { ...part, band };
      const name = `${table}${p.grain.endsWith("_day") ? "_day" : ""}`;
      return reads.rollup(name, projectId, p, (r) => statement(r, rollupFilter(projectId, {}, p)));
    },
    { days },
  );
}

const join = (relation: SqlFragment, where: SqlFragment, select: string, group: string): SqlFragment => ({
  sql: `SELECT ${select} FROM ${relation.sql} r WHERE ${where.sql} GROUP BY ${group}`,
  params: [...relation.params, ...where.params],
});

interface BandRow {
  category: string;
  band: string;
  ask_probability: number | string;
  mos_bin: number | string;
  lower_bound: number | string;
  upper_bound: number | string;
  threshold: number | string;
  score: number | string;
  n: number | string;
}
interface TagRow {
  category: string;
  tag: string;
  poor: number | string;
  band: string;
  ask_probability: number | string;
  n: number | string;
}
interface MixRow {
  day: number | string;
  band: string;
  ask_probability: number | string;
  n: number | string;
}

const BAND_COLUMNS = "category, band, ask_probability, mos_bin, lower_bound, upper_bound, threshold, score";
/**
 * Every category of `rollup_bands` (`*` counts surveys), named so the (project, category, slot) key
 * applies to a slot range: without it both engines read every slot of the project.
 */
const BAND_CATEGORIES = ["*", ...RATING_CATEGORIES.map((c) => c.key)];
const everyCategory = (where: SqlFragment): SqlFragment => ({
  sql: `${where.sql} AND category IN (${BAND_CATEGORIES.map(() => "?").join(", ")})`,
  params: [...where.params, ...BAND_CATEGORIES],
});

/** `n` surveys asked with probability `p`, `poor` of them poor, as a tally. */
function tallyOf(n: number, poor: number, p: number): WeightedTally {
  const w = 1 / p;
  return {
    surveys: n,
    weight: n * w,
    poorWeight: poor * w,
    weightSquared: n * w * w,
    poorWeightSquared: poor * w * w,
  };
}

/** A weighted tally that also counts its poor surveys unweighted. */
type CountedTally = WeightedTally & { poorSurveys: number };

/** A tally as an API rate entry. */
export function rateEntry(tally: CountedTally): RateEntry {
  const poor = tally.poorSurveys;
  if (tally.surveys === 0)
    return { surveys: 0, weightedSurveys: 0, poor, rate: null, ci95: null, effectiveSize: null };
  const r: WeightedRate = weightedPoorRate(tally);
  return {
    surveys: tally.surveys,
    weightedSurveys: tally.weight,
    poor,
    rate: r.rate,
    ci95: r.ci95,
    effectiveSize: r.effectiveSize,
  };
}

/** Tallies keyed by a string, counting unweighted poor surveys alongside. */
class Tallies {
  readonly map = new Map<string, CountedTally>();

  add(key: string, n: number, poor: number, p: number): void {
    const t = this.map.get(key) ?? { ...emptyTally(), poorSurveys: 0 };
    const merged = mergeTallies(t, tallyOf(n, poor, p));
    this.map.set(key, { ...merged, poorSurveys: t.poorSurveys + poor });
  }

  get(key: string): CountedTally {
    return this.map.get(key) ?? { ...emptyTally(), poorSurveys: 0 };
  }
}

/** Everything the call-quality view shows, for the surveys matching `query`. */
export async function callQuality(
  reads: AnalyticsReads,
  projectId: string,
  query: SurveyQuery,
): Promise<CallQualityAnalytics> {
  const [bandRows, tagRows, mixRows] = await Promise.all([
    rows<BandRow>(
      reads,
      projectId,
      query,
      "rollup_bands",
      (r, w) => join(r, everyCategory(w), `${BAND_COLUMNS}, sum(n) AS n`, BAND_COLUMNS),
      true,
    ),
    rows<TagRow>(
      reads,
      projectId,
      query,
      "rollup_band_tags",
      (r, w) =>
        join(
          r,
          w,
          "category, tag, poor, band, ask_probability, sum(n) AS n",
          "category, tag, poor, band, ask_probability",
        ),
      true,
    ),
    rows<MixRow>(
      reads,
      projectId,
      query,
      "rollup_bands",
      (r, w) =>
        join(
          r,
          { sql: `${w.sql} AND category = '*'`, params: w.params },
          `slot - slot % ${ROLLUP_DAY_MS} AS day, band, ask_probability, sum(n) AS n`,
          `slot - slot % ${ROLLUP_DAY_MS}, band, ask_probability`,
        ),
      true,
    ),
  ]);
  const { goodNetwork, ...bands } = foldBands(bandRows);
  const { tagsByBand, goodTags } = foldTags(tagRows);
  return { ...bands, goodNetwork: { ...goodNetwork, tags: goodTags }, tagsByBand, bandMix: foldMix(mixRows) };
}

function foldBands(rows: readonly BandRow[]) {
  const all = new Tallies();
  const rates = new Tallies();
  const mos = new Tallies();
  const mosScore = new Map<number, number>();
  const poorOverall = new Tallies(); // poor overall ratings with a band; "poor" = after a good network
  for (const row of rows) {
    const n = Number(row.n);
    const p = Number(row.ask_probability);
    const band = bandName(row.band);
    if (row.category === "*") {
      all.add(band, n, 0, p);
      continue;
    }
    const poor = Number(row.score) <= Number(row.threshold) ? n : 0;
    rates.add(`${row.category}\u0000${band}`, n, poor, p);
    if (band !== "none") rates.add(`${row.category}\u0000all`, n, poor, p);
    if (row.category !== "overall") continue;
    if (band !== "none" && poor > 0) poorOverall.add("x", poor, band === "good" ? poor : 0, p);
    const bin = Number(row.mos_bin);
    if (bin === 0) continue;
    mos.add(String(bin), n, poor, p);
    const normalized =
      (Number(row.score) - Number(row.lower_bound)) / (Number(row.upper_bound) - Number(row.lower_bound));
    mosScore.set(bin, (mosScore.get(bin) ?? 0) + (n / p) * normalized);
  }
  const bands = BAND_NAMES.map((band) => {
    const t = all.get(band);
    return { band, surveys: t.surveys, weightedSurveys: t.weight };
  });
  const poorRates: CallQualityAnalytics["poorRates"] = [];
  for (const { key: category } of RATING_CATEGORIES)
    for (const band of [...BAND_NAMES, "all"] as const) {
      const t = rates.get(`${category}\u0000${band}`);
      if (t.surveys > 0) poorRates.push({ category, band, ...rateEntry(t) });
    }
  const share = poorOverall.get("x");
  const goodPoor = rates.get("overall\u0000good");
  return {
    surveys: bands.reduce((a, b) => a + b.surveys, 0),
    weightedSurveys: bands.reduce((a, b) => a + b.weightedSurveys, 0),
    bands,
    poorRates,
    goodNetwork: {
      poor: goodPoor.poorSurveys,
      share: share.surveys > 0 ? { ...rateEntry(share), of: share.surveys } : null,
      poorRate: rateEntry(goodPoor),
    },
    mosVsScore: [...mos.map.keys()]
      .map(Number)
      .sort((a, b) => a - b)
      .map((bin) => {
        const t = mos.get(String(bin));
        return {
          mosFrom: bin / 2,
          mosTo: (bin + 1) / 2,
          ...rateEntry(t),
          meanNormalizedScore: t.weight > 0 ? (mosScore.get(bin) ?? 0) / t.weight : null,
        };
      }),
  };
}

function foldTags(rows: readonly TagRow[]) {
  const byBand = new Map<string, CallQualityAnalytics["tagsByBand"][number]>();
  const good = new Map<string, CallQualityAnalytics["goodNetwork"]["tags"][number]>();
  for (const row of rows) {
    const n = Number(row.n);
    const w = n / Number(row.ask_probability);
    const band = bandName(row.band);
    const category = row.category as RatingCategory;
    const key = `${category}\u0000${row.tag}\u0000${band}`;
    const entry = byBand.get(key) ?? {
      category,
      tag: row.tag,
      band,
      count: 0,
      poorCount: 0,
      weightedCount: 0,
    };
    entry.count += n;
    entry.weightedCount += w;
    if (Number(row.poor) === 1) entry.poorCount += n;
    byBand.set(key, entry);
    if (band === "good" && Number(row.poor) === 1) {
      const k = `${category}\u0000${row.tag}`;
      const g = good.get(k) ?? { category, tag: row.tag, count: 0, weightedCount: 0 };
      g.count += n;
      g.weightedCount += w;
      good.set(k, g);
    }
  }
  // Ties within rounding (the same sums added in another order) fall back to the names, so the order is
  // the same whatever path the rows took.
  const order = <T extends { weightedCount: number; category: string; tag: string; band?: string }>(
    a: T,
    b: T,
  ) =>
    (Math.abs(b.weightedCount - a.weightedCount) > 1e-9 * Math.max(1, a.weightedCount)
      ? b.weightedCount - a.weightedCount
      : 0) ||
    a.category.localeCompare(b.category) ||
    a.tag.localeCompare(b.tag) ||
    String(a.band).localeCompare(String(b.band));
  return { tagsByBand: [...byBand.values()].sort(order), goodTags: [...good.values()].sort(order) };
}

function foldMix(rows: readonly MixRow[]): CallQualityAnalytics["bandMix"] {
  const mix = new Map<string, CallQualityAnalytics["bandMix"][number]>();
  for (const row of rows) {
    const startMs = Number(row.day);
    const band = bandName(row.band);
    const key = `${startMs}\u0000${band}`;
    const entry = mix.get(key) ?? { startMs, band, surveys: 0, weightedSurveys: 0 };
    entry.surveys += Number(row.n);
    entry.weightedSurveys += Number(row.n) / Number(row.ask_probability);
    mix.set(key, entry);
  }
  return [...mix.values()].sort(
    (a, b) => a.startMs - b.startMs || BAND_NAMES.indexOf(a.band) - BAND_NAMES.indexOf(b.band),
  );
}
