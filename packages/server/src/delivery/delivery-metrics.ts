import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { DeliveryStore, DestinationStatus } from "./delivery-types.js";
import type { DeliveryRecord, DestinationType } from "./destination.js";
import type { DestinationState } from "./settings.js";

const DESTINATION_LABELS = ["project", "setting", "destination", "type"] as const;

/** A registry with Node's process metrics (event-loop lag, heap, GC), prefixed `aftercall_`. */
export function processRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "aftercall_" });
  return registry;
}

/**
 * Prometheus metrics of delivery. Counters and the lag histogram are this process's; the per-destination
 * gauges are read from the store at scrape time, so every server reports the same, whole-cluster state.
 * Each app has its own registry (tests run several apps in one process).
 */
export class DeliveryMetrics {
  readonly registry: Registry;
  private readonly records: Counter;
  private readonly failures: Counter;
  private readonly parkings: Counter;
  private readonly lag: Histogram;

  /** `registry`: the app's (default: a registry of its own, with Node's process metrics). */
  constructor(registry: Registry = processRegistry()) {
    this.registry = registry;
    this.records = new Counter({
      name: "aftercall_delivery_records_total",
      help: "Records delivered by this process, per destination type.",
      labelNames: ["type"],
      registers: [this.registry],
    });
    this.failures = new Counter({
      name: "aftercall_delivery_failures_total",
      help: "Failed batch deliveries by this process, per destination type.",
      labelNames: ["type"],
      registers: [this.registry],
    });
    this.parkings = new Counter({
      name: "aftercall_delivery_parked_total",
      help: "Batches parked by this process after failing too often, per destination type.",
      labelNames: ["type"],
      registers: [this.registry],
    });
    this.lag = new Histogram({
      name: "aftercall_delivery_lag_seconds",
      help: "Time from a survey's receipt to its delivery, per destination type.",
      labelNames: ["type"],
      buckets: [
        0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60, 300, 3600,
      ],
      registers: [this.registry],
    });
  }

  delivered(type: DestinationType, records: readonly DeliveryRecord[], nowMs: number, _tookMs: number): void {
    this.records.inc({ type }, records.length);
    for (const r of records) this.lag.observe({ type }, Math.max(0, nowMs - r.timeMs) / 1000);
  }

  failed(type: DestinationType): void {
    this.failures.inc({ type });
  }

  parked(type: DestinationType): void {
    this.parkings.inc({ type });
  }

  /** Register the per-destination gauges, read from `store` at each scrape. */
  watch(store: DeliveryStore, now: () => number = Date.now): void {
    // prom-client collects all metrics of a scrape concurrently: every gauge awaits one shared read.
    let read: { at: number; rows: Promise<DestinationRow[]> } | undefined;
    const snapshot = (): Promise<DestinationRow[]> => {
      if (!read || now() - read.at > 200) read = { at: now(), rows: readDestinations(store) };
      return read.rows;
    };
    const gauge = (name: string, help: string, value: (row: DestinationRow) => number) =>
      new Gauge({
        name,
        help,
        labelNames: DESTINATION_LABELS,
        registers: [this.registry],
        async collect() {
          this.reset();
          for (const row of await snapshot()) this.set(row.labels, value(row));
        },
      });
    gauge(
      "aftercall_destination_lag_seconds",
      "Age of the oldest survey or event not yet delivered; 0 when caught up.",
      (r) =>
        r.status.oldestUndeliveredAtMs === undefined
          ? 0
          : Math.max(0, now() - r.status.oldestUndeliveredAtMs) / 1000,
    );
    gauge(
      "aftercall_destination_undelivered_records",
      "Records waiting for delivery (counted up to 100000).",
      (r) => r.status.undelivered,
    );
    gauge(
      "aftercall_destination_parked_batches",
      "Batches parked for an operator.",
      (r) => r.status.parkedBatches,
    );
    gauge(
      "aftercall_destination_parked_records",
      "Records in parked batches.",
      (r) => r.status.parkedRecords,
    );
    gauge(
      "aftercall_destination_last_success_timestamp_seconds",
      "Unix time of the last successful delivery; 0 if none.",
      (r) => (r.destination.lastSuccessAtMs ?? 0) / 1000,
    );
    gauge(
      "aftercall_destination_failed_attempts",
      "Consecutive failed attempts of the current batch.",
      (r) => r.destination.failedAttempts,
    );
    gauge("aftercall_destination_paused", "1 when an operator paused the destination.", (r) =>
      r.destination.paused ? 1 : 0,
    );
  }
}

interface DestinationRow {
  labels: Record<(typeof DESTINATION_LABELS)[number], string>;
  destination: DestinationState;
  status: DestinationStatus;
}

async function readDestinations(store: DeliveryStore): Promise<DestinationRow[]> {
  const settings = await store.allSettings();
  // One status read per destination, all at once: a scrape should not take destinations × round trips.
  return Promise.all(
    settings.flatMap((setting) =>
      setting.destinations.map(async (destination) => ({
        labels: {
          project: setting.projectId,
          setting: setting.name,
          destination: destination.id,
          type: destination.type,
        },
        destination,
        status: await store.destinationStatus(destination, setting.categories),
      })),
    ),
  );
}
