import type { Dialect } from "../store/database.js";

/**
 * Migration 12: the shared token buckets of the rate limits and daily quotas (one row per bucket, taken
 * from in small leases by every server on the store), and each project's limits (JSON; `{}` means the
 * server's defaults).
 */
export function rateLimitTables({ engine, bigint, text }: Dialect): string[] {
  const real = engine === "postgres" ? "DOUBLE PRECISION" : "REAL";
  return [
    `CREATE TABLE rate_buckets (
  bucket ${text} PRIMARY KEY,
  tokens ${real} NOT NULL,
  stamp ${bigint} NOT NULL,
  version ${bigint} NOT NULL DEFAULT 0
)`,
    "CREATE INDEX rate_buckets_stamp ON rate_buckets (stamp)",
    `ALTER TABLE projects ADD COLUMN limits ${text} NOT NULL DEFAULT '{}'`,
  ];
}

/**
 * Migration 16: each bucket remembers the capacity it was filled for, so that a project's changed limit
 * or quota moves its tokens by the difference instead of forgetting (or repeating) what was spent.
 */
export function rateBucketCapacity({ engine }: Dialect): string[] {
  const real = engine === "postgres" ? "DOUBLE PRECISION" : "REAL";
  return [`ALTER TABLE rate_buckets ADD COLUMN capacity ${real}`];
}

/**
 * Migration 17: the custom dimension caps. The keys each project has used (`dimension_keys`) and the
 * values each key has had per UTC day (`dimension_values`), so a new key or value past the project's cap
 * is folded into `(other)` in the rollups; and on each survey the dimensions the rollups count
 * (`rollup_dimensions`, JSON like `dimensions`; NULL when they are the survey's own).
 */
export function dimensionCapTables({ bigint, text }: Dialect): string[] {
  return [
    `CREATE TABLE dimension_keys (
  project_id ${text} NOT NULL,
  dimension_key ${text} NOT NULL,
  first_seen ${bigint} NOT NULL,
  PRIMARY KEY (project_id, dimension_key)
)`,
    `CREATE TABLE dimension_values (
  project_id ${text} NOT NULL,
  day ${text} NOT NULL,
  dimension_key ${text} NOT NULL,
  dimension_value ${text} NOT NULL,
  PRIMARY KEY (project_id, day, dimension_key, dimension_value)
)`,
    `ALTER TABLE surveys ADD COLUMN rollup_dimensions ${text}`,
  ];
}
