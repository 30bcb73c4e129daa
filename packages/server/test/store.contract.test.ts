/**
 * The Store contract, written once and run against every engine: SQLite (temp data directory) and
 * PostgreSQL (throwaway server from ./support/postgres.ts, one fresh database per test). Locally the
 * PostgreSQL half is skipped, with its reason, when the server binaries are missing; in CI it must run.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import {
  defaultResourceId,
  type NewProjectLike,
  type SurveyRecord,
  type SurveySubmission,
  toSurveyRecord,
  type VideoIssue,
} from "./contract-types.js";
import { submissionHash } from "../src/store/content-hash.js";
import { PostgresStore } from "../src/store/postgres/postgres-store.js";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.js";
import type { GroupOutcome, PendingSurvey, Store, SurveyGroup, SurveyQuery } from "../src/store/store.js";
import { createDatabase, type PostgresServer, postgresSkip, startPostgres } from "./support/postgres.js";
