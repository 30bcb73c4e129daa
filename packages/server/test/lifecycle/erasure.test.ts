/**
 * Erasure deletes one participant's or one call's surveys and events, corrects the rollups exactly and
 * leaves a receipt and a tombstone — on both engines, whatever the folder's watermark, when repeated,
 * while the same participant keeps submitting, and when killed midway.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RatingCategory } from "@aftercall/schema";
import { foldProject } from "../../src/analytics/rollup-folder.js";
import { commitSurveyGroups } from "../../src/ingest/commit.js";
import { erase, erasedIds, getErasure, listErasures, selectorHash } from "../../src/lifecycle/erasure.js";
import type { Database } from "../../src/store/database.js";
import { onEveryEngine } from "../support/engines.js";
import { countRows, dieMidway, seedLifecycleData } from "../support/lifecycle-data.js";
import { assertSame, generate, pending, random, randomQuery, T0 } from "../support/rollup-equality.js";
import { seedProjects } from "../support/seed.js";

const NOW = T0 + 5 * 86_400_000;
const CATEGORIES: RatingCategory[] = ["overall", "audio"];

/** Rollups and raw rows agree on a fixed sample of generated queries. */
async function assertRollupsExact(db: Database, projectId = "p"): Promise<void> {
  const rand = random(99);
  for (let i = 0; i < 12; i++) {
    const query = randomQuery(rand);
    for (const category of CATEGORIES) await assertSame(db, db, projectId, query, category);
  }
}

const byParticipant = (value: string, id?: string) => ({
  projectId: "p",
  selector: "participantId" as const,
  value,
  requestedBy: "key-1",
  nowMs: NOW,
  ...(id ? { id } : {}),
});

