import { alertTables } from "./alerts/alerts-schema.js";
import { bandRollupMigration } from "./analytics/band-rollup-schema.js";
import { dimensionRollupMigration } from "./analytics/dimension-rollup-schema.js";
import { rollupMigration, rollupsOffTheCommitPath } from "./analytics/rollup-schema.js";
import { backfillColumns, deliveryTables } from "./delivery/delivery-schema.js";
import { eventTable } from "./events/events-schema.js";
import { lifecycleTables, outboxPruningColumns } from "./lifecycle/lifecycle-schema.js";
import { dimensionCapTables, rateBucketCapacity, rateLimitTables } from "./limits/limits-schema.js";
import { outboxAppendedByCommits, outboxTableV3 } from "./outbox/outbox-schema.js";
import { dataPolicyColumn, projectTables, surveyConfigColumn } from "./projects/projects-schema.js";
import type { Migration } from "./store/database.js";
import { storeProbeTable } from "./store/store-probe-schema.js";
import { surveyQualityColumns, surveyTable } from "./surveys/surveys-schema.js";

/**
 * Aftercall's schema history, in order. Each domain module owns the DDL of its tables; this list only
 * orders their changes. Released migrations are never edited: add a new one.
 */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "initial", statements: (d) => [...projectTables(d), ...surveyTable(d)] },
  {
    version: 2,
    name: "survey config and events",
    statements: (d) => [...surveyConfigColumn(d), ...eventTable(d)],
  },
  { version: 3, name: "delivery", statements: (d) => [...deliveryTables(d), ...outboxTableV3(d)] },
  { version: 4, name: "analytics rollups", statements: rollupMigration },
  { version: 5, name: "dimension rollups", statements: dimensionRollupMigration },
  {
    version: 6,
    name: "rollups and outbox off the commit path",
    statements: (d) => [...outboxAppendedByCommits(d), ...rollupsOffTheCommitPath(d)],
  },
  {
    version: 9,
    name: "data lifecycle",
    statements: (d) => [...dataPolicyColumn(d), ...lifecycleTables(d)],
  },
  {
    version: 11,
    name: "exact backfill and outbox pruning",
    statements: (d) => [...backfillColumns(d), ...outboxPruningColumns(d)],
  },
  { version: 12, name: "rate limits", statements: rateLimitTables },
  {
    version: 13,
    name: "call quality",
    statements: (d) => [...surveyQualityColumns(d), ...bandRollupMigration(d)],
  },
  { version: 14, name: "alerts", statements: alertTables },
  {
    version: 16,
    name: "rate bucket capacity and store probe",
    statements: (d) => [...rateBucketCapacity(d), ...storeProbeTable(d)],
  },
  { version: 17, name: "custom dimension caps", statements: dimensionCapTables },
];
