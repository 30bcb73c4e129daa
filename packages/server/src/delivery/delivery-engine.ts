import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Project } from "../projects/project.js";
import { type BackoffPolicy, backoffDelayMs, DEFAULT_BACKOFF } from "./backoff.js";
import { DeliveryMetrics } from "./delivery-metrics.js";
import {
  type DeliveryStore,
  type DueDestination,
  inBackfill,
  type LogEntry,
  type ParkedBatch,
} from "./delivery-types.js";
import { type DeliveryBatch, DeliveryFailure, type Destination } from "./destination.js";
import { createDestination as createRealDestination } from "./destinations/create-destination.js";
import type { DestinationConfig } from "./destinations/destination-config.js";
import { type OutboundPolicy, STRICT_OUTBOUND } from "./outbound-policy.js";
import { renderRecords } from "./render-records.js";

export interface DeliveryEngineOptions {
  /** Settings, cursors, leases and the delivery log. */
  store: DeliveryStore;
  /** The project of a destination (its resource id names archive paths and ACS records). */
  getProject(id: string): Promise<Project | undefined>;
  logger: Logger;
  /** Identity of this server in leases; default a random id per process. */
  owner?: string;
  /** How often the log is polled for new entries when nothing wakes the engine; default 250 ms. */
  pollIntervalMs?: number;
  /** Records per batch; default 500. */
  batchSize?: number;
  /** Batches per destination before another destination gets a turn; default 20. */
  batchesPerTurn?: number;
  /** Failed attempts after which a batch is parked; default 8. */
  maxAttempts?: number;
  /**
   * How long a lease lasts without renewal; default 10 s. While a destination is worked on, its lease is
   * renewed every third of this (also during a slow delivery), and a delivery whose lease was lost is
   * abandoned, so a takeover never overlaps with a batch still in flight here.
   */
  leaseMs?: number;
  /** Longest wait for one batch's delivery (a webhook's own `timeoutMs` may be shorter); default 70 s. */
  deliveryTimeoutMs?: number;
  backoff?: BackoffPolicy;
  /** Destinations worked on at once; default 4. */
  concurrency?: number;
  now?: () => number;
  /** Where counters go; default a fresh set. */
  metrics?: DeliveryMetrics;
  /** Which addresses destinations may connect to; default the strict policy (no allow-list). */
  outbound?: OutboundPolicy;
  /** Injectable for tests of the engine's own logic. */
  createDestination?: (config: DestinationConfig) => Promise<Destination>;
}

interface Connection {
  configJson: string;
  destination: Destination;
}

/**
 * Moves stored surveys and events from the delivery log to every configured destination, at least once
 * and in commit order per destination. Each server runs one engine; a destination is worked on by one
 * server at a time (a lease in the store, renewed before each batch and fencing every cursor update), so
 * several servers sharing a PostgreSQL database never deliver the same batch concurrently.
 *
 * A failing batch is retried with exponential backoff and jitter; after `maxAttempts` failures, or at
 * once when the destination says retrying cannot help, it is parked (kept with its error for an operator
 * to retry) and the destination moves on, so one poisoned batch cannot block everything behind it.
 */
export class DeliveryEngine {
  readonly owner: string;
  readonly metrics: DeliveryMetrics;
  /** Aborts deliveries in flight when the engine stops, so shutdown does not wait for slow destinations. */
  private readonly stopping = new AbortController();
  private readonly opts: Required<
    Omit<DeliveryEngineOptions, "owner" | "store" | "getProject" | "logger" | "metrics">
  >;
  private readonly connections = new Map<string, Connection>();
  private timer: NodeJS.Timeout | undefined;
  private timerDueAt = 0;
  private running: Promise<void> | undefined;
  private wakeRequested = false;
  private started = false;
  private stopped = false;

