import type { GroupOutcome, Store, SurveyGroup } from "../store/store.js";

interface Waiting {
  group: SurveyGroup;
  resolve(outcome: GroupOutcome): void;
  reject(error: unknown): void;
}

export interface GroupCommitterOptions {
  /** Most surveys committed in one transaction. */
  maxSurveys?: number;
}

/**
 * Commits concurrent submissions together. Requests that arrive while a commit is in flight (or within
 * the same event-loop turn) wait and go into the next transaction, so one fsync acknowledges many
 * surveys and durability does not cap throughput. Each request's promise settles only after its own
 * transaction committed.
 */
export class GroupCommitter {
  private queue: Waiting[] = [];
  private flushing = false;
  private scheduled = false;
  private idle: Array<() => void> = [];
  private readonly maxSurveys: number;

  constructor(
    private readonly store: Pick<Store, "commitSurveyGroups">,
    options: GroupCommitterOptions = {},
  ) {
    this.maxSurveys = options.maxSurveys ?? 2000;
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
    if (!this.flushing && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private schedule(): void {
    if (this.flushing || this.scheduled) return;
    this.scheduled = true;
    // setImmediate lets every request parsed in this I/O phase join the same transaction.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
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

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.queue.length > 0) {
      const batch = this.takeBatch();
      try {
        const outcomes = await this.store.commitSurveyGroups(batch.map((w) => w.group));
        for (const [i, w] of batch.entries()) w.resolve(outcomes[i] as GroupOutcome);
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
    this.flushing = false;
    for (const resolve of this.idle.splice(0)) resolve();
  }
}
