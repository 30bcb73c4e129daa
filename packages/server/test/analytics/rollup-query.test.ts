/**
 * Rollups answer exactly what raw rows answer, wherever the folder's watermark stands. On both engines,
 * a generated data set (mixed scales, tags, context values including missing and empty ones, times to
 * the millisecond, some on slot boundaries) is stored in three parts: before the rollups existed (filled
 * by migrations 4 and 5), by single commits and by batches with retries and a conflicting group (folded
 * after their commit by the folder). Then, for many generated filter combinations and ragged time ranges,
 * every analytics query is compared with raw rows — with nothing folded yet, with the watermark in the
 * middle of a batch, and with everything folded.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  RATING_CATEGORIES,
  type RatingCategory,
  type SurveySubmission,
  toSurveyRecord,
} from "@aftercall/schema";
import { type BreakdownBy, type RatingAggregate, TIME_SLOT_MS } from "../../src/analytics/aggregates.js";
import { analyticsReads } from "../../src/analytics/analytics-reads.js";
import { dimensionKeys } from "../../src/analytics/dimension-rollup-query.js";
import { foldProject, rollupLag } from "../../src/analytics/rollup-folder.js";
import { breakdown, summarize, tagCounts, timeSlots } from "../../src/analytics/rollup-query.js";
import { rollupSplit } from "../../src/analytics/rollup-split.js";
import { commitSurveyGroups } from "../../src/ingest/commit.js";
import { submissionHash } from "../../src/ingest/content-hash.js";
import type { PendingSurvey } from "../../src/ingest/pending-survey.js";
import { MIGRATIONS } from "../../src/migrations.js";
import type { Database } from "../../src/store/database.js";
import type { SurveyQuery } from "../../src/surveys/survey-query.js";
import { type MakeDatabase, onEveryEngine } from "../support/engines.js";
import { seedProjects } from "../support/seed.js";

/** Surveys of a project past its rollup watermark. */
const unfolded = async (db: Database, projectId: string) =>
  (await rollupLag(db)).find((l) => l.projectId === projectId)?.unfolded ?? 0;

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = 20261123;
const T0 = Date.parse("2026-03-28T00:00:00.000Z");
const SPAN = 3 * 24 * 3600_000;
const SCALES = [
  undefined,
  { lowerBound: 0, upperBound: 10, lowScoreThreshold: 6 },
  { lowerBound: 0, upperBound: 1, lowScoreThreshold: 0 },
];
const VERSIONS = [undefined, "", "1.0", "1.1", "2.0"];
const PLATFORMS = [undefined, "web", "ios", "android"];
const BROWSERS = [undefined, "chrome", "firefox"];
const SDKS = [undefined, "0.1.0", "0.2.0"];

function generate(rand: () => number, n: number): Array<{ sub: SurveySubmission; at: number }> {
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
    // Every tenth survey exactly on a slot boundary, the others anywhere (to the millisecond).
    const at =
      i % 10 === 0
        ? T0 + Math.floor(rand() * (SPAN / TIME_SLOT_MS)) * TIME_SLOT_MS
        : T0 + Math.floor(rand() * SPAN);
    out.push({ sub, at });
  }
  return out;
}

const pending = (projectId: string, { sub, at }: { sub: SurveySubmission; at: number }): PendingSurvey => ({
  record: toSurveyRecord(sub, { projectId, receivedAt: new Date(at) }),
  contentHash: submissionHash(sub),
});

/** A random time bound: none, on a slot boundary, or anywhere. */
function bound(rand: () => number): number | undefined {
  const r = rand();
  if (r < 0.2) return undefined;
  const at = T0 - 3600_000 + Math.floor(rand() * (SPAN + 2 * 3600_000));
  return r < 0.45 ? at - (at % TIME_SLOT_MS) : at;
}

function randomQuery(rand: () => number): SurveyQuery {
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
  // Now and then a filter only raw rows can answer.
  const r = rand();
  if (r < 0.05) query.q = "echo";
  else if (r < 0.1) query.poor = ["audio"];
  else if (r < 0.15) query.tag = { category: "video", tag: "Freezes" };
  else if (r < 0.2) query.callId = "call-3";
  return query;
}

const near = (a: number, b: number) => Math.abs(a - b) < 1e-9;

function assertAggregate(actual: RatingAggregate, expected: RatingAggregate, where: string): void {
  assert.deepEqual([actual.surveys, actual.poor], [expected.surveys, expected.poor], where);
  assert.ok(near(actual.normalizedScoreSum, expected.normalizedScoreSum), where);
}

