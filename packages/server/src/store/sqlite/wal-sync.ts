import { type FileHandle, open } from "node:fs/promises";

const ignore = () => {};

/**
 * Makes committed WAL frames durable off the event loop.
 *
 * better-sqlite3 runs a commit on the calling thread, and with `synchronous=FULL` that includes the
 * WAL's fsync: every commit held the event loop for as long as the disk took (measured by a CPU profile
 * under `bench:abuse`: 35 % of the server's busy time in the commits' fsync, during which no request was
 * read, refused or answered). The write connection therefore runs with `synchronous=NORMAL` (SQLite
 * writes the frames but does not fsync them at commit; in WAL mode the database stays consistent, and
 * SQLite still syncs the WAL before every checkpoint) and a write is acknowledged only after
 * {@link WalSync.sync} has run `fdatasync` on the WAL file on libuv's thread pool. A commit's frames are
 * written (to the page cache) before its transaction returns, so a sync started after that returns makes
 * them as durable as `synchronous=FULL` would have. On Linux `fdatasync` flushes the file whatever
 * descriptor it is called on.
 *
 * Syncs are coalesced: while one is in flight, every caller waits for the next one, which starts when the
 * first ends (the one in flight may have begun before the caller's commit) — one fsync acknowledges every
 * commit made meanwhile, whoever made it.
 *
 * A failed sync is final for this process: after a failed `fsync` the kernel may have dropped the dirty
 * pages and marked them clean, so a later sync that succeeds would acknowledge commits whose WAL prefix is
 * lost (PostgreSQL panics on such a failure for the same reason). Every later write then fails as the
 * store unavailable, `/readyz` says so, and a restart recovers from what is on disk.
 */
export class WalSync {
  private handle: Promise<Pick<FileHandle, "datasync" | "close">> | undefined;
  private running: Promise<void> | undefined;
  private next: Promise<void> | undefined;
  private failed: unknown;

  /** `openFile` is for tests of the coalescing; the server uses `fs.promises.open`. */
  constructor(
    private readonly walPath: string,
    private readonly openFile: (
      path: string,
      flags: "r",
    ) => Promise<Pick<FileHandle, "datasync" | "close">> = open,
  ) {}

  /** Resolves once everything committed before the call is on disk; rejects with the I/O error if not. */
  sync(): Promise<void> {
    if (this.failed !== undefined) return Promise.reject(this.failed);
    if (!this.running) return this.start();
    this.next ??= this.running.then(ignore, ignore).then(() => {
      this.next = undefined;
      return this.start();
    });
    return this.next;
  }

  async close(): Promise<void> {
    await this.running?.catch(ignore);
    await this.next?.catch(ignore);
    const handle = this.handle;
    this.handle = undefined;
    await (await handle?.catch(() => undefined))?.close();
  }

  private start(): Promise<void> {
    const run = this.flush().finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }

  private async flush(): Promise<void> {
    // The WAL exists while the write connection is open (WAL mode creates it; checkpoints truncate it, never
    // delete it), so one descriptor serves every sync.
    this.handle ??= this.openFile(this.walPath, "r");
    let handle: Pick<FileHandle, "datasync" | "close">;
    try {
      handle = await this.handle;
    } catch (error) {
      // Nothing was synced, so nothing was lost: the next call tries to open it again.
      this.handle = undefined;
      throw error;
    }
    try {
      await handle.datasync();
    } catch (error) {
      this.failed ??= error;
      throw error;
    }
  }
}
