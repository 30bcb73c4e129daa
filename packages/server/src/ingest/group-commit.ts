import type { GroupOutcome, SurveyGroup } from "./pending-survey.js";

/** Commits groups in one durable transaction (see `commit.ts`). */
export type CommitGroups = (groups: readonly SurveyGroup[]) => Promise<GroupOutcome[]>;

interface Waiting {
  group: SurveyGroup;
  resolve(outcome: GroupOutcome): void;
  reject(error: unknown): void;
}

export interface GroupCommitterOptions {
  /** Most surveys committed in one transaction. */
  maxSurveys?: number;
  /**
   * Most transactions in flight at once (default 1). With 1, requests queue behind the commit in flight
   * and go into the next one together. More only helps a store whose commits wait on something other
   * than this thread (PostgreSQL: the round trips and the server's WAL flush); the store must then handle
   * concurrent commits of the same ids, as the PostgreSQL commit does for commits from several servers.
   */
  concurrency?: number;
}

/**
 * Commits concurrent submissions together. Requests that arrive while a commit is in flight (or within
 * the same event-loop turn) wait and go into the next transaction, so one fsync acknowledges many
 * surveys and durability does not cap throughput. Each request's promise settles only after its own
 * transaction committed.
 */
export class GroupCommitter {
  private queue: Waiting[] = [];
  private inFlight = 0;
  private scheduled = false;
  private idle: Array<() => void> = [];
  private readonly maxSurveys: number;
  private readonly concurrency: number;

  constructor(
    private readonly commitGroups: CommitGroups,
    options: GroupCommitterOptions = {},
  ) {
    this.maxSurveys = options.maxSurveys ?? 2000;
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  }

  /** Queue one request's surveys; resolves with their outcome once committed. */
  commit(group: SurveyGroup): Promise<GroupOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ group, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves when nothing is queued or in flight (used by graceful shutdown). */
  drain(): Promise<void> {
    if (this.inFlight === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private schedule(): void {
    if (this.inFlight >= this.concurrency || this.scheduled) return;
    this.scheduled = true;
    // setImmediate lets every request parsed in this I/O phase join the same transaction.
    setImmediate(() => {
      this.scheduled = false;
      this.start();
    });
  }

  /** Start transactions for the queue while there is room for them. */
  private start(): void {
    while (this.inFlight < this.concurrency && this.queue.length > 0) {
      this.inFlight++;
      void this.run(this.takeBatch());
    }
  }

  private takeBatch(): Waiting[] {
    let surveys = 0;
    let n = 0;
    while (n < this.queue.length) {
      const size = (this.queue[n] as Waiting).group.length;
      if (n > 0 && surveys + size > this.maxSurveys) break;
      surveys += size;
      n++;
    }
    return this.queue.splice(0, n);
  }

  private async run(batch: Waiting[]): Promise<void> {
    try {
      const outcomes = await this.commitGroups(batch.map((w) => w.group));
      for (const [i, w] of batch.entries()) w.resolve(outcomes[i] as GroupOutcome);
    } catch (error) {
      if (batch.length === 1) (batch[0] as Waiting).reject(error);
      // One request's data the store refuses must not fail everyone who shared its transaction:
      // commit each request on its own, so only the guilty one (or all, if the store is down) fails.
      else
        await Promise.all(
          batch.map((w) =>
            this.commitGroups([w.group]).then((o) => w.resolve(o[0] as GroupOutcome), w.reject),
          ),
        );
    }
    this.inFlight--;
    // What queued up meanwhile goes into the next transaction at once.
    this.start();
    if (this.inFlight === 0 && this.queue.length === 0) {
      for (const resolve of this.idle.splice(0)) resolve();
    }
  }
}
