import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type { SqlFragment } from "../list-query.js";

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
  resolve(rows: unknown[]): void;
  reject(error: Error): void;
}

type Result = { rows: unknown[]; error?: undefined } | { error: string };

export class AnalyticsReader {
  private worker: Worker | undefined;
  private nextId = 0;
  /** Waiters of each batch sent, in statement order. */
  private readonly pending = new Map<number, Waiter[]>();
  /** Statements asked for in this tick, sent together as one batch at its end. */
  private batch: Array<{ fragment: SqlFragment; waiter: Waiter }> = [];

  constructor(private readonly path: string) {}

  /**
   * Rows of one statement. The statements asked for in the same tick (a request's rollup parts and
   * edges, started together) go to the worker as one message and run in one read transaction: one
   * snapshot for the whole answer, and one message per request for the main thread to handle instead
   * of one per statement.
   */
  run<T>(fragment: SqlFragment): Promise<T[]> {
    return new Promise<T[]>((resolve, reject) => {
      if (this.batch.length === 0) queueMicrotask(() => this.flush());
      this.batch.push({ fragment, waiter: { resolve: resolve as (rows: unknown[]) => void, reject } });
    });
  }

  /**
   * Run a PASSIVE checkpoint on the worker, after the reads already asked for, if the worker is running
   * (true); false if it is not, and the caller checkpoints itself. At most one is queued at a time.
   */
  checkpoint(): boolean {
    const worker = this.worker;
    if (!worker) return false;
    if (this.checkpointQueued) return true;
    this.checkpointQueued = true;
    const id = this.nextId++;
    if (this.pending.size === 0) worker.ref();
    const done = () => {
      this.checkpointQueued = false;
    };
    this.pending.set(id, [{ resolve: done, reject: done }]);
    worker.postMessage({ id, checkpoint: true });
    return true;
  }

  private checkpointQueued = false;

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private flush(): void {
    const batch = this.batch;
    this.batch = [];
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    // Referenced only while a query is pending: an idle worker never keeps the process alive.
    if (this.pending.size === 0) worker.ref();
    this.pending.set(
      id,
      batch.map((b) => b.waiter),
    );
    worker.postMessage({
      id,
      batch: batch.map(({ fragment }) => ({ sql: fragment.sql, params: fragment.params })),
    });
  }

  private start(): Worker {
    const worker = new Worker(WORKER, { eval: true, workerData: { path: this.path, driver: DRIVER } });
    worker.unref();
    worker.on("message", (message: { id: number; results: Result[] }) => {
      const waiters = this.pending.get(message.id);
      if (!waiters) return;
      this.pending.delete(message.id);
      if (this.pending.size === 0) worker.unref();
      waiters.forEach((waiter, i) => {
        const result = message.results[i];
        // A checkpoint's reply has no results; its one waiter only clears the queued flag.
        if (result === undefined) waiter.resolve([]);
        else if (result.error !== undefined) waiter.reject(new Error(result.error));
        else waiter.resolve(result.rows);
      });
    });
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const waiters of this.pending.values()) for (const waiter of waiters) waiter.reject(error);
      this.pending.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`The analytics worker exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }
}
