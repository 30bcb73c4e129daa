/**
 * SQLite analytics run on a worker thread with a read-only connection: it sees every committed survey,
 * reports SQL errors as rejections (per statement, also within a batch), cannot write, and does not keep the process alive once closed.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { AnalyticsReader } from "../src/store/sqlite/analytics-reader.js";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.js";

describe("AnalyticsReader", () => {
  let dir: string;
  let store: SqliteStore;
  let reader: AnalyticsReader;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "aftercall-reader-"));
    store = new SqliteStore(dir);
    reader = new AnalyticsReader(store.path);
  });
  after(async () => {
    await reader.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("reads committed rows, with the q case folding registered", async () => {
    await store.createProject({
      id: "p",
      name: "P",
      allowedOrigins: [],
      requireOverallRating: false,
      resourceId: "r",
    });
    const rows = await reader.run<{ id: string; folded: string }>({
      sql: "SELECT id, aftercall_fold(name || ?) AS folded FROM projects WHERE id = ?",
      params: [" ÜBER", "p"],
    });
    assert.deepEqual(rows, [{ id: "p", folded: "p über" }]);
  });

  it("rejects on SQL errors and refuses writes, then keeps answering", async () => {
    await assert.rejects(reader.run({ sql: "SELECT nope FROM projects", params: [] }), /no such column/);
    await assert.rejects(reader.run({ sql: "DELETE FROM projects RETURNING id", params: [] }), /readonly/);
    assert.deepEqual(await reader.run({ sql: "SELECT count(*) AS n FROM projects", params: [] }), [{ n: 1 }]);
  });

  it("answers each statement of a batch (asked for in one tick) on its own, errors included", async () => {
    const [first, broken, last] = await Promise.allSettled([
      reader.run({ sql: "SELECT ? AS n", params: [1] }),
      reader.run({ sql: "SELECT nope FROM projects", params: [] }),
      reader.run({ sql: "SELECT ? AS n", params: [3] }),
    ]);
    assert.deepEqual(first, { status: "fulfilled", value: [{ n: 1 }] });
    assert.equal(broken?.status, "rejected");
    assert.match(String((broken as PromiseRejectedResult).reason), /no such column: nope/);
    assert.deepEqual(last, { status: "fulfilled", value: [{ n: 3 }] });
  });
});
