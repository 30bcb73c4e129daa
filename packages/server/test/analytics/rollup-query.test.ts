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
import { RATING_CATEGORIES, type RatingCategory, type SurveySubmission } from "@aftercall/schema";
import { TIME_SLOT_MS } from "../../src/analytics/aggregates.js";
import { analyticsReads } from "../../src/analytics/analytics-reads.js";
import { dimensionKeys } from "../../src/analytics/dimension-rollup-query.js";
import { foldProject, rollupLag } from "../../src/analytics/rollup-folder.js";
import { breakdown, summarize } from "../../src/analytics/rollup-query.js";
import { rollupSplit } from "../../src/analytics/rollup-split.js";
import { commitSurveyGroups } from "../../src/ingest/commit.js";
import { MIGRATIONS } from "../../src/migrations.js";
import type { Database } from "../../src/store/database.js";
import { type MakeDatabase, onEveryEngine } from "../support/engines.js";
import {
  assertSame,
  generate,
  pending,
  random,
  randomQuery,
  SPAN,
  storeWithoutQuality,
  T0,
} from "../support/rollup-equality.js";
import { seedProjects } from "../support/seed.js";

/** Surveys of a project past its rollup watermark. */
const unfolded = async (db: Database, projectId: string) =>
  (await rollupLag(db)).find((l) => l.projectId === projectId)?.unfolded ?? 0;

const SEED = 20261123;

const ROLLUP_TABLES = [
  ...["", "_total", "_day", "_total_day"].flatMap((g) => [`rollup_ratings${g}`, `rollup_tags${g}`]),
  "rollup_dimensions",
  "rollup_dimensions_day",
  ...["", "_day"].flatMap((g) => [`rollup_bands${g}`, `rollup_band_tags${g}`]),
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
      // Those surveys predate the call-quality columns (migration 13): they are stored without them.
      for (const d of early) await storeWithoutQuality(db, pending("p", d));
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