async function assertSame(
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

const ROLLUP_TABLES = [
  ...["", "_total", "_day", "_total_day"].flatMap((g) => [`rollup_ratings${g}`, `rollup_tags${g}`]),
  "rollup_dimensions",
  "rollup_dimensions_day",
];

function rollupContract(name: string, makeDatabase: MakeDatabase): void {
  describe(`${name}: rollups equal raw rows`, () => {
    let db: Database;
    let raw: Database;
    let cleanup: () => Promise<void>;
    let exec: (statements: readonly string[]) => Promise<void>;
    const rand = random(SEED);
    const data = generate(rand, 900);
    const [early, single, batched] = [data.slice(0, 300), data.slice(300, 400), data.slice(400)];

    before(async () => {
      // Part 1 is stored before the rollups existed (migration 3), then migrations 4 to 6 fill them.
      ({ db, cleanup, exec } = await makeDatabase({ upTo: 3 }));
      await seedProjects(db, ["p", "q"]);
      assert.ok(
        (await commitSurveyGroups(db, [early.map((d) => pending("p", d))])).every(
          (o) => o.status === "committed",
        ),
      );
      await db.migrate(MIGRATIONS);
      // Part 2 one at a time; part 3 in batches of up to 40, with idempotent retries of stored surveys.
      for (const d of single) await commitSurveyGroups(db, [[pending("p", d)]]);
      for (let i = 0; i < batched.length; i += 40) {
        const batch = batched.slice(i, i + 40).map((d) => pending("p", d));
        const retries = data.slice(i / 4, i / 4 + 5).map((d) => pending("p", d));
        const outcomes = await commitSurveyGroups(db, [batch, retries]);
        assert.ok(outcomes.every((o) => o.status === "committed"));
      }
      // A conflicting group writes nothing, rollups included.
      const stored = data[0] as { sub: SurveySubmission; at: number };
      const conflict = { ...stored, sub: { ...stored.sub, callId: "changed" } };
      const fresh = generate(random(1), 3).map((d) => pending("p", d));
      const [outcome] = await commitSurveyGroups(db, [[...fresh, pending("p", conflict)]]);
      assert.equal(outcome?.status, "conflict");
      // Another project's surveys never leak into p.
      await commitSurveyGroups(db, [generate(random(2), 50).map((d) => pending("q", d))]);
      raw = db;
    });
    after(() => cleanup());

    it("stores every survey once (900 in p, 50 in q)", async () => {
      assert.equal((await summarize(analyticsReads(raw, "raw"), "p", {})).surveys, 900);
      assert.equal((await summarize(analyticsReads(db, "auto"), "p", {})).surveys, 900);
      assert.equal((await summarize(analyticsReads(db, "auto"), "q", {})).surveys, 50);
    });

    const categories = RATING_CATEGORIES.map((c) => c.key);
    const compare = async (queries: number) => {
      for (let i = 0; i < queries; i++) {
        const query = randomQuery(rand);
        await assertSame(db, raw, "p", query, categories[i % categories.length] as RatingCategory);
      }
    };

    it("answers generated queries identically with nothing folded since the migration", async () => {
      assert.equal(await unfolded(db, "p"), 600, "the surveys committed after migration 6 are unfolded");
      await compare(40);
    });

    it("answers them identically with the watermark in the middle of a batch", async () => {
      // Odd batch sizes put the watermark between the surveys of one commit.
      for (const batchSize of [37, 101, 1]) await foldProject(db, "p", { batchSize });
      const left = await unfolded(db, "p");
      assert.ok(left > 0 && left < 600, `partly folded: ${left} unfolded`);
      await compare(40);
    });

    it("answers 150 generated queries identically once everything is folded", async () => {
      while ((await foldProject(db, "p", { batchSize: 250 })).folded > 0);
      await foldProject(db, "q");
      assert.equal(await unfolded(db, "p"), 0);
      await compare(150);
    });

    it("folds each survey once: folding again changes nothing", async () => {
      const before = await summarize(analyticsReads(db, "auto"), "p", {});
      assert.deepEqual(await foldProject(db, "p"), { folded: 0, busy: false });
      assert.deepEqual(await summarize(analyticsReads(db, "auto"), "p", {}), before);
    });

    it("really reads the rollups: emptied, they answer nothing while raw rows still do", async () => {
      await exec(ROLLUP_TABLES.map((t) => `DELETE FROM ${t}`));
      const aligned = { fromMs: T0, toMs: T0 + SPAN };
      assert.equal((await summarize(analyticsReads(db, "auto"), "p", aligned)).surveys, 0);
      assert.deepEqual(
        await breakdown(analyticsReads(db, "auto"), "p", aligned, "audio", "dimension:team"),
        [],
      );
      // A range ending just after the last survey: its last slot holds nothing later, so that ragged edge
      // is answered by the slot's rollup rows too (now empty), not by raw rows.
      const last = Math.max(...data.map((d) => d.at));
      assert.equal(
        (await summarize(analyticsReads(db, "auto"), "p", { fromMs: T0, toMs: last + 1 })).surveys,
        0,
      );
      const recent = { fromMs: T0, toMs: last + 1 };
      assert.deepEqual(await dimensionKeys(analyticsReads(db, "auto"), "p", recent), []);
      assert.deepEqual(
        await breakdown(analyticsReads(db, "auto"), "p", recent, "overall", "dimension:team"),
        [],
      );
      assert.ok(
        (
          await summarize(analyticsReads(raw, "raw"), "p", {
            fromMs: last - (last % TIME_SLOT_MS),
            toMs: last + 1,
          })
        ).surveys >= 1,
      );
      const red = { ...aligned, dimensions: { team: "red" } };
      assert.equal((await summarize(analyticsReads(db, "auto"), "p", red)).surveys, 0);
      assert.ok((await summarize(analyticsReads(raw, "raw"), "p", red)).surveys > 50);
      assert.ok(
        (await breakdown(analyticsReads(raw, "raw"), "p", aligned, "audio", "dimension:team")).length >= 5,
      );
      assert.ok((await summarize(analyticsReads(raw, "raw"), "p", aligned)).surveys > 800);
      // A raw-only filter still answers from raw rows.
      const echo = { ...aligned, q: "echo" };
      assert.equal(
        (await summarize(analyticsReads(db, "auto"), "p", echo)).surveys,
        (await summarize(analyticsReads(raw, "raw"), "p", echo)).surveys,
      );
    });
  });
}

onEveryEngine("rollup", rollupContract);

describe("rollupSplit", () => {
  const S = TIME_SLOT_MS;
  const D = 86_400_000;
  it("uses whole slots from the rollup and raw rows for the ragged edges", () => {
    assert.deepEqual(rollupSplit({ fromMs: 10 * S, toMs: 20 * S }), {
      parts: [{ grain: "_total", fromSlot: 10 * S, toSlot: 20 * S }],
      edges: [],
      slot: { grain: "_total" },
    });
    assert.deepEqual(rollupSplit({ fromMs: 10 * S + 1, toMs: 20 * S + 5, platform: "web" }), {
      parts: [{ grain: "", fromSlot: 11 * S, toSlot: 20 * S }],
      edges: [
        { fromMs: 10 * S + 1, toMs: 11 * S, platform: "web" },
        { fromMs: 20 * S, toMs: 20 * S + 5, platform: "web" },
      ],
      slot: { grain: "" },
    });
    assert.deepEqual(rollupSplit({}), { parts: [{ grain: "_total" }], edges: [], slot: { grain: "_total" } });
    assert.deepEqual(rollupSplit({}, { byContext: true, days: true }), {
      parts: [{ grain: "_day" }],
      edges: [],
      slot: { grain: "" },
    });
  });

  it("uses whole days from the day rollups, slots for the partial days, raw rows for the edges", () => {
    const from = 3 * D - 2 * S - 7;
    const to = 10 * D + 5 * S + 9;
    assert.deepEqual(rollupSplit({ fromMs: from, toMs: to }, { days: true }), {
      parts: [
        { grain: "_total_day", fromSlot: 3 * D, toSlot: 10 * D },
        { grain: "_total", fromSlot: 3 * D - 2 * S, toSlot: 3 * D },
        { grain: "_total", fromSlot: 10 * D, toSlot: 10 * D + 5 * S },
      ],
      edges: [
        { fromMs: from, toMs: 3 * D - 2 * S },
        { fromMs: 10 * D + 5 * S, toMs: to },
      ],
      slot: { grain: "_total" },
    });
    // Less than a whole day: slots only. Time series (days: false): slots only.
    assert.deepEqual(rollupSplit({ fromMs: 3 * D + S, toMs: 3 * D + 9 * S }, { days: true })?.parts, [
      { grain: "_total", fromSlot: 3 * D + S, toSlot: 3 * D + 9 * S },
    ]);
    assert.deepEqual(rollupSplit({ fromMs: 3 * D, toMs: 5 * D })?.parts, [
      { grain: "_total", fromSlot: 3 * D, toSlot: 5 * D },
    ]);
  });

  it("answers a filter on one custom dimension from the dimension rollups, and only then", () => {
    const red = { fromMs: 3 * D, toMs: 5 * D, dimensions: { team: "red" } };
    assert.deepEqual(rollupSplit(red, { days: true, dimensionFilter: true })?.parts, [
      { grain: "_total_day", fromSlot: 3 * D, toSlot: 5 * D, dimension: { key: "team", value: "red" } },
    ]);
    assert.equal(rollupSplit(red, { days: true }), undefined, "tags have no dimension rollup");
    for (const query of [
      { ...red, platform: "web" },
      { ...red, dimensions: { team: "red", region: "eu" } },
    ])
      assert.equal(
        rollupSplit(query, { days: true, dimensionFilter: true }),
        undefined,
        JSON.stringify(query),
      );
  });

  it("leaves queries the rollup cannot answer, and ranges within one slot, to raw rows", () => {
    for (const query of [
      { q: "x" },
      { callId: "c" },
      { participantId: "p" },
      { poor: ["audio" as const] },
      { tag: { category: "audio" as const, tag: "Echo" } },
      { fromMs: 10 * S + 1, toMs: 11 * S - 1 },
    ])
      assert.equal(rollupSplit(query, { days: true }), undefined, JSON.stringify(query));
  });
});