  constructor(private readonly options: DeliveryEngineOptions) {
    this.owner = options.owner ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
    this.metrics = options.metrics ?? new DeliveryMetrics();
    this.opts = {
      pollIntervalMs: options.pollIntervalMs ?? 250,
      batchSize: options.batchSize ?? 500,
      batchesPerTurn: options.batchesPerTurn ?? 20,
      maxAttempts: options.maxAttempts ?? 8,
      leaseMs: options.leaseMs ?? 10_000,
      deliveryTimeoutMs: options.deliveryTimeoutMs ?? 70_000,
      backoff: options.backoff ?? DEFAULT_BACKOFF,
      concurrency: options.concurrency ?? 4,
      now: options.now ?? Date.now,
      outbound: options.outbound ?? STRICT_OUTBOUND,
      createDestination:
        options.createDestination ??
        ((config: DestinationConfig) => createRealDestination(config, options.outbound ?? STRICT_OUTBOUND)),
    };
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.schedule(0);
  }

  /** New entries were committed: look soon instead of at the next poll. */
  notify(): void {
    if (!this.started || this.stopped) return;
    if (this.running) this.wakeRequested = true;
    else this.schedule(5);
  }

  /** Finish the batches in flight, release leases and connections. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.stopping.abort();
    await this.running;
    const store = this.options.store;
    // Released leases let another server take over at once instead of after the lease expires.
    await store.releaseAll(this.owner).catch(() => {});
    await Promise.all([...this.connections.values()].map((c) => c.destination.close().catch(() => {})));
    this.connections.clear();
  }

  /** Run one pass over every due destination; resolves when it is done (for tests and `stop`). */
  async runOnce(): Promise<void> {
    const due = await this.options.store.dueDestinations(this.owner, this.opts.now());
    let more = false;
    const queue = [...due];
    const worker = async () => {
      for (let d = queue.shift(); d; d = queue.shift()) {
        if (this.stopped) break;
        if (await this.work(d).catch((error) => this.logFailure(d, error))) more = true;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.concurrency, queue.length) }, worker));
    await this.closeRemoved(due);
    if (more) this.wakeRequested = true;
  }

  /**
   * Run a pass after `delayMs`, unless one is already due sooner: at a steady stream of commits a notify
   * every millisecond must not keep pushing the pass back (it once starved delivery for up to a second).
   */
  private schedule(delayMs: number): void {
    const dueAt = performance.now() + delayMs;
    if (this.timer !== undefined && this.timerDueAt <= dueAt) return;
    clearTimeout(this.timer);
    this.timerDueAt = dueAt;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.runOnce()
        .catch((error) => this.options.logger.error({ err: error }, "delivery pass failed"))
        .finally(() => {
          this.running = undefined;
          if (this.stopped) return;
          const again = this.wakeRequested;
          this.wakeRequested = false;
          this.schedule(again ? 0 : this.opts.pollIntervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }

  /**
   * Take the lease, or renew it unless this server's lease is still fresh (skipping the write saves a
   * durable commit per pass; nobody else can hold a lease that has not expired). `d` is read just before.
   */
  private async claim(d: DueDestination, force = false): Promise<boolean> {
    const now = this.opts.now();
    const fresh = d.leaseOwner === this.owner && d.leaseUntilMs - now > (this.opts.leaseMs * 2) / 3;
    if (fresh && !force) return true;
    return this.options.store.claim(d.id, this.owner, now, this.opts.leaseMs);
  }

  /**
   * Deliver what a destination has waiting; true when it has more than one turn's worth. The state is read
   * again first: the pass's list may be stale by now (another server, a backfill, a pause).
   */
  private async work(listed: DueDestination): Promise<boolean> {
    const d = await this.options.store.destination(listed.id);
    if (!d || d.paused || !(await this.claim(d))) return false;
    const lease = new AbortController();
    let renewedAt = this.opts.now();
    // Renews during slow deliveries too. A failed or refused renewal aborts the delivery before the lease
    // can expire, so another server taking over never overlaps with a batch still in flight here.
    const heartbeat = setInterval(() => {
      this.options.store.claim(d.id, this.owner, this.opts.now(), this.opts.leaseMs).then(
        (held) => {
          if (held) renewedAt = this.opts.now();
          else lease.abort();
        },
        () => {
          if (this.opts.now() - renewedAt > (this.opts.leaseMs * 2) / 3) lease.abort();
        },
      );
    }, this.opts.leaseMs / 3);
    heartbeat.unref();
    try {
      return await this.workLeased(d, lease.signal);
    } catch (error) {
      // Anything but a delivery failure (the destination cannot be created, the store hiccups): record it
      // and back off like a failed delivery, so it shows in the status instead of looping silently.
      await this.recordTrouble(d, error).catch(() => {});
      return false;
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async workLeased(d: DueDestination, lease: AbortSignal): Promise<boolean> {
    const store = this.options.store;
    const project = await this.options.getProject(d.projectId);
    if (!project) return false;
    const destination = await this.connect(d);
    if (d.parkedRetryWaiting) await this.retryParked(d, destination, project.resourceId, lease);
    if (this.opts.now() < d.nextAttemptAtMs) return false;
    const state = { cursor: d.cursorSeq, failedAttempts: d.failedAttempts };
    for (let turn = 0; turn < this.opts.batchesPerTurn; turn++) {
      if (this.stopped || lease.aborted) return false;
      const entries = await store.readLog(
        d.projectId,
        d.categories,
        { afterSeq: state.cursor },
        this.opts.batchSize,
      );
      if (entries.length === 0) return false;
      const outcome = await this.deliverEntries(d, state, destination, project.resourceId, entries, lease);
      if (outcome !== "delivered") return false;
      state.cursor = (entries.at(-1) as LogEntry).seq;
      state.failedAttempts = 0;
    }
    return true;
  }

  /**
   * Deliver one batch and record the outcome; "lost" when the cursor moved meanwhile (another server, a
   * backfill) — the next pass starts again from wherever the cursor is then.
   */
  private async deliverEntries(
    d: DueDestination,
    state: { cursor: number; failedAttempts: number },
    destination: Destination,
    resourceId: string,
    entries: readonly LogEntry[],
    lease: AbortSignal,
  ): Promise<"delivered" | "failed" | "lost"> {
    const store = this.options.store;
    const first = (entries[0] as LogEntry).seq;
    const last = (entries.at(-1) as LogEntry).seq;
    const batch: DeliveryBatch = {
      id: `${d.id}:${first}-${last}`,
      projectId: d.projectId,
      resourceId,
      // A backfill skips what it does not select; the cursor still moves past the whole batch.
      records: await renderRecords(
        store,
        d.projectId,
        resourceId,
        d.format,
        entries.filter((e) => inBackfill(d, e)),
      ),
    };
    const started = this.opts.now();
    try {
      if (batch.records.length > 0) await destination.deliver(batch, this.deliverySignal(lease));
    } catch (error) {
      // Cut short by shutdown or a lost lease: not the destination's fault; delivered again later.
      if (this.stopping.signal.aborted || lease.aborted) return "lost";
      return this.recordFailure(d, state, batch, { fromSeq: first, toSeq: last }, error);
    }
    const now = this.opts.now();
    this.metrics.delivered(d.type, batch.records, now, now - started);
    const range = { fromCursor: state.cursor, toSeq: last };
    return (await store.markDelivered(d.id, this.owner, range, batch.records.length, now))
      ? "delivered"
      : "lost";
  }

  private async recordFailure(
    d: DueDestination,
    state: { cursor: number; failedAttempts: number },
    batch: DeliveryBatch,
    range: { fromSeq: number; toSeq: number },
    error: unknown,
  ): Promise<"failed" | "lost"> {
    const store = this.options.store;
    const message = failureMessage(error);
    const attempts = state.failedAttempts + 1;
    const now = this.opts.now();
    this.metrics.failed(d.type);
    const hopeless = error instanceof DeliveryFailure && !error.retryable;
    if (hopeless || attempts >= this.opts.maxAttempts) {
      this.options.logger.warn(
        { destination: d.id, type: d.type, batch: batch.id, attempts, error: message },
        "delivery batch parked",
      );
      const parked = await store.park(d.id, this.owner, state.cursor, {
        id: randomUUID(),
        destinationId: d.id,
        ...range,
        records: batch.records.length,
        attempts,
        error: message,
        parkedAtMs: now,
      });
      this.metrics.parked(d.type);
      return parked ? "failed" : "lost";
    }
    const next = now + backoffDelayMs(attempts, this.opts.backoff);
    this.options.logger.info(
      { destination: d.id, type: d.type, batch: batch.id, attempts, retryInMs: next - now, error: message },
      "delivery failed; will retry",
    );
    return (await store.markFailed(d.id, this.owner, message, attempts, next, now)) ? "failed" : "lost";
  }

  /** A failure outside a delivery (the destination could not be created, the store failed): back off. */
  private async recordTrouble(d: DueDestination, error: unknown): Promise<void> {
    const message = failureMessage(error);
    const attempts = d.failedAttempts + 1;
    const now = this.opts.now();
    this.metrics.failed(d.type);
    this.options.logger.error(
      { err: error, destination: d.id, type: d.type, attempts },
      "delivery turn failed",
    );
    const next = now + backoffDelayMs(attempts, this.opts.backoff);
    await this.options.store.markFailed(d.id, this.owner, message, attempts, next, now);
  }

  /** Re-deliver one parked batch an operator asked to retry. */
  private async retryParked(
    d: DueDestination,
    destination: Destination,
    resourceId: string,
    lease: AbortSignal,
  ): Promise<void> {
    const store = this.options.store;
    const parked: ParkedBatch | undefined = await store.nextParkedRetry(d.id);
    if (!parked) return;
    const entries = await store.readLog(
      d.projectId,
      d.categories,
      { afterSeq: parked.fromSeq - 1, toSeq: parked.toSeq },
      Number.MAX_SAFE_INTEGER,
    );
    const selected = entries.filter((e) => inBackfill(d, e));
    const records = await renderRecords(store, d.projectId, resourceId, d.format, selected);
    const batch: DeliveryBatch = {
      id: `${d.id}:${parked.fromSeq}-${parked.toSeq}`,
      projectId: d.projectId,
      resourceId,
      records,
    };
    try {
      if (records.length > 0) await destination.deliver(batch, this.deliverySignal(lease));
      await store.resolveParked(parked.id);
      this.metrics.delivered(d.type, records, this.opts.now(), 0);
    } catch (error) {
      if (this.stopping.signal.aborted || lease.aborted) return;
      await store.refailParked(parked.id, failureMessage(error), this.opts.now());
    }
  }

  private deliverySignal(lease: AbortSignal): AbortSignal {
    return AbortSignal.any([AbortSignal.timeout(this.opts.deliveryTimeoutMs), this.stopping.signal, lease]);
  }

  private async connect(d: DueDestination): Promise<Destination> {
    const configJson = JSON.stringify(d.config);
    const existing = this.connections.get(d.id);
    if (existing && existing.configJson === configJson) return existing.destination;
    if (existing) await existing.destination.close().catch(() => {});
    const destination = await this.opts.createDestination(d.config);
    this.connections.set(d.id, { configJson, destination });
    return destination;
  }

  /** Close connections of destinations that were deleted or paused. */
  private async closeRemoved(due: readonly DueDestination[]): Promise<void> {
    const live = new Set(due.map((d) => d.id));
    for (const [id, c] of this.connections) {
      if (live.has(id)) continue;
      this.connections.delete(id);
      await c.destination.close().catch(() => {});
    }
  }

  private logFailure(d: DueDestination, error: unknown): boolean {
    this.options.logger.error({ err: error, destination: d.id, type: d.type }, "delivery turn failed");
    return false;
  }
}

/** A destination's error as an operator-readable line; never a stack, never a payload. */
export function failureMessage(error: unknown): string {
  if (error instanceof DeliveryFailure) return error.message;
  if (error instanceof Error && error.name === "TimeoutError")
    return "The destination did not answer in time.";
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
