import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type { SqlFragment } from "../database.js";

/**
 * Runs the analytics statements of a SQLite store on a worker thread with its own read-only connection.
 * better-sqlite3 is synchronous, so on the main thread a 50 ms dashboard query would hold up every
 * ingestion request behind it (measured: ingestion p99 13.6 → 212 ms under dashboard load at 1M surveys);
 * on the worker, ingestion only shares the CPU. WAL lets the reader see every committed survey without
 * blocking the writer. The worker starts on the first query and is restarted if it dies.
 *
 * While it runs, the worker also does the store's periodic WAL checkpoints ({@link checkpoint}), between
 * two of its read transactions. A reader that is always busy (dashboards refreshing back to back) would
 * otherwise always hold a snapshot: a checkpoint on the main thread could then rarely copy the whole WAL,
 * the WAL never restarted from its beginning and grew to the 64 MiB cap, where a checkpoint inside a
 * commit stalled ingestion (measured at 1M surveys: WAL 13 → 72 MB, commits up to 60 ms). Between reads
 * nothing holds the WAL, and the checkpoint's copying and fsync leave the thread that commits.
 */
/**
 * The worker: a read-only connection answering `{id, batch: [{sql, params}]}` with `{id, results}`, one
 * `{rows}` or `{error}` per statement, and `{id, checkpoint: true}` with `{id, results: []}` after a
 * PASSIVE checkpoint on a second, read-write connection (failures are left to the next one).
 * Plain CommonJS evaluated as a string, so it runs the same from the sources (under tsx, whose loader
 * workers do not inherit on Node 20) and from the build; better-sqlite3 is resolved by the caller.
 */
const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path, { readonly: true });
db.pragma("busy_timeout = 10000");
// 64 MiB of page cache instead of SQLite's 2 MiB: a dashboard's requests read different rollup tables one
// after the other, which evicted each other's pages (breakdowns at 1M surveys: 13–17 → 9–13 ms).
db.pragma("cache_size = -65536");
// The same case folding as the main connection (see SqliteStore).
db.function("aftercall_fold", { deterministic: true }, (t) => (typeof t === "string" ? t.toLowerCase() : null));
db.function("aftercall_dimension", { deterministic: true }, (d, k) => {
  if (typeof d !== "string" || typeof k !== "string") return null;
  const parsed = JSON.parse(d);
  return Object.hasOwn(parsed, k) && typeof parsed[k] === "string" ? parsed[k] : null;
});
const statements = new Map();
const prepared = (sql) => {
  let statement = statements.get(sql);
  if (!statement) {
    if (statements.size >= 200) statements.clear();
    statement = db.prepare(sql);
    statements.set(sql, statement);
  }
  return statement;
};
// One read transaction per batch: the statements of one request see one snapshot.
const read = db.transaction((batch) =>
  batch.map(({ sql, params }) => {
    try {
      return { rows: prepared(sql).all(...params) };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  }),
);
let writable;
parentPort.on("message", ({ id, batch, checkpoint }) => {
  if (checkpoint) {
    try {
      if (!writable) {
        writable = new Database(workerData.path);
        writable.pragma("synchronous = FULL");
      }
      writable.pragma("wal_checkpoint(PASSIVE)");
    } catch {
      // A failed checkpoint loses nothing: the frames stay in the fsynced WAL for the next one.
    }
    parentPort.postMessage({ id, results: [] });
    return;
  }
  let results;
  try {
    results = read(batch);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    results = batch.map(() => ({ error: message }));
  }
  parentPort.postMessage({ id, results });
});
`;

const DRIVER = createRequire(import.meta.url).resolve("better-sqlite3");

interface Waiter {
  resolve(results: Result[]): void;
  reject(error: Error): void;
}

type Result = { rows: unknown[]; error?: undefined } | { error: string };

export class AnalyticsReader {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, Waiter>();

  constructor(private readonly path: string) {}

  /**
   * Run statements as one message to the worker, in one read transaction: one snapshot for the whole
   * batch. A statement's error rejects only its own result.
   */
  execute(batch: readonly SqlFragment[]): Promise<Array<PromiseSettledResult<unknown[]>>> {
    return this.send({ batch: batch.map(({ sql, params }) => ({ sql, params })) }).then((results) =>
      batch.map((_, i): PromiseSettledResult<unknown[]> => {
        const result = results[i];
        if (result === undefined)
          return {
            status: "rejected",
            reason: new Error("The analytics worker answered fewer statements than asked"),
          };
        if (result.error !== undefined) return { status: "rejected", reason: new Error(result.error) };
        return { status: "fulfilled", value: result.rows };
      }),
    );
  }

  /**
   * Run a PASSIVE checkpoint on the worker, after the reads already asked for, if the worker is running
   * (true); false if it is not, and the caller checkpoints itself. At most one is queued at a time.
   */
  checkpoint(): boolean {
    if (!this.worker) return false;
    if (this.checkpointQueued) return true;
    this.checkpointQueued = true;
    const done = () => {
      this.checkpointQueued = false;
    };
    this.send({ checkpoint: true }).then(done, done);
    return true;
  }

  private checkpointQueued = false;

  private send(message: object): Promise<Result[]> {
    if (this.closed) return Promise.reject(new Error("The store is closed"));
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    // Referenced only while a message is pending: an idle worker never keeps the process alive.
    if (this.pending.size === 0) worker.ref();
    return new Promise<Result[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, ...message });
    });
  }

  private closed = false;

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    // A caller awaiting close() as its last work must not see the process end first. Referencing the
    // worker is not enough on Node 20: while the thread stops, the loop can empty before 'exit' arrives
    // (node:test then cancels the awaiting hook, about 1 run in 8 under load). A referenced timer holds
    // the loop until the thread has stopped.
    worker.ref();
    const holdLoop = setInterval(() => {}, 60_000);
    try {
      await worker.terminate();
    } finally {
      clearInterval(holdLoop);
    }
  }

  private start(): Worker {
    const worker = new Worker(WORKER, { eval: true, workerData: { path: this.path, driver: DRIVER } });
    worker.unref();
    worker.on("message", (message: { id: number; results: Result[] }) => {
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (this.pending.size === 0) worker.unref();
      waiter.resolve(message.results);
    });
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`The analytics worker exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }
}