onEveryEngine("erasure", (engine, makeDatabase) => {
  describe(`${engine}: erasure`, () => {
    it("deletes a participant's surveys and events, with the rollups equal to raw rows at any watermark", async () => {
      const { db, cleanup } = await makeDatabase();
      try {
        await seedProjects(db, ["p", "q"]);
        await seedLifecycleData(db, "p");
        await seedLifecycleData(db, "q", 100);
        // Part folded, part not, the watermark in the middle of a batch of the participant's surveys.
        await foldProject(db, "p", { batchSize: 250 });
        const surveys = await countRows(db, "surveys", "p", ["participant_id", "participant-3"]);
        const events = await countRows(db, "survey_events", "p", ["participant_id", "participant-3"]);
        const others = (await countRows(db, "surveys", "p")) - surveys;
        assert.ok(surveys > 40 && events > 40);

        const { receipt, created } = await erase(db, byParticipant("participant-3"));
        assert.equal(created, true);
        assert.deepEqual(
          { surveys: receipt.surveys, events: receipt.events, selector: receipt.selector },
          { surveys, events, selector: "participantId" },
        );
        assert.equal(receipt.selectorHash, selectorHash("participantId", "participant-3"));
        assert.equal(await countRows(db, "surveys", "p", ["participant_id", "participant-3"]), 0);
        assert.equal(await countRows(db, "survey_events", "p", ["participant_id", "participant-3"]), 0);
        assert.equal(await countRows(db, "surveys", "p"), others);
        assert.equal(await countRows(db, "surveys", "q"), 100, "another project is untouched");
        await assertRollupsExact(db);
        // The folder goes on past the erased surveys' (deleted) outbox entries; still exact.
        while ((await foldProject(db, "p")).folded > 0);
        await assertRollupsExact(db);
        await assertRollupsExact(db, "q");
      } finally {
        await cleanup();
      }
    });

    it("deletes a call's surveys and events", async () => {
      const { db, cleanup } = await makeDatabase();
      try {
        await seedProjects(db, ["p"]);
        await seedLifecycleData(db, "p", 200);
        while ((await foldProject(db, "p")).folded > 0);
        const surveys = await countRows(db, "surveys", "p", ["call_id", "call-5"]);
        const { receipt } = await erase(db, { ...byParticipant("call-5"), selector: "callId" });
        assert.equal(receipt.surveys, surveys);
        assert.equal(await countRows(db, "surveys", "p", ["call_id", "call-5"]), 0);
        assert.equal(await countRows(db, "survey_events", "p", ["call_id", "call-5"]), 0);
        await assertRollupsExact(db);
      } finally {
        await cleanup();
      }
    });

    it("is idempotent: a repeat deletes nothing more, the same id answers the first receipt", async () => {
      const { db, cleanup } = await makeDatabase();
      try {
        await seedProjects(db, ["p"]);
        await seedLifecycleData(db, "p", 200);
        const first = await erase(db, byParticipant("participant-3", "erasure-0001"));
        const again = await erase(db, byParticipant("participant-3", "erasure-0001"));
        assert.equal(again.created, false);
        assert.deepEqual(again.receipt, first.receipt);
        const repeat = await erase(db, byParticipant("participant-3"));
        assert.deepEqual([repeat.created, repeat.receipt.surveys, repeat.receipt.events], [true, 0, 0]);
        assert.deepEqual(
          (await listErasures(db, "p", { limit: 10 })).map((r) => r.id).sort(),
          [first.receipt.id, repeat.receipt.id].sort(),
        );
        assert.deepEqual(await getErasure(db, "p", "erasure-0001"), first.receipt);
        await assertRollupsExact(db);
      } finally {
        await cleanup();
      }
    });

    it("leaves one tombstone with the erased ids, none when nothing matched, and never the person's id", async () => {
      const { db, cleanup } = await makeDatabase();
      try {
        await seedProjects(db, ["p"]);
        await seedLifecycleData(db, "p", 120);
        const surveyIds = (
          await db.all<{ id: string }>(
            "SELECT id FROM surveys WHERE project_id = 'p' AND participant_id = ?",
            ["participant-3"],
          )
        ).map((r) => r.id);
        const { receipt } = await erase(db, byParticipant("participant-3"));
        await erase(db, byParticipant("nobody"));
        const tombstones = await db.all<{ item_id: string }>(
          "SELECT item_id FROM delivery_log WHERE project_id = 'p' AND category = 'CallSurveyDeleted'",
        );
        assert.deepEqual(
          tombstones.map((t) => t.item_id),
          [receipt.id],
        );
        const erased = await erasedIds(db, "p", receipt.id);
        assert.deepEqual(erased?.surveys.sort(), surveyIds.sort());
        assert.equal(erased?.events.length, receipt.events);
        const stored = JSON.stringify(await db.all("SELECT * FROM erasures"));
        assert.ok(!stored.includes("participant-3"), "receipts keep a hash, not the id");
      } finally {
        await cleanup();
      }
    });

    it("is safe while the same participant keeps submitting and the folder keeps folding", async () => {
      const { db, cleanup } = await makeDatabase();
      try {
        await seedProjects(db, ["p"]);
        await seedLifecycleData(db, "p", 200);
        const more = generate(random(5), 400).map((d) => ({
          ...d,
          sub: { ...d.sub, participantId: "participant-3" },
        }));
        let stop = false;
        const committed: string[] = [];
        const ingest = (async () => {
          for (let i = 0; i < more.length && !stop; i += 10) {
            const group = more.slice(i, i + 10);
            await commitSurveyGroups(db, [group.map((d) => pending("p", d))]);
            committed.push(...group.map((d) => d.sub.id));
          }
        })();
        const fold = (async () => {
          while (!stop) {
            await foldProject(db, "p", { batchSize: 25 });
            await new Promise((r) => setTimeout(r, 1));
          }
        })();
        await new Promise((r) => setTimeout(r, 50));
        const before = [...committed];
        const { receipt } = await erase(db, byParticipant("participant-3"));
        stop = true;
        await Promise.all([ingest, fold]);
        assert.ok(receipt.surveys >= before.length);
        const left = new Set(
          (await db.all<{ id: string }>("SELECT id FROM surveys WHERE project_id = 'p'")).map((r) => r.id),
        );
        assert.ok(
          before.every((id) => !left.has(id)),
          "every survey acknowledged before the erasure began is gone",
        );
        await assertRollupsExact(db);
        while ((await foldProject(db, "p")).folded > 0);
        await assertRollupsExact(db);
      } finally {
        await cleanup();
      }
    });

    it("killed midway leaves everything as it was, and a rerun erases", async () => {
      const { db, location, cleanup } = await makeDatabase();
      try {
        await seedProjects(db, ["p"]);
        await seedLifecycleData(db, "p", 300);
        await foldProject(db, "p", { batchSize: 150 });
        const where = location.engine === "sqlite" ? location.dataDir : location.url;
        const surveys = await countRows(db, "surveys", "p", ["participant_id", "participant-3"]);
        const log = await countRows(db, "delivery_log", "p");
        for (const killAfter of [3, 8, 20]) {
          await dieMidway(where, "erase", killAfter, NOW);
          assert.equal(await countRows(db, "surveys", "p", ["participant_id", "participant-3"]), surveys);
          assert.equal(await countRows(db, "delivery_log", "p"), log);
          assert.equal((await listErasures(db, "p", { limit: 5 })).length, 0);
          await assertRollupsExact(db);
        }
        const { receipt } = await erase(db, byParticipant("participant-3"));
        assert.equal(receipt.surveys, surveys);
        await assertRollupsExact(db);
      } finally {
        await cleanup();
      }
    });
  });
});
