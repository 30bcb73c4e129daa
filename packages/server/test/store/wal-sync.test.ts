/**
 * The SQLite write connection's WAL sync: a caller is answered by a sync that started after its call,
 * syncs are shared by every caller waiting meanwhile, a failed sync fails every later write, and a WAL
 * that could not be opened is opened again. The file operations are stand-ins here (the coalescing is
 * pure logic); the real file is synced in every SQLite test and by the crash tests.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { WalSync } from "../../src/store/sqlite/wal-sync.js";

/** A WAL whose syncs finish when the test says so, recording when each began. */
function controlledWal() {
  const started: number[] = [];
  const finish: Array<(error?: Error) => void> = [];
  let clock = 0;
  const handle = {
    datasync: () =>
      new Promise<void>((resolve, reject) => {
        started.push(clock);
        finish.push((error) => (error ? reject(error) : resolve()));
      }),
    close: async () => {},
  };
  return {
    started,
    tick: () => ++clock,
    finish: (i: number, error?: Error) => finish[i]?.(error),
    open: async () => handle,
  };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe("WalSync", () => {
  it("answers a caller only with a sync that began after its call", async () => {
    const wal = controlledWal();
    const sync = new WalSync("wal", wal.open);
    const first = sync.sync();
    await settled();
    wal.tick(); // a commit after the first sync began
    const second = sync.sync();
    let secondDone = false;
    void second.then(() => (secondDone = true));
    wal.finish(0);
    await first;
    await settled();
    assert.equal(secondDone, false, "the first sync began before the second caller's commit");
    assert.deepEqual(wal.started, [0, 1], "a second sync began once the first ended");
    wal.finish(1);
    await second;
  });

  it("shares one sync among every caller that waited for it", async () => {
    const wal = controlledWal();
    const sync = new WalSync("wal", wal.open);
    const first = sync.sync();
    await settled();
    const waiting = Array.from({ length: 10 }, () => sync.sync());
    wal.finish(0);
    await first;
    await settled();
    wal.finish(1);
    await Promise.all(waiting);
    assert.equal(wal.started.length, 2, "ten callers, one more sync");
  });

  it("fails every later write once a sync failed", async () => {
    const wal = controlledWal();
    const sync = new WalSync("wal", wal.open);
    const first = sync.sync();
    await settled();
    wal.finish(0, Object.assign(new Error("I/O error"), { code: "EIO" }));
    await assert.rejects(first, { code: "EIO" });
    await assert.rejects(sync.sync(), { code: "EIO" });
    assert.equal(wal.started.length, 1, "no sync is tried again: it could acknowledge lost frames");
  });

  it("opens the WAL again after it could not be opened, and syncs the real file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aftercall-wal-sync-"));
    try {
      const path = join(dir, "aftercall.sqlite-wal");
      const sync = new WalSync(path);
      await assert.rejects(sync.sync(), { code: "ENOENT" });
      writeFileSync(path, "frames");
      await sync.sync();
      await sync.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
