/**
 * Rollups answer exactly what raw rows answer: a seeded generator of varied surveys and of analytics
 * queries, and {@link assertSame}, which compares every analytics query answered from the rollups (plus
 * the unfolded tail) with the same query over raw rows. Used by the rollup tests and by every change
 * that writes rollups another way (retention, erasure).
 */
import assert from "node:assert/strict";
import { RATING_CATEGORIES, type RatingCategory, type SurveySubmission } from "@aftercall/schema";
import { type BreakdownBy, type RatingAggregate, TIME_SLOT_MS } from "../../src/analytics/aggregates.js";
import { analyticsReads } from "../../src/analytics/analytics-reads.js";
import { callQuality } from "../../src/analytics/call-quality.js";
import { dimensionKeys } from "../../src/analytics/dimension-rollup-query.js";
import { breakdown, summarize, tagCounts, timeSlots } from "../../src/analytics/rollup-query.js";
import { drawCondition, syntheticCallQuality } from "../../src/demo/call-quality.js";
import { type PendingSurvey, toPendingSurvey } from "../../src/ingest/pending-survey.js";
import type { Database } from "../../src/store/database.js";
import type { SurveyQuery } from "../../src/surveys/survey-query.js";
import { QUALITY_COLUMNS, SURVEY_COLUMNS, surveyToRow } from "../../src/surveys/survey-row.js";

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
export function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const T0 = Date.parse("2026-03-28T00:00:00.000Z");
export const SPAN = 3 * 24 * 3600_000;
const SCALES = [
  undefined,
  { lowerBound: 0, upperBound: 10, lowScoreThreshold: 6 },
  { lowerBound: 0, upperBound: 1, lowScoreThreshold: 0 },
];
const VERSIONS = [undefined, "", "1.0", "1.1", "2.0"];
const PLATFORMS = [undefined, "web", "ios", "android"];
const BROWSERS = [undefined, "chrome", "firefox"];
const SDKS = [undefined, "0.1.0", "0.2.0"];
const ASK_PROBABILITIES = [undefined, undefined, 1, 0.5, 0.1, 0.25];

export function generate(rand: () => number, n: number): Array<{ sub: SurveySubmission; at: number }> {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  const out: Array<{ sub: SurveySubmission; at: number }> = [];
  for (let i = 0; i < n; i++) {
    const sub: SurveySubmission = {
      id: crypto.randomUUID(),
      callId: `call-${i % 37}`,
      participantId: `participant-${i % 11}`,
      clientTime: "2026-03-28T00:00:00.000Z",
    };
    for (const { key, field, issues } of RATING_CATEGORIES) {
      if (rand() < (key === "overall" ? 0.15 : 0.5)) continue;
      const scale = pick(SCALES);
      const lower = scale?.lowerBound ?? 1;
      const upper = scale?.upperBound ?? 5;
      const tags = issues.filter(() => rand() < 0.15);
      (sub as unknown as Record<string, unknown>)[field] = {
        score: lower + Math.floor(rand() * (upper - lower + 1)),
        ...(scale ? { scale } : {}),
        ...(tags.length > 0 ? { issues: tags } : {}),
        ...(rand() < 0.2 ? { improvementSuggestion: pick(["Echo!", "laggy", "Zu LEISE"]) } : {}),
      };
    }
    const context = {
      appVersion: pick(VERSIONS),
      platform: pick(PLATFORMS),
      browser: pick(BROWSERS),
      sdkVersion: pick(SDKS),
    };
    for (const [k, v] of Object.entries(context))
      if (v !== undefined) (sub as unknown as Record<string, unknown>)[k] = v;
    // Dimensions: none, one key or two, with values that need JSON escaping.
    const dimensions: Record<string, string> = {};
    if (rand() < 0.4) dimensions.team = pick(["red", "blue", 'say "hi"', "Zoë"]);
    if (rand() < 0.3) dimensions.region = pick(["eu", "us"]);
    if (Object.keys(dimensions).length > 0) sub.dimensions = dimensions;
    // Call quality: most surveys measured (bands from the demo profiles; some with no metric at all, so
    // without a band), asked with one of a few probabilities as sampling by band does.
    const q = rand();
    if (q < 0.6)
      sub.callQuality = syntheticCallQuality(rand, drawCondition(rand, { good: 1, fair: 1, poor: 1 }));
    else if (q < 0.7) sub.callQuality = { durationSeconds: 30 };
    const p = pick(ASK_PROBABILITIES);
    if (p !== undefined) sub.askProbability = p;
    // Every tenth survey exactly on a slot boundary, the others anywhere (to the millisecond).
    const at =
      i % 10 === 0
        ? T0 + Math.floor(rand() * (SPAN / TIME_SLOT_MS)) * TIME_SLOT_MS
        : T0 + Math.floor(rand() * SPAN);
    out.push({ sub, at });
  }
  return out;
}

