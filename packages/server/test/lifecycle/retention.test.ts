/**
 * Retention deletes surveys and lifecycle events older than a project's policy and clears older free
 * text, in small batches, with the rollups equal to raw rows before, during and after a sweep, on both
 * engines; a sweep killed midway leaves whole batches only, and the next sweep finishes; a server's
 * sweeper, sizing its batches by time, sweeps everything.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type DataPolicy, DEFAULT_DATA_POLICY } from "@aftercall/api";
import type { RatingCategory } from "@aftercall/schema";
import { foldProject } from "../../src/analytics/rollup-folder.js";
import { RetentionSweeper, sweepBatch } from "../../src/lifecycle/retention.js";
import { updateDataPolicy } from "../../src/projects/project-store.js";
import type { Database } from "../../src/store/database.js";
import { onEveryEngine } from "../support/engines.js";
import { countRows, dieMidway, seedLifecycleData } from "../support/lifecycle-data.js";
import { assertSame, random, randomQuery, T0 } from "../support/rollup-equality.js";
import { seedProjects } from "../support/seed.js";

const DAY = 86_400_000;
// The data spans three days from T0; one day of retention at T0 + 2.5 days keeps the last 1.5 days.
const NOW = T0 + 2.5 * DAY;
const CUTOFF = NOW - DAY;

const policy = (retention: Partial<DataPolicy["retention"]>): DataPolicy => ({
  ...DEFAULT_DATA_POLICY,
  retention: { ...DEFAULT_DATA_POLICY.retention, ...retention },
});

async function assertRollupsExact(db: Database): Promise<void> {
  const rand = random(11);
  for (let i = 0; i < 10; i++) {
    const query = randomQuery(rand);
    for (const category of ["overall", "video"] as RatingCategory[])
      await assertSame(db, db, "p", query, category);
  }
}

/** Sweep until a batch touches nothing; returns the number of batches. */
async function sweepAll(db: Database, dataPolicy: DataPolicy, batchSize: number): Promise<number> {
  let batches = 0;
  for (;;) {
    const batch = await sweepBatch(db, { id: "p", dataPolicy }, NOW, { batchSize });
    if (batch.surveys + batch.freeTexts + batch.events === 0) return batches;
    batches++;
  }
}

const olderThan = async (db: Database, table: "surveys" | "survey_events", beforeMs: number) =>
  Number(
    (
      await db.all<{ n: number }>(
        `SELECT count(*) AS n FROM ${table} WHERE project_id = 'p' AND received_at < ?`,
        [beforeMs],
      )
    )[0]?.n,
  );

