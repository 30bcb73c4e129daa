import type { Dialect } from "./database.js";

/**
 * Migration 16 (with the rate buckets' capacity): one row that readiness checks write and commit, so
 * `/readyz` knows the store can still commit, not only answer (see `store-health.ts`).
 */
export function storeProbeTable({ bigint, text }: Dialect): string[] {
  return [`CREATE TABLE store_probe (id ${text} PRIMARY KEY, stamp ${bigint} NOT NULL)`];
}
