/**
 * Background writers (the rollup folder, the retention sweeper, outbox pruning) size their batches by how
 * long they take rather than by a fixed count. On SQLite a batch's transaction runs on the event loop and
 * holds the write lock, so a request arriving meanwhile waits for all of it; what a row costs varies
 * tenfold with the store's size, the disk and the rollups a survey touches, so a count that suits one
 * store holds up the next one's requests for tens of milliseconds.
 *
 * @module
 */

/** How long one batch should take, commit included: a request arriving meanwhile waits about this long. */
export const DEFAULT_BATCH_TARGET_MS = 8;

/**
 * The next batch's size from how long the last full one took: scaled by target / took, at most doubled
 * or halved per batch, within [`min`, `max`]. A batch that found fewer rows than asked says nothing about
 * what a full one costs, so it leaves the size alone.
 */
export class BatchSizer {
  constructor(
    private current: number,
    private readonly targetMs: number = DEFAULT_BATCH_TARGET_MS,
    private readonly min = 5,
    private readonly max = 1_000,
  ) {}

  get size(): number {
    return this.current;
  }

  took(ms: number, rows: number): void {
    if (rows < this.current) return;
    const factor = Math.min(2, Math.max(0.5, this.targetMs / Math.max(ms, 0.1)));
    this.current = Math.round(Math.min(this.max, Math.max(this.min, this.current * factor)));
  }
}