onEveryEngine("retention", (engine, makeDatabase) => {
  describe(`${engine}: retention`, () => {
    it("deletes expired surveys batch by batch, the rollups equal to raw rows throughout", async () => {
      const { db, cleanup } = await makeDatabase();
      try {
        await seedProjects(db, ["p"]);
        await seedLifecycleData(db, "p", 500);
        await foldProject(db, "p", { batchSize: 300 });
        const kept = (await countRows(db, "surveys", "p")) - (await olderThan(db, "surveys", CUTOFF));
        assert.ok(kept > 50 && kept < 450);
        await assertRollupsExact(db);
        const dataPolicy = policy({ surveysDays: 1 });
        // Halfway: a few batches, then check.
        for (let i = 0; i < 3; i++) await sweepBatch(db, { id: "p", dataPolicy }, NOW, { batchSize: 37 });
        await assertRollupsExact(db);
        assert.ok((await sweepAll(db, dataPolicy, 37)) > 0);
        assert.equal(await olderThan(db, "surveys", CUTOFF), 0);
        assert.equal(await countRows(db, "surveys", "p"), kept);
        await assertRollupsExact(db);
        while ((await foldProject(db, "p")).folded > 0);
        await assertRollupsExact(db);
      } finally {
        await cleanup();
      }
    });

    it("clears older free text and keeps the ratings, across groups that share a receive time", async () => {
      const { db, cleanup } = await makeDatabase();
      try {
        await seedProjects(db, ["p"]);
        await seedLifecycleData(db, "p", 400);
        const texts = async (op: "<" | ">=") =>
          Number(
            (
              await db.all<{ n: number }>(
                `SELECT count(*) AS n FROM surveys WHERE project_id = 'p' AND received_at ${op} ? AND (overall_suggestion IS NOT NULL OR audio_suggestion IS NOT NULL OR video_suggestion IS NOT NULL OR screenshare_suggestion IS NOT NULL)`,
                [CUTOFF],
              )
            )[0]?.n,
          );
        const [older, newer] = [await texts("<"), await texts(">=")];
        assert.ok(older > 0 && newer > 0);
        const surveys = await countRows(db, "surveys", "p");
        // Batches of 7 cut through the groups of 40 surveys received at the same millisecond.
        await sweepAll(db, policy({ freeTextDays: 1 }), 7);
        assert.deepEqual([await texts("<"), await texts(">=")], [0, newer]);
        assert.equal(await countRows(db, "surveys", "p"), surveys);
        await assertRollupsExact(db);
        // Nothing left to clear: the sweeper's place is kept, so a new pass reads nothing.
        assert.equal(await sweepAll(db, policy({ freeTextDays: 1 }), 7), 0);
      } finally {
        await cleanup();
      }
    });

    it("deletes expired lifecycle events and leaves the surveys", async () => {
      const { db, cleanup } = await makeDatabase();
      try {
        await seedProjects(db, ["p"]);
        await seedLifecycleData(db, "p", 300);
        const [events, surveys] = [
          await countRows(db, "survey_events", "p"),
          await countRows(db, "surveys", "p"),
        ];
        const expired = await olderThan(db, "survey_events", CUTOFF);
        await sweepAll(db, policy({ eventsDays: 1 }), 50);
        assert.equal(await countRows(db, "survey_events", "p"), events - expired);
        assert.equal(await countRows(db, "surveys", "p"), surveys);
      } finally {
        await cleanup();
      }
    });

    it("a server's sweeper, sizing batches by time, deletes everything expired, the rollups exact", async () => {
      const { db, cleanup } = await makeDatabase();
      try {
        await seedProjects(db, ["p"]);
        await seedLifecycleData(db, "p", 300);
        await foldProject(db, "p", { batchSize: 1_000 });
        const expired = await olderThan(db, "surveys", CUTOFF);
        assert.ok(expired > 50, "the seed has expired surveys to sweep");
        await updateDataPolicy(db, "p", policy({ surveysDays: 1 }));
        // A target no batch can meet: every batch shrinks the next, down to the smallest size.
        await new RetentionSweeper(db, { now: () => NOW, batchTargetMs: 0.001 }).pass();
        assert.equal(await olderThan(db, "surveys", CUTOFF), 0);
        assert.equal(await countRows(db, "surveys", "p"), 300 - expired);
        await assertRollupsExact(db);
      } finally {
        await cleanup();
      }
    });

    it("killed midway leaves whole batches only; the next sweep finishes", async () => {
      const { db, location, cleanup } = await makeDatabase();
      try {
        await seedProjects(db, ["p"]);
        await seedLifecycleData(db, "p", 300);
        await foldProject(db, "p", { batchSize: 120 });
        await updateDataPolicy(db, "p", policy({ surveysDays: 1 }));
        const where = location.engine === "sqlite" ? location.dataDir : location.url;
        const before = await countRows(db, "surveys", "p");
        for (const killAfter of [2, 6, 15]) {
          await dieMidway(where, "sweep", killAfter, NOW);
          assert.equal(
            await countRows(db, "surveys", "p"),
            before,
            `killed after ${killAfter}: nothing half done`,
          );
          await assertRollupsExact(db);
        }
        await sweepAll(db, policy({ surveysDays: 1 }), 50);
        assert.equal(await olderThan(db, "surveys", CUTOFF), 0);
        await assertRollupsExact(db);
      } finally {
        await cleanup();
      }
    });
  });
});
