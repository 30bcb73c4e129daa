import type { SqlFragment } from "./database.js";

/**
 * Runs a batch of statements; one settled result per statement, in order. A batch is what one request
 * asked for at once (rollup parts and edges), so an engine can answer it in one round trip or message.
 */
export type ExecuteBatch = (batch: readonly SqlFragment[]) => Promise<Array<PromiseSettledResult<unknown[]>>>;

export interface PacingOptions {
  /**
   * Most share of the time, in (0, 1], that analytics may keep the store's reader busy while surveys are
   * being committed: a batch that took `t` ms leaves `t × (1 / share − 1)` ms of rest owed (0.5: as long
   * as the batch took). 1 never waits. Default {@link DEFAULT_ANALYTICS_SHARE}.
   */
  share?: number | undefined;
  /** Whether surveys are being committed now; pauses only apply then. */
  ingesting(): boolean;
  /** Batches running at once (the reader's connections); default 1. */
  concurrency?: number;
  /**
   * Rest the reader may owe before a batch waits, in ms (default {@link BURST_MS}): the few requests of
   * one dashboard view run back to back; only sustained use is paced.
   */
  burstMs?: number;
  /** Clock in ms, injectable for tests. */
  now?: () => number;
}

/** A pause never exceeds this, so one slow export-sized query does not stall the dashboard for long. */
const MAX_PAUSE_MS = 1000;
/** About one dashboard view's worth of statements at 10M surveys (12 requests of 5–40 ms). */
export const BURST_MS = 250;

interface Waiter {
  resolve(rows: unknown[]): void;
  reject(error: unknown): void;
}

interface Batch {
  fragments: SqlFragment[];
  waiters: Waiter[];
}

/**
 * The analytics reads of a store, batched and paced. On two cores, a dashboard refreshing back to back
 * keeps the reader (SQLite's reader thread, PostgreSQL's read connection) busy all the time, and the
 * commits of ingestion run slower next to it: ingestion p99 rose 1.7× (SQLite) and 3.5× (PostgreSQL)
 * at 10M surveys. Like PostgreSQL's cost-based vacuum delay, the reader then owes rest for a share of
 * the time it worked, and once it owes more than a burst (one dashboard view's requests) each batch
 * waits until it owes less: ingestion p99 then rose 1.1–1.4× (docs/benchmarks.md). Without ingestion
 * nothing waits, and one request is never slowed by its own rest: it applies to the batches after.
 *
 * Statements asked for in the same tick form one batch (one request's parts and edges, started
 * together), run by `execute` as one unit.
 */
export class PacedReads {
  private collecting: Batch | undefined;
  private readonly queue: Batch[] = [];
  private running = 0;
  private notBefore = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private readonly concurrency: number;
  private readonly burstMs: number;
  private readonly share: number;

  constructor(
    private readonly execute: ExecuteBatch,
    private readonly options: PacingOptions,
  ) {
    this.share = options.share ?? DEFAULT_ANALYTICS_SHARE;
    if (!(this.share > 0 && this.share <= 1)) {
      throw new RangeError(`share must be in (0, 1], got ${this.share}`);
    }
    this.now = options.now ?? (() => performance.now());
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
    this.burstMs = Math.max(0, options.burstMs ?? BURST_MS);
  }

  /** The rows of one statement. */
  run<T>(fragment: SqlFragment): Promise<T[]> {
    return new Promise<T[]>((resolve, reject) => {
      if (!this.collecting) {
        const batch: Batch = { fragments: [], waiters: [] };
        this.collecting = batch;
        queueMicrotask(() => {
          this.collecting = undefined;
          this.queue.push(batch);
          this.pump();
        });
      }
      this.collecting.fragments.push(fragment);
      this.collecting.waiters.push({ resolve: resolve as (rows: unknown[]) => void, reject });
    });
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length > 0 && !this.timer) {
      const wait = this.notBefore - this.burstMs - this.now();
      if (wait > 0) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, wait);
        return;
      }
      this.start(this.queue.shift() as Batch);
    }
  }

  private start(batch: Batch): void {
    this.running++;
    const started = this.now();
    const settle = (results: Array<PromiseSettledResult<unknown[]>>) =>
      batch.waiters.forEach((waiter, i) => {
        const result = results[i];
        if (result?.status === "fulfilled") waiter.resolve(result.value);
        else
          waiter.reject(
            result ? result.reason : new Error("The reader answered fewer statements than asked"),
          );
      });
    this.execute(batch.fragments)
      .then(settle, (error: unknown) => {
        for (const waiter of batch.waiters) waiter.reject(error);
      })
      .finally(() => {
        this.running--;
        const { share } = this;
        if (share < 1 && this.options.ingesting()) {
          const ended = this.now();
          const pause = Math.min(MAX_PAUSE_MS, (ended - started) * (1 / share - 1));
          // Rest still owed when the batch started was not taken while it ran: it carries over.
          this.notBefore = ended + Math.max(0, this.notBefore - started) + pause;
        }
        this.pump();
      });
  }
}

/** A commit within this long counts as ingestion in progress. */
const INGESTING_WINDOW_MS = 1000;

/** Whether this server committed surveys lately: when {@link PacedReads} pauses apply. */
export class IngestActivity {
  private lastCommit = Number.NEGATIVE_INFINITY;

  /** Called when a commit starts. */
  noteCommit(): void {
    this.lastCommit = performance.now();
  }

  readonly ingesting = (): boolean => performance.now() - this.lastCommit < INGESTING_WINDOW_MS;
}

/** Default of `AFTERCALL_ANALYTICS_SHARE_PERCENT`, as a share. */
export const DEFAULT_ANALYTICS_SHARE = 0.5;
