import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { afterEach } from "node:test";
import {
  defaultResourceId,
  type SurveyRecord,
  type SurveySubmission,
  toSurveyRecord,
} from "@aftercall/schema";
import { commitSurveyGroups } from "../../src/ingest/commit.js";
import { submissionHash } from "../../src/ingest/content-hash.js";
import type { CommittedSurvey, GroupOutcome, PendingSurvey } from "../../src/ingest/pending-survey.js";
import type { NewProject } from "../../src/projects/project.js";
import { insertProject } from "../../src/projects/project-store.js";
import type { Database } from "../../src/store/database.js";
import type { SurveyQuery } from "../../src/surveys/survey-query.js";
import { listSurveys } from "../../src/surveys/survey-reads.js";
import type { MakeDatabase } from "./engines.js";

/**
 * Fixtures of the storage specifications (projects, commits, reads, events) that run on every engine:
 * projects and submissions with fresh ids, what the ingest path hands the database, and helpers that
 * check outcomes as they go.
 *
 * @module
 */

export const T0 = Date.parse("2026-03-01T12:00:00.000Z");
export const SECOND = 1000;
let seq = 0;

export function project(id: string, overrides: Partial<NewProject> = {}): NewProject {
  return {
    id,
    name: `Project ${id}`,
    allowedOrigins: [],
    requireOverallRating: true,
    resourceId: defaultResourceId(id),
    ...overrides,
  };
}

/** A valid submission with a fresh (lower-case) UUID; override anything. */
export function submission(overrides: Partial<SurveySubmission> = {}): SurveySubmission {
  seq++;
  return {
    id: randomUUID(),
    callId: `call-${seq}`,
    participantId: `participant-${seq}`,
    clientTime: "2026-03-01T12:59:58.250+01:00",
    overallRating: { score: 4 },
    ...overrides,
  };
}

/** What the ingest path hands the store: the record at `receivedAtMs` plus the submission's hash. */
export function pending(sub: SurveySubmission, projectId: string, receivedAtMs: number): PendingSurvey {
  return {
    record: toSurveyRecord(sub, { projectId, receivedAt: new Date(receivedAtMs) }),
    contentHash: submissionHash(sub),
  };
}

export function committed(outcome: GroupOutcome | undefined): CommittedSurvey[] {
  assert.ok(outcome, "missing outcome");
  assert.equal(outcome.status, "committed", `expected committed, got ${JSON.stringify(outcome)}`);
  return outcome.status === "committed" ? outcome.surveys : [];
}

export async function commitOne(db: Database, survey: PendingSurvey): Promise<CommittedSurvey> {
  const [outcome] = await commitSurveyGroups(db, [[survey]]);
  const [result] = committed(outcome);
  assert.ok(result);
  return result;
}

/** Commit each survey as its own group, all in one commit. */
export async function commitAll(db: Database, surveys: readonly PendingSurvey[]): Promise<void> {
  const outcomes = await commitSurveyGroups(
    db,
    surveys.map((s) => [s]),
  );
  for (const outcome of outcomes) assert.equal(committed(outcome)[0]?.created, true);
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Every page of a listing, checking that only the last page lacks a cursor. */
export async function listAll(db: Database, projectId: string, query: SurveyQuery, limit: number) {
  const pages: SurveyRecord[][] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await listSurveys(
      db,
      projectId,
      query,
      cursor === undefined ? { limit } : { limit, cursor },
    );
    pages.push(page.items);
    if (page.nextCursor === undefined) break;
    assert.equal(page.items.length, limit, "a page followed by another must be full");
    assert.ok(pages.length < 10_000, "pagination does not end");
    cursor = page.nextCursor;
  }
  return { pages, items: pages.flat() };
}

export const ms = (record: SurveyRecord): number => Date.parse(record.receivedAt);
export const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
export const newestFirst = (a: SurveyRecord, b: SurveyRecord): number => ms(b) - ms(a) || byId(b.id, a.id);
export const oldestFirst = (a: SurveyRecord, b: SurveyRecord): number => ms(a) - ms(b) || byId(a.id, b.id);
export const ids = (records: readonly SurveyRecord[]): string[] => records.map((r) => r.id);

/**
 * Inside a `describe`: `open(...projectIds)` gives a fresh, migrated database (closed after the test)
 * with those projects.
 */
export function freshDatabases(makeDatabase: MakeDatabase): (...projectIds: string[]) => Promise<Database> {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });
  return async (...projectIds) => {
    const { db, cleanup } = await makeDatabase();
    cleanups.push(cleanup);
    for (const id of projectIds) await insertProject(db, project(id));
    return db;
  };
}
