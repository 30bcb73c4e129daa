/**
 * WAL checkpoints of the SQLite store: between commits on the write connection's thread until the reader's
 * thread runs, then on the reader's thread, with commits finishing them once the WAL passes 8 MiB; under
 * writes that never pause, the WAL then stays bounded and starts over (without that, it grew to its
 * 64 MiB cap, where a checkpoint inside a commit held up the event loop).
 */
import assert from "node:assert/strict";
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { setTimeout as sleep, setImmediate as turn } from "node:timers/promises";
import { SqliteEngine } from "../../../src/store/sqlite/sqlite-database.js";

const ROW = "x".repeat(16_000);
const WRITES = 1200;
const MiB = 2 ** 20;

/** The WAL header's checkpoint sequence number: SQLite adds one each time it starts the WAL over. */
function walRestarts(path: string): number {
  const fd = openSync(`${path}-wal`, "r");
  try {
    const header = Buffer.alloc(16);
    readSync(fd, header, 0, 16, 0);
    return header.readUInt32BE(12);
  } finally {
    closeSync(fd);
  }
}

const autocheckpoint = (db: SqliteEngine) =>
  Number(db.connection.pragma("wal_autocheckpoint", { simple: true }));

describe("WAL checkpoints", () => {
  it("lets commits finish the reader's checkpoints, so the WAL stays bounded under writes that never pause", async () => {
    const dir = await mkdtemp(join(tmpdir(), "aftercall-checkpoints-"));
    const db = new SqliteEngine(dir, { checkpointIntervalMs: 10 });
    try {
      await db.run("CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
      await sleep(40);
      assert.equal(autocheckpoint(db), 16_384, "no reader thread: checkpoints between commits, the cap far");
      // A dashboard read starts the reader's thread, which then does the periodic checkpoints.
      await db.read({ sql: "SELECT 1 AS one", params: [] });
      await sleep(40);
      assert.equal(autocheckpoint(db), 2_048, "commits finish checkpoints past 8 MiB");
      const before = walRestarts(db.path);
      // ~20 MiB of WAL frames, each write begun on the next turn without waiting for the last.
      const writes: Promise<void>[] = [];
      let largest = 0;
      for (let i = 0; i < WRITES; i++) {
        writes.push(db.atomically([{ sql: "INSERT INTO filler (body) VALUES (?)", params: [ROW] }]));
        if (i % 50 === 0) largest = Math.max(largest, statSync(`${db.path}-wal`).size);
        await turn();
      }
      await Promise.all(writes);
      largest = Math.max(largest, statSync(`${db.path}-wal`).size);
      assert.ok(walRestarts(db.path) - before >= 1, "the WAL started over");
      assert.ok(largest < 12 * MiB, `the WAL grew to ${(largest / MiB).toFixed(1)} MiB`);
      const [count] = await db.all<{ n: number }>("SELECT count(*) AS n FROM filler");
      assert.equal(Number(count?.n), WRITES);
    } finally {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
