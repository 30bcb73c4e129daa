/**
 * SQLite analytics run on a worker thread with a read-only connection: it sees every committed survey,
 * reports SQL errors as rejections (per statement, also within a batch), cannot write, and does not keep the process alive once closed.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { MIGRATIONS } from "../../../src/migrations.js";
import { insertProject } from "../../../src/projects/project-store.js";
import { AnalyticsReader } from "../../../src/store/sqlite/analytics-reader.js";
import { SqliteEngine } from "../../../src/store/sqlite/sqlite-database.js";

describe("AnalyticsReader", () => {
  let dir: string;
  let db: SqliteEngine;
  let reader: AnalyticsReader;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "aftercall-reader-"));
    db = new SqliteEngine(dir);
    await db.migrate(MIGRATIONS);
    reader = new AnalyticsReader(db.path);
  });
  after(async () => {
    await reader.close();
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** One statement on its own batch. */
  async function run(sql: string, params: Array<string | number> = []): Promise<unknown[]> {
    const [result] = await reader.execute([{ sql, params }]);
    if (result?.status !== "fulfilled") throw result?.reason;
    return result.value;
  }

  it("reads committed rows, with the q case folding registered", async () => {
    await insertProject(db, {
      id: "p",
      name: "P",
      allowedOrigins: [],
      requireOverallRating: false,
      resourceId: "r",
    });
    const rows = await run("SELECT id, aftercall_fold(name || ?) AS folded FROM projects WHERE id = ?", [
      " ÜBER",
      "p",
    ]);
    assert.deepEqual(rows, [{ id: "p", folded: "p über" }]);
  });

  it("rejects on SQL errors and refuses writes, then keeps answering", async () => {
    await assert.rejects(run("SELECT nope FROM projects"), /no such column/);
    await assert.rejects(run("DELETE FROM projects RETURNING id"), /readonly/);
    assert.deepEqual(await run("SELECT count(*) AS n FROM projects"), [{ n: 1 }]);
  });

  it("answers each statement of a batch on its own, errors included", async () => {
    const [first, broken, last] = await reader.execute([
      { sql: "SELECT ? AS n", params: [1] },
      { sql: "SELECT nope FROM projects", params: [] },
      { sql: "SELECT ? AS n", params: [3] },
    ]);
    assert.deepEqual(first, { status: "fulfilled", value: [{ n: 1 }] });
    assert.equal(broken?.status, "rejected");
    assert.match(String((broken as PromiseRejectedResult).reason), /no such column: nope/);
    assert.deepEqual(last, { status: "fulfilled", value: [{ n: 3 }] });
  });

  it("checkpoints on its thread between reads once it runs, and not before", async () => {
    const idle = new AnalyticsReader(db.path);
    assert.equal(idle.checkpoint(), false, "no thread yet: the caller checkpoints");
    await idle.execute([{ sql: "SELECT 1 AS one", params: [] }]);
    assert.equal(idle.checkpoint(), true);
    assert.deepEqual(await idle.execute([{ sql: "SELECT 2 AS two", params: [] }]), [
      { status: "fulfilled", value: [{ two: 2 }] },
    ]);
    await idle.close();
    await assert.rejects(idle.execute([{ sql: "SELECT 1", params: [] }]), /closed/);
    assert.equal(idle.checkpoint(), false);
  });
});
