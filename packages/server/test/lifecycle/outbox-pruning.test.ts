/**
 * The outbox stays bounded: an entry is pruned once every destination has passed it, the rollups have
 * folded it, and it is older than the backfill horizon; a backfill from before what is still kept is
 * refused with a clear error instead of delivering part of what was asked. Both engines.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { foldProject } from "../../src/analytics/rollup-folder.js";
import { backfillSetting, createSetting } from "../../src/delivery/manage-settings.js";
import { parseSettingInput } from "../../src/delivery/settings.js";
import { AftercallError } from "../../src/errors.js";
import { pruneOutboxBatch } from "../../src/lifecycle/outbox-pruning.js";
import { RetentionSweeper } from "../../src/lifecycle/retention.js";
import { appendOne } from "../../src/outbox/outbox.js";
import type { Project } from "../../src/projects/project.js";
import type { Database } from "../../src/store/database.js";
import { transaction } from "../../src/store/transaction.js";
import { deliveryOf } from "../support/delivery-of.js";
import { onEveryEngine } from "../support/engines.js";
import { countRows, seedLifecycleData } from "../support/lifecycle-data.js";
import { TEST_OUTBOUND } from "../support/outbound.js";
import { T0 } from "../support/rollup-equality.js";
import { seedProject } from "../support/seed.js";

const DAY = 86_400_000;
const WEBHOOK = { url: "http://127.0.0.1:9/hook", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" };

const entriesReceived = async (db: Database, projectId: string, op: "<" | ">=", ms: number) =>
  Number(
    (
      await db.all<{ n: number | string }>(
        `SELECT count(*) AS n FROM delivery_log WHERE project_id = ? AND received_at ${op} ?`,
        [projectId, ms],
      )
    )[0]?.n,
  );

const webhookSetting = (db: Database, project: Project, backfillFrom?: number) =>
  createSetting(
    deliveryOf(db),
    project,
    parseSettingInput({
      name: `hook-${Math.random().toString(36).slice(2, 8)}`,
      destinations: { webhook: WEBHOOK },
      ...(backfillFrom === undefined ? {} : { backfillFrom: new Date(backfillFrom).toISOString() }),
    }),
    { operator: true, outbound: TEST_OUTBOUND },
  );

async function foldAll(db: Database, projectId: string): Promise<void> {
  while ((await foldProject(db, projectId)).folded > 0);
}

const refusedBeyondHorizon = (error: unknown) =>
  error instanceof AftercallError && error.code === "BACKFILL_BEYOND_HORIZON" && error.status === 409;

onEveryEngine("outbox_pruning", (engine, makeDatabase) => {
  describe(`${engine}: outbox pruning`, () => {
    it("keeps what the folder or a destination still needs, prunes what all have passed once older than the horizon", async () => {
      const { db, cleanup } = await makeDatabase();
      try {
        const project = await seedProject(db, "p");
        await seedLifecycleData(db, "p", 400);
        // Nothing folded yet: the folder still needs every survey's entry, however old (not the events').
        await seedProject(db, "q");
        await seedLifecycleData(db, "q", 200, 8);
        const farFuture = T0 + 400 * DAY;
        while ((await pruneOutboxBatch(db, "q", { nowMs: farFuture, horizonDays: 30 })) > 0);
        assert.equal(await countRows(db, "delivery_log", "q", ["category", "CallSurvey"]), 200);
        assert.equal(await countRows(db, "delivery_log", "q"), 200);
        const all = await countRows(db, "delivery_log", "p");
        await foldAll(db, "p");
        // A destination halfway through the log has not passed the entries after its cursor.
        const setting = await webhookSetting(db, project);
        const [middle] = await db.all<{ seq: number }>(
          "SELECT seq FROM delivery_log WHERE project_id = 'p' ORDER BY seq LIMIT 1 OFFSET ?",
          [Math.floor(all / 2)],
        );
        await db.run("UPDATE destinations SET cursor_seq = ?", [Number(middle?.seq)]);
        const now = T0 + 31.5 * DAY; // a 30-day horizon keeps what arrived after T0 + 1.5 days
        const cutoff = now - 30 * DAY;
        const [{ cursor } = { cursor: 0 }] = await db.all<{ cursor: number }>(
          "SELECT cursor_seq AS cursor FROM destinations",
        );
        // Imports make receive times and log order differ, as here: prunable is what is both passed and old.
        const prunable = `project_id = 'p' AND seq <= ${Number(cursor)} AND received_at < ${cutoff}`;
        const count = async (where: string) =>
          Number(
            (await db.all<{ n: number }>(`SELECT count(*) AS n FROM delivery_log WHERE ${where}`))[0]?.n,
          );
        const expectedPruned = await count(prunable);
        assert.ok(expectedPruned > 0 && expectedPruned < all);
        await new RetentionSweeper(db, { now: () => now, backfillHorizonDays: 30 }).pass();
        assert.equal(await count(prunable), 0);
        assert.equal(await countRows(db, "delivery_log", "p"), all - expectedPruned);
        const prunedBefore = await deliveryOf(db).logPrunedBeforeMs("p");
        assert.ok(prunedBefore > T0 && prunedBefore <= cutoff, `pruned before ${prunedBefore}`);
        // A backfill from before what is kept is refused; from there on it is accepted.
        const store = deliveryOf(db);
        await assert.rejects(backfillSetting(store, setting, ["webhook"], T0), refusedBeyondHorizon);
        await assert.rejects(webhookSetting(db, project, prunedBefore - 1), refusedBeyondHorizon);
        await backfillSetting(store, setting, ["webhook"], prunedBefore);
        await webhookSetting(db, project, prunedBefore);
        // Entries newer than the horizon stay even once every destination has passed them.
        await db.run("UPDATE destinations SET cursor_seq = (SELECT max(seq) FROM delivery_log)");
        // Batches of 500 look at the oldest 1,000 entries: the whole log here (see the next test).
        while ((await pruneOutboxBatch(db, "p", { nowMs: now, horizonDays: 30, limit: 500 })) > 0);
        assert.equal(await entriesReceived(db, "p", "<", now - 30 * DAY), 0);
        assert.equal(
          await countRows(db, "delivery_log", "p"),
          await entriesReceived(db, "p", ">=", now - 30 * DAY),
        );
        assert.ok((await countRows(db, "delivery_log", "p")) > 0);
      } finally {
        await cleanup();
      }
    });

    it("looks only at the oldest end of the log: an old entry behind young ones waits for them to age", async () => {
      const { db, cleanup } = await makeDatabase();
      try {
        await seedProject(db, "p");
        // One transaction per entry, so the log's order is the order of these calls on both engines.
        const append = (at: number) =>
          transaction(db, () => appendOne(db.engine, "p", "CallSurveyEvent", `e-${Math.random()}`, at));
        const now = T0 + 100 * DAY;
        for (let i = 0; i < 10; i++) await append(T0); // old: prunable
        for (let i = 0; i < 30; i++) await append(now - DAY); // young
        await append(T0); // imported: received long ago, appended after the young ones
        const prune = (at: number) => pruneOutboxBatch(db, "p", { nowMs: at, horizonDays: 30, limit: 5 });
        while ((await prune(now)) > 0);
        // The oldest 10 went; the window (twice the batch) stopped at the young entries.
        assert.equal(await countRows(db, "delivery_log", "p"), 31);
        assert.equal(await entriesReceived(db, "p", "<", T0 + DAY), 1);
        // Once the young ones are older than the horizon too, the window reaches it.
        while ((await prune(now + 31 * DAY)) > 0);
        assert.equal(await countRows(db, "delivery_log", "p"), 0);
      } finally {
        await cleanup();
      }
    });

    it("a parked batch keeps its entries until it is retried or dropped", async () => {
      const { db, cleanup } = await makeDatabase();
      try {
        const project = await seedProject(db, "p");
        await seedLifecycleData(db, "p", 120);
        await foldAll(db, "p");
        await webhookSetting(db, project, T0);
        const [destination] = await db.all<{ id: string }>("SELECT id FROM destinations");
        const head = Number((await db.all<{ s: number }>("SELECT max(seq) AS s FROM delivery_log"))[0]?.s);
        // The destination moved on past the whole log but parked entries 1..10 of it.
        await db.run("UPDATE destinations SET cursor_seq = ?", [head]);
        const [first] = await db.all<{ seq: number }>("SELECT min(seq) AS seq FROM delivery_log");
        const from = Number(first?.seq);
        await db.run(
          `INSERT INTO parked_batches (id, destination_id, from_seq, to_seq, records, attempts, error, parked_at, retry_requested)
VALUES ('parked-1', ?, ?, ?, 16, 3, 'receiver down', 0, 0)`,
          [destination?.id as string, from + 5, from + 20],
        );
        while ((await pruneOutboxBatch(db, "p", { nowMs: T0 + 400 * DAY, horizonDays: 30 })) > 0);
        const [left] = await db.all<{ lo: number | string }>("SELECT min(seq) AS lo FROM delivery_log");
        assert.equal(Number(left?.lo), from + 5);
      } finally {
        await cleanup();
      }
    });
  });
});