export const pending = (
  projectId: string,
  { sub, at }: { sub: SurveySubmission; at: number },
): PendingSurvey => toPendingSurvey(sub, { projectId, receivedAt: new Date(at) });

/**
 * Store a survey as a server before migration 13 did: the columns of that time only (no call quality),
 * the outbox entry by the trigger of that time.
 */
export async function storeWithoutQuality(db: Database, survey: PendingSurvey): Promise<void> {
  const row = surveyToRow(survey.record, survey.contentHash);
  // Neither the call-quality columns (13) nor the dimensions the caps let the rollups count (17).
  const later = [...QUALITY_COLUMNS, "rollup_dimensions"];
  const columns = SURVEY_COLUMNS.filter((c) => !later.includes(c));
  await db.run(
    `INSERT INTO surveys (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
    columns.map((c) => row[c] ?? null),
  );
}

/** A random time bound: none, on a slot boundary, or anywhere. */
function bound(rand: () => number): number | undefined {
  const r = rand();
  if (r < 0.2) return undefined;
  const at = T0 - 3600_000 + Math.floor(rand() * (SPAN + 2 * 3600_000));
  return r < 0.45 ? at - (at % TIME_SLOT_MS) : at;
}

export function randomQuery(rand: () => number): SurveyQuery {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  const query: SurveyQuery = {};
  let from = bound(rand);
  let to = bound(rand);
  if (from !== undefined && to !== undefined && from > to) [from, to] = [to, from];
  if (rand() < 0.1 && from !== undefined) to = from + Math.floor(rand() * TIME_SLOT_MS); // within a slot
  if (from !== undefined) query.fromMs = from;
  if (to !== undefined) query.toMs = to;
  const context = {
    appVersion: pick(VERSIONS),
    platform: pick(PLATFORMS),
    browser: pick(BROWSERS),
    sdkVersion: pick(SDKS),
  };
  for (const [k, v] of Object.entries(context))
    if (v !== undefined && rand() < 0.4) (query as Record<string, unknown>)[k] = v;
  // Custom dimension filters: one key (the dimension rollups answer when no context field is filtered),
  // sometimes two (raw rows), including a value nobody has.
  if (rand() < 0.35) query.dimensions = { team: pick(["red", "blue", 'say "hi"', "Zoë", "green"]) };
  if (rand() < 0.1) query.dimensions = { ...query.dimensions, region: pick(["eu", "us"]) };
  // A network band (the band rollups answer when no context field or dimension is filtered).
  if (rand() < 0.3) query.networkBand = pick(["good", "fair", "poor", "none"] as const);
  // Now and then a filter only raw rows can answer.
  const r = rand();
  if (r < 0.05) query.q = "echo";
  else if (r < 0.1) query.poor = ["audio"];
  else if (r < 0.15) query.tag = { category: "video", tag: "Freezes" };
  else if (r < 0.2) query.callId = "call-3";
  return query;
}

const near = (a: number, b: number) => Math.abs(a - b) < 1e-9;

/** Deep equality, numbers equal to 1e-9 relative (weighted sums add in another order). */
export function assertClose(actual: unknown, expected: unknown, where: string): void {
  if (typeof expected === "number" && typeof actual === "number") {
    assert.ok(
      Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)),
      `${where}: ${actual} ≠ ${expected}`,
    );
    return;
  }
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), where);
    assert.equal(actual.length, expected.length, `${where} length`);
    for (const [i, e] of expected.entries()) assertClose(actual[i], e, `${where}[${i}]`);
    return;
  }
  if (expected !== null && typeof expected === "object") {
    assert.ok(actual !== null && typeof actual === "object", where);
    assert.deepEqual(Object.keys(actual as object).sort(), Object.keys(expected).sort(), where);
    for (const [k, v] of Object.entries(expected))
      assertClose((actual as Record<string, unknown>)[k], v, `${where}.${k}`);
    return;
  }
  assert.equal(actual, expected, where);
}

function assertAggregate(actual: RatingAggregate, expected: RatingAggregate, where: string): void {
  assert.deepEqual([actual.surveys, actual.poor], [expected.surveys, expected.poor], where);
  assert.ok(near(actual.normalizedScoreSum, expected.normalizedScoreSum), where);
}

export async function assertSame(
  rolled: Database,
  raw: Database,
  projectId: string,
  query: SurveyQuery,
  category: RatingCategory,
): Promise<void> {
  const where = JSON.stringify(query);
  const [a, b] = [
    await summarize(analyticsReads(rolled, "auto"), projectId, query),
    await summarize(analyticsReads(raw, "raw"), projectId, query),
  ];
  assert.equal(a.surveys, b.surveys, where);
  for (const [i, c] of b.categories.entries()) {
    const d = a.categories[i];
    assert.ok(d);
    assert.deepEqual([d.category, d.distribution], [c.category, c.distribution], where);
    assertAggregate(d, c, `${where} ${c.category}`);
  }
  const tagKey = (t: { category: string; tag: string }) => `${t.category}/${t.tag}`;
  const sortTags = <T extends { category: string; tag: string }>(list: T[]) =>
    [...list].sort((x, y) => tagKey(x).localeCompare(tagKey(y)));
  assert.deepEqual(
    sortTags(await tagCounts(analyticsReads(rolled, "auto"), projectId, query)),
    sortTags(await tagCounts(analyticsReads(raw, "raw"), projectId, query)),
    where,
  );
  const [sa, sb] = [
    await timeSlots(analyticsReads(rolled, "auto"), projectId, query, category),
    await timeSlots(analyticsReads(raw, "raw"), projectId, query, category),
  ];
  assert.deepEqual(
    sa.map((s) => s.startMs),
    sb.map((s) => s.startMs),
    where,
  );
  for (const [i, s] of sb.entries())
    assertAggregate(sa[i] as RatingAggregate, s, `${where} slot ${s.startMs}`);
  assertClose(
    await callQuality(analyticsReads(rolled, "auto"), projectId, query),
    await callQuality(analyticsReads(raw, "raw"), projectId, query),
    `${where} call quality`,
  );
  const keys = async (s: Database) =>
    (await dimensionKeys(analyticsReads(s, "auto"), projectId, query)).sort((x, y) =>
      x.key.localeCompare(y.key),
    );
  assert.deepEqual(await keys(rolled), await keys(raw), `${where} dimension keys`);
  for (const by of [
    "appVersion",
    "platform",
    "browser",
    "sdkVersion",
    "dimension:team",
    "dimension:region",
    "dimension:none",
  ] as BreakdownBy[]) {
    const order = (x: { value: string | null }, y: { value: string | null }) =>
      String(x.value).localeCompare(String(y.value));
    const ba = (await breakdown(analyticsReads(rolled, "auto"), projectId, query, category, by)).sort(order);
    const bb = (await breakdown(analyticsReads(raw, "raw"), projectId, query, category, by)).sort(order);
    assert.deepEqual(
      ba.map((r) => r.value),
      bb.map((r) => r.value),
      `${where} by ${by}`,
    );
    for (const [i, r] of bb.entries())
      assertAggregate(ba[i] as RatingAggregate, r, `${where} by ${by} ${r.value}`);
  }
}
