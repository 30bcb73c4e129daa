/**
 * The sweep's read-ahead (SQLite) reads exactly what the next batch will touch, on the reader thread:
 * the batch's surveys, their entries in every index the DELETE updates, and every rollup row the batch
 * subtracts from (each one found: the lookups use the keys the batch will write); it changes nothing.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { foldProject } from "../../src/analytics/rollup-folder.js";
import { readAheadExpiredSurveys } from "../../src/lifecycle/read-ahead.js";
import { MIGRATIONS } from "../../src/migrations.js";
import { SqliteEngine } from "../../src/store/sqlite/sqlite-database.js";
import { countRows, seedLifecycleData } from "../support/lifecycle-data.js";
import { T0 } from "../support/rollup-equality.js";
import { seedProjects } from "../support/seed.js";

const DAY = 86_400_000;

describe("read-ahead of a sweep batch", () => {
  it("reads the batch's surveys, their index entries and every rollup row it will subtract from", async () => {
    const dir = await mkdtemp(join(tmpdir(), "aftercall-read-ahead-"));
    const db = new SqliteEngine(dir);
    try {
      await db.migrate(MIGRATIONS);
      await seedProjects(db, ["p"]);
      await seedLifecycleData(db, "p", 300);
      while ((await foldProject(db, "p")).folded > 0);
      const before = await countRows(db, "surveys", "p");
      const ahead = await readAheadExpiredSurveys(db, "p", T0 + DAY, 40);
      assert.equal(ahead.surveys, 40);
      // The id, call and participant indexes: at least one entry each per survey (calls are shared).
      assert.ok(ahead.indexEntries >= 3 * 40, `index entries read: ${ahead.indexEntries}`);
      assert.ok(ahead.rollupRows > 0);
      assert.equal(ahead.rollupRowsFound, ahead.rollupRows, "every rollup row the batch touches exists");
      assert.equal(await countRows(db, "surveys", "p"), before, "a read-ahead deletes nothing");
      const none = await readAheadExpiredSurveys(db, "p", T0 - DAY, 40);
      assert.deepEqual(none, { surveys: 0, indexEntries: 0, rollupRows: 0, rollupRowsFound: 0 });
    } finally {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
