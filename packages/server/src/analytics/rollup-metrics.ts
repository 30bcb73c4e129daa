import { Gauge, type Registry } from "prom-client";
import type { Database } from "../store/database.js";
import { rollupLag } from "./rollup-folder.js";

/**
 * Prometheus gauges of how far the rollups trail the committed surveys, per project (read from the store
 * at scrape time, so every server reports the whole cluster): surveys not yet folded, and the age of the
 * oldest of them by its receive time (0 when caught up). While they trail, analytics still count them,
 * from their raw rows.
 */
export function registerRollupMetrics(registry: Registry, db: Database, now: () => number = Date.now): void {
  let read: { at: number; lag: ReturnType<typeof rollupLag> } | undefined;
  const snapshot = () => {
    if (!read || now() - read.at > 200) read = { at: now(), lag: rollupLag(db) };
    return read.lag;
  };
  new Gauge({
    name: "aftercall_rollup_unfolded_surveys",
    help: "Committed surveys not yet folded into the analytics rollups, per project.",
    labelNames: ["project"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const l of await snapshot()) this.set({ project: l.projectId }, l.unfolded);
    },
  });
  new Gauge({
    name: "aftercall_rollup_lag_seconds",
    help: "Age of the oldest survey not yet folded into the rollups (by its receive time), per project; absent when caught up.",
    labelNames: ["project"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const l of await snapshot())
        this.set({ project: l.projectId }, Math.max(0, now() - l.oldestUnfoldedAtMs) / 1000);
    },
  });
}
