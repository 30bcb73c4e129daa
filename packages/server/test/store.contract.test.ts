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
  DEFAULT_SCALE,
  DEFAULT_SURVEY_CONFIG,
  defaultResourceId,
  type SurveyRecord,
  type SurveySubmission,
  toSurveyRecord,
  type VideoIssue,
} from "@aftercall/schema";
import postgres from "postgres";
import { submissionHash } from "../src/store/content-hash.js";
import { POSTGRES_MIGRATIONS } from "../src/store/migrations.js";
import { PostgresStore } from "../src/store/postgres/postgres-store.js";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.js";
import type {
  CommittedSurvey,
  GroupOutcome,
  NewProject,
  PendingSurvey,
  Store,
  SurveyGroup,
  SurveyQuery,
} from "../src/store/store.js";
import { createSchema, type PostgresServer, postgresSkip, startPostgres } from "./support/postgres.js";

type MakeStore = () => Promise<{ store: Store; cleanup(): Promise<void> }>;

// ---------------------------------------------------------------------------------------------------
// Fixtures

const T0 = Date.parse("2026-03-01T12:00:00.000Z");
const SECOND = 1000;
let seq = 0;

function project(id: string, overrides: Partial<NewProject> = {}): NewProject {
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
function submission(overrides: Partial<SurveySubmission> = {}): SurveySubmission {
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
function pending(sub: SurveySubmission, projectId: string, receivedAtMs: number): PendingSurvey {
  return {
    record: toSurveyRecord(sub, { projectId, receivedAt: new Date(receivedAtMs) }),
    contentHash: submissionHash(sub),
  };
}

function committed(outcome: GroupOutcome | undefined): CommittedSurvey[] {
  assert.ok(outcome, "missing outcome");
  assert.equal(outcome.status, "committed", `expected committed, got ${JSON.stringify(outcome)}`);
  return outcome.status === "committed" ? outcome.surveys : [];
}

async function commitOne(store: Store, survey: PendingSurvey): Promise<CommittedSurvey> {
  const [outcome] = await store.commitSurveyGroups([[survey]]);
  const [result] = committed(outcome);
  assert.ok(result);
  return result;
}

/** Commit each survey as its own group, all in one commit. */
async function commitAll(store: Store, surveys: readonly PendingSurvey[]): Promise<void> {
  const outcomes = await store.commitSurveyGroups(surveys.map((s) => [s]));
  for (const outcome of outcomes) assert.equal(committed(outcome)[0]?.created, true);
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Every page of a listing, checking that only the last page lacks a cursor. */
async function listAll(store: Store, projectId: string, query: SurveyQuery, limit: number) {
  const pages: SurveyRecord[][] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await store.listSurveys(
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

const ms = (record: SurveyRecord): number => Date.parse(record.receivedAt);
const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const newestFirst = (a: SurveyRecord, b: SurveyRecord): number => ms(b) - ms(a) || byId(b.id, a.id);
const oldestFirst = (a: SurveyRecord, b: SurveyRecord): number => ms(a) - ms(b) || byId(a.id, b.id);
const ids = (records: readonly SurveyRecord[]): string[] => records.map((r) => r.id);

// ---------------------------------------------------------------------------------------------------
// The contract

export function storeContract(name: string, makeStore: MakeStore): void {
  describe(`${name}: Store contract`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0)) await cleanup();
    });

    /** A fresh, migrated store (closed after the test) with projects `a` and `b` when asked. */
    async function open(...projectIds: string[]): Promise<Store> {
      const { store, cleanup } = await makeStore();
      cleanups.push(cleanup);
      for (const id of projectIds) await store.createProject(project(id));
      return store;
    }

    describe("migrations", () => {
      it("migrate is idempotent and leaves a working store", async () => {
        const store = await open();
        await store.migrate();
        await store.migrate();
        await store.ping();
        await store.createProject(project("a"));
        await store.migrate();
        assert.equal((await store.listProjects()).length, 1, "migrating again keeps the data");
        assert.equal(await store.countSurveys("a"), 0);
      });
    });

    describe("projects", () => {
      it("creates, gets and lists projects", async () => {
        const store = await open();
        const before = Date.now();
        const a = await store.createProject(project("a", { allowedOrigins: ["https://app.example.com"] }));
        const b = await store.createProject(
          project("b", { name: "Bee", requireOverallRating: false, resourceId: "/custom/resource" }),
        );
        assert.deepEqual(a, {
          ...project("a", { allowedOrigins: ["https://app.example.com"] }),
          surveyConfig: DEFAULT_SURVEY_CONFIG,
          createdAt: a.createdAt,
        });
        assert.ok(Date.parse(a.createdAt) >= before - 1 && Date.parse(a.createdAt) <= Date.now() + 1);
        assert.deepEqual(await store.getProject("a"), a);
        assert.deepEqual(await store.getProject("b"), b);
        assert.equal(await store.getProject("nope"), undefined);
        assert.deepEqual(await store.listProjects(), [a, b]);
      });

      it("refuses a second project with the same id", async () => {
        const store = await open("a");
        await assert.rejects(store.createProject(project("a", { name: "again" })));
        assert.equal((await store.getProject("a"))?.name, "Project a");
      });
    });

    describe("api keys", () => {
      it("creates, lists, finds by hash and revokes keys", async () => {
        const store = await open("a", "b");
        const ingest = await store.createApiKey({
          id: "key-ingest",
          projectId: "a",
          kind: "ingest",
          label: "web widget",
          prefix: "ac_pub_12",
          tokenHash: "hash-ingest",
          token: "ac_pub_1234567890",
        });
        const admin = await store.createApiKey({
          id: "key-admin",
          projectId: "a",
          kind: "admin",
          label: "ops",
          prefix: "ac_sec_98",
          tokenHash: "hash-admin",
        });
        const other = await store.createApiKey({
          id: "key-other",
          projectId: "b",
          kind: "ingest",
          label: "",
          prefix: "ac_pub_55",
          tokenHash: "hash-other",
          token: "ac_pub_5555",
        });

        assert.equal(ingest.token, "ac_pub_1234567890", "ingest keys are public and keep their token");
        assert.deepEqual(ingest, {
          id: "key-ingest",
          projectId: "a",
          kind: "ingest",
          label: "web widget",
          prefix: "ac_pub_12",
          token: "ac_pub_1234567890",
          createdAt: ingest.createdAt,
        });
        assert.equal("token" in admin, false, "admin tokens are never returned");
        assert.equal("revokedAt" in admin, false);

        const listed = await store.listApiKeys("a");
        assert.deepEqual(
          [...listed].sort((x, y) => byId(x.id, y.id)),
          [admin, ingest],
        );
        assert.ok(
          listed.every((k) => k.kind === "ingest" || !("token" in k)),
          "no admin secret in lists",
        );
        assert.deepEqual(await store.listApiKeys("b"), [other]);
        assert.deepEqual(await store.listApiKeys("nope"), []);

        assert.deepEqual(await store.findApiKeyByHash("hash-ingest"), ingest);
        const foundAdmin = await store.findApiKeyByHash("hash-admin");
        assert.deepEqual(foundAdmin, admin);
        assert.equal(foundAdmin && "token" in foundAdmin, false);
        assert.equal(
          await store.findApiKeyByHash("ac_pub_1234567890"),
          undefined,
          "found by hash, not token",
        );
        assert.equal(await store.findApiKeyByHash("nope"), undefined);

        assert.equal(
          await store.revokeApiKey("b", "key-ingest"),
          false,
          "keys are revoked within their project",
        );
        assert.ok(await store.findApiKeyByHash("hash-ingest"));
        assert.equal(await store.revokeApiKey("a", "key-ingest"), true);
        assert.equal(await store.revokeApiKey("a", "key-ingest"), false, "already revoked");
        assert.equal(await store.revokeApiKey("a", "missing"), false);
        assert.equal(
          await store.findApiKeyByHash("hash-ingest"),
          undefined,
          "a revoked key no longer authenticates",
        );
        assert.deepEqual(await store.findApiKeyByHash("hash-admin"), admin, "other keys are unaffected");

        const revoked = (await store.listApiKeys("a")).find((k) => k.id === "key-ingest");
        assert.ok(revoked?.revokedAt, "revoked keys stay listed with revokedAt");
        assert.ok(Date.parse(revoked.revokedAt) >= Date.parse(ingest.createdAt));
        assert.deepEqual({ ...revoked, revokedAt: undefined }, { ...ingest, revokedAt: undefined });
      });

      it("refuses a second key with the same token hash", async () => {
        const store = await open("a");
        const key = {
          id: "k1",
          projectId: "a",
          kind: "admin" as const,
          label: "",
          prefix: "p",
          tokenHash: "same",
        };
        await store.createApiKey(key);
        await assert.rejects(store.createApiKey({ ...key, id: "k2" }));
      });
    });

    describe("commitSurveyGroups", () => {
      it("stores a new survey and reads back the same record", async () => {
        const store = await open("a");
        const sub = submission({
          appVersion: "3.2.1",
          platform: "web",
          browser: "Firefox 140",
          sdkVersion: "0.1.0",
          dimensions: { region: "eu-west", tier: "pro" },
          overallRating: {
            score: 2,
            issues: ["HadToRejoin", "OtherIssues"],
            improvementSuggestion: "Fewer drops, please.",
          },
          audioRating: { score: 5 },
          videoRating: { score: 1, issues: ["Freezes"] },
          screenshareRating: { score: 3, issues: [], improvementSuggestion: "" },
        });
        const survey = pending(sub, "a", T0);
        const outcomes = await store.commitSurveyGroups([[survey]]);
        assert.deepEqual(outcomes, [
          { status: "committed", surveys: [{ created: true, record: survey.record }] },
        ]);
        assert.deepEqual(await store.getSurvey("a", sub.id), survey.record);
        assert.equal(await store.countSurveys("a"), 1);
        assert.equal(await store.getSurvey("a", randomUUID()), undefined);
      });

      it("answers a retry with the same content from the original record", async () => {
        const store = await open("a");
        const sub = submission({ audioRating: { score: 2, issues: ["Echo"] } });
        const first = pending(sub, "a", T0);
        assert.deepEqual(await commitOne(store, first), { created: true, record: first.record });

        const retry = await commitOne(store, pending(sub, "a", T0 + 60 * SECOND));
        assert.deepEqual(retry, { created: false, record: first.record });
        assert.equal(retry.record.receivedAt, new Date(T0).toISOString(), "the original receivedAt is kept");

        // The same content spelled differently (explicit default scale, empty lists) is still a retry.
        const respelled: SurveySubmission = {
          ...sub,
          overallRating: { score: 4, scale: { ...DEFAULT_SCALE }, issues: [] },
          dimensions: {},
        };
        assert.equal(submissionHash(respelled), submissionHash(sub));
        assert.deepEqual(await commitOne(store, pending(respelled, "a", T0 + 120 * SECOND)), {
          created: false,
          record: first.record,
        });
        assert.deepEqual(await store.getSurvey("a", sub.id), first.record);
        assert.equal(await store.countSurveys("a"), 1);
      });

      it("refuses the same id with other content and writes nothing of that group", async () => {
        const store = await open("a");
        const original = submission({ overallRating: { score: 5 } });
        const stored = pending(original, "a", T0);
        await commitOne(store, stored);

        const changed = pending({ ...original, overallRating: { score: 1 } }, "a", T0 + SECOND);
        const before = pending(submission(), "a", T0 + SECOND);
        const behind = pending(submission(), "a", T0 + SECOND);
        const independent = pending(submission(), "a", T0 + SECOND);
        const outcomes = await store.commitSurveyGroups([[before, changed, behind], [independent]]);

        assert.deepEqual(outcomes[0], { status: "conflict", conflictingIds: [original.id] });
        assert.deepEqual(outcomes[1], {
          status: "committed",
          surveys: [{ created: true, record: independent.record }],
        });
        assert.equal(
          await store.getSurvey("a", before.record.id),
          undefined,
          "nothing of a conflicting group is written",
        );
        assert.equal(
          await store.getSurvey("a", behind.record.id),
          undefined,
          "nothing of a conflicting group is written",
        );
        assert.deepEqual(
          await store.getSurvey("a", original.id),
          stored.record,
          "the stored survey is unchanged",
        );
        assert.deepEqual(await store.getSurvey("a", independent.record.id), independent.record);
        assert.equal(await store.countSurveys("a"), 2);
      });

      it("stores an id repeated across the groups of one commit once", async () => {
        const store = await open("a");
        const sub = submission();
        const first = pending(sub, "a", T0);
        const again = pending(sub, "a", T0 + SECOND);
        const other = pending(submission(), "a", T0 + SECOND);
        const outcomes = await store.commitSurveyGroups([[first], [again, other]]);
        assert.deepEqual(outcomes, [
          { status: "committed", surveys: [{ created: true, record: first.record }] },
          {
            status: "committed",
            surveys: [
              { created: false, record: first.record },
              { created: true, record: other.record },
            ],
          },
        ]);
        assert.equal(await store.countSurveys("a"), 2);
        assert.deepEqual(await store.getSurvey("a", sub.id), first.record);
      });

      it("stores an id repeated inside one group once", async () => {
        const store = await open("a");
        const survey = pending(submission(), "a", T0);
        const outcomes = await store.commitSurveyGroups([[survey, survey]]);
        assert.deepEqual(outcomes, [
          {
            status: "committed",
            surveys: [
              { created: true, record: survey.record },
              { created: false, record: survey.record },
            ],
          },
        ]);
        assert.equal(await store.countSurveys("a"), 1);
      });

      it("answers retries and stores new surveys in the same commit", async () => {
        const store = await open("a");
        const stored = [pending(submission(), "a", T0), pending(submission(), "a", T0)];
        await commitAll(store, stored);
        const [one, two] = stored as [PendingSurvey, PendingSurvey];
        const fresh = [pending(submission(), "a", T0 + SECOND), pending(submission(), "a", T0 + SECOND)];
        const [x, y] = fresh as [PendingSurvey, PendingSurvey];
        const retryOne = {
          ...one,
          record: { ...one.record, receivedAt: new Date(T0 + SECOND).toISOString() },
        };
        const retryTwo = {
          ...two,
          record: { ...two.record, receivedAt: new Date(T0 + SECOND).toISOString() },
        };
        const outcomes = await store.commitSurveyGroups([[retryOne], [x], [y, retryTwo]]);
        assert.deepEqual(outcomes, [
          { status: "committed", surveys: [{ created: false, record: one.record }] },
          { status: "committed", surveys: [{ created: true, record: x.record }] },
          {
            status: "committed",
            surveys: [
              { created: true, record: y.record },
              { created: false, record: two.record },
            ],
          },
        ]);
        assert.equal(await store.countSurveys("a"), 4);
        assert.deepEqual(await store.getSurvey("a", one.record.id), one.record);
        assert.deepEqual(await store.getSurvey("a", y.record.id), y.record);
      });

      it("round-trips text with quotes, backslashes, braces, commas, NULL and empty strings", async () => {
        const store = await open("a");
        const awkward = [
          'say "hi"',
          "back\\slash \\",
          "{braces}, {a,b}",
          "NULL",
          "null",
          "",
          " ",
          "line\nbreak\ttab\r",
          "Écho, «latence» — 🎧 ١٢٣",
          "'single' quotes; -- not a comment",
        ];
        const subs = awkward.map((text, i) =>
          submission({
            callId: text || "call",
            participantId: `${text}-${i}`,
            appVersion: text,
            overallRating: { score: 3, improvementSuggestion: text },
            dimensions: { note: text, "k.2": `${text}"` },
          }),
        );
        const surveys = subs.map((sub) => pending(sub, "a", T0));
        await commitAll(store, surveys);
        for (const survey of surveys) {
          assert.deepEqual(await store.getSurvey("a", survey.record.id), survey.record);
        }
        // And a retry of each is recognised as the same content.
        const outcomes = await store.commitSurveyGroups(subs.map((sub) => [pending(sub, "a", T0 + SECOND)]));
        for (const [i, outcome] of outcomes.entries()) {
          assert.deepEqual(committed(outcome), [{ created: false, record: surveys[i]?.record }]);
        }
      });

      it("makes a later group of the same commit a conflict when it changes an earlier group's survey", async () => {
        const store = await open("a");
        const sub = submission({ overallRating: { score: 3 } });
        const first = pending(sub, "a", T0);
        const changed = pending({ ...sub, overallRating: { score: 2 } }, "a", T0);
        const companion = pending(submission(), "a", T0);
        const outcomes = await store.commitSurveyGroups([[first], [companion, changed]]);
        assert.deepEqual(outcomes, [
          { status: "committed", surveys: [{ created: true, record: first.record }] },
          { status: "conflict", conflictingIds: [sub.id] },
        ]);
        assert.deepEqual(await store.getSurvey("a", sub.id), first.record);
        assert.equal(await store.getSurvey("a", companion.record.id), undefined);
        assert.equal(await store.countSurveys("a"), 1);
      });

      it("commits nothing when a survey names an unknown project", async () => {
        const store = await open("a");
        const good = pending(submission(), "a", T0);
        const orphan = pending(submission(), "missing-project", T0);
        await assert.rejects(store.commitSurveyGroups([[good], [orphan]]));
        assert.equal(await store.countSurveys("a"), 0, "the commit is one transaction");
        assert.equal(await store.getSurvey("a", good.record.id), undefined);
      });

      it("accepts empty commits and empty groups", async () => {
        const store = await open("a");
        assert.deepEqual(await store.commitSurveyGroups([]), []);
        assert.deepEqual(await store.commitSurveyGroups([[]]), [{ status: "committed", surveys: [] }]);
        assert.equal(await store.countSurveys("a"), 0);
      });

      it("keeps the surveys of each project apart, allowing the same id in both", async () => {
        const store = await open("a", "b");
        const shared = submission();
        const inA = pending(shared, "a", T0);
        const inB = pending({ ...shared, overallRating: { score: 1 } }, "b", T0 + SECOND);
        const onlyA = pending(submission(), "a", T0 + 2 * SECOND);
        assert.equal((await commitOne(store, inA)).created, true);
        assert.equal(
          (await commitOne(store, inB)).created,
          true,
          "the same id in another project is no conflict",
        );
        await commitOne(store, onlyA);

        assert.deepEqual(await store.getSurvey("a", shared.id), inA.record);
        assert.deepEqual(await store.getSurvey("b", shared.id), inB.record);
        assert.equal(await store.getSurvey("b", onlyA.record.id), undefined);
        assert.equal(await store.countSurveys("a"), 2);
        assert.equal(await store.countSurveys("b"), 1);
        assert.equal(await store.countSurveys("nope"), 0);
        assert.deepEqual((await store.listSurveys("b", {}, { limit: 10 })).items, [inB.record]);
        assert.deepEqual((await store.listSurveys("a", {}, { limit: 10 })).items, [onlyA.record, inA.record]);
        assert.deepEqual(await collect(store.exportSurveys("b", {})), [inB.record]);
        assert.deepEqual((await store.listSurveys("nope", {}, { limit: 10 })).items, []);
      });

      it("round-trips mixed custom scales", async () => {
        const store = await open("a");
        const sub = submission({
          overallRating: { score: 7, scale: { lowerBound: 0, upperBound: 10, lowScoreThreshold: 4 } },
          audioRating: { score: 0, scale: { lowerBound: 0, upperBound: 1, lowScoreThreshold: 0 } },
          videoRating: { score: 100, scale: { lowerBound: 0, upperBound: 100, lowScoreThreshold: 50 } },
          screenshareRating: { score: 50, scale: { lowerBound: 0, upperBound: 100, lowScoreThreshold: 50 } },
        });
        const survey = pending(sub, "a", T0);
        await commitOne(store, survey);
        const stored = await store.getSurvey("a", sub.id);
        assert.deepEqual(stored, survey.record);
        assert.deepEqual(stored?.ratings.overall, {
          score: 7,
          scale: { lowerBound: 0, upperBound: 10, lowScoreThreshold: 4 },
          issues: [],
          normalizedScore: 0.7,
          poor: false,
        });
        assert.equal(stored?.ratings.audio?.poor, true);
        assert.equal(stored?.ratings.audio?.normalizedScore, 0);
        assert.equal(stored?.ratings.video?.normalizedScore, 1);
        assert.equal(stored?.ratings.screenshare?.poor, true, "at the threshold is poor");
        assert.deepEqual((await store.listSurveys("a", {}, { limit: 1 })).items, [survey.record]);
        assert.deepEqual(await collect(store.exportSurveys("a", {})), [survey.record]);
        assert.deepEqual(await collect(store.exportSurveys("a", { poor: ["audio"] })), [survey.record]);
        assert.deepEqual(await collect(store.exportSurveys("a", { poor: ["overall", "video"] })), []);
      });
    });

    describe("listSurveys", () => {
      /** 25 surveys, three per second so that receivedAt ties are broken by id, committed in shuffled order. */
      async function seed25(store: Store): Promise<SurveyRecord[]> {
        const surveys = Array.from({ length: 25 }, (_, i) =>
          pending(submission(), "a", T0 + Math.floor(i / 3) * SECOND),
        );
        await commitAll(store, [...surveys].reverse());
        return surveys.map((s) => s.record).sort(newestFirst);
      }

      it("pages newest first, covering every survey exactly once", async () => {
        const store = await open("a");
        const expected = await seed25(store);

        const { pages, items } = await listAll(store, "a", {}, 10);
        assert.deepEqual(
          pages.map((p) => p.length),
          [10, 10, 5],
        );
        assert.deepEqual(ids(items), ids(expected));
        assert.deepEqual(items, expected);

        const byFive = await listAll(store, "a", {}, 5);
        assert.deepEqual(
          byFive.pages.map((p) => p.length),
          [5, 5, 5, 5, 5],
          "no empty page after an exact fit",
        );
        assert.deepEqual(ids(byFive.items), ids(expected));

        const one = await store.listSurveys("a", {}, { limit: 25 });
        assert.equal(one.items.length, 25);
        assert.equal(one.nextCursor, undefined);
        assert.deepEqual(ids((await listAll(store, "a", {}, 1)).items), ids(expected));
      });

      it("filters by receivedAt: fromMs inclusive, toMs exclusive", async () => {
        const store = await open("a");
        const expected = await seed25(store);
        const from = T0 + 2 * SECOND;
        const to = T0 + 5 * SECOND;
        const within = (lo: number, hi: number) => expected.filter((r) => ms(r) >= lo && ms(r) < hi);

        assert.deepEqual((await listAll(store, "a", { fromMs: from }, 4)).items, within(from, Infinity));
        assert.deepEqual((await listAll(store, "a", { toMs: to }, 4)).items, within(-Infinity, to));
        const both = (await listAll(store, "a", { fromMs: from, toMs: to }, 4)).items;
        assert.deepEqual(both, within(from, to));
        assert.equal(both.length, 9, "three seconds of three surveys");
        assert.deepEqual((await store.listSurveys("a", { fromMs: to, toMs: to }, { limit: 10 })).items, []);
      });

      it("filters by poor rating in any of the given categories", async () => {
        const store = await open("a");
        const poorOverall = pending(submission({ overallRating: { score: 1 } }), "a", T0);
        const poorAudio = pending(submission({ audioRating: { score: 2 } }), "a", T0 + SECOND);
        const poorVideo = pending(
          submission({
            videoRating: { score: 30, scale: { lowerBound: 0, upperBound: 100, lowScoreThreshold: 40 } },
          }),
          "a",
          T0 + 2 * SECOND,
        );
        const fine = pending(
          submission({ audioRating: { score: 3 }, videoRating: { score: 5 } }),
          "a",
          T0 + 3 * SECOND,
        );
        const unrated = pending(submission({ overallRating: { score: 5 } }), "a", T0 + 4 * SECOND);
        await commitAll(store, [poorOverall, poorAudio, poorVideo, fine, unrated]);
        const list = async (query: SurveyQuery) =>
          ids((await store.listSurveys("a", query, { limit: 100 })).items);

        assert.deepEqual(await list({ poor: ["audio"] }), [poorAudio.record.id]);
        assert.deepEqual(await list({ poor: ["audio", "video"] }), [
          poorVideo.record.id,
          poorAudio.record.id,
        ]);
        assert.deepEqual(await list({ poor: ["overall"] }), [poorOverall.record.id]);
        assert.deepEqual(await list({ poor: ["screenshare"] }), []);
        assert.equal((await list({ poor: [] })).length, 5, "an empty list does not filter");
        assert.deepEqual(
          ids(await collect(store.exportSurveys("a", { poor: ["overall", "audio", "video"] }))),
          [poorOverall, poorAudio, poorVideo].map((s) => s.record.id),
        );
      });

      it("filters by exact issue tag within its category", async () => {
        const store = await open("a");
        const at = (i: number) => T0 + i * SECOND;
        const low = pending(submission({ videoRating: { score: 2, issues: ["LowQuality"] } }), "a", at(0));
        const lowX = pending(
          submission({ videoRating: { score: 2, issues: ["LowQualityX" as VideoIssue] } }),
          "a",
          at(1),
        );
        const lowLast = pending(
          submission({ videoRating: { score: 2, issues: ["Freezes", "LowQuality"] } }),
          "a",
          at(2),
        );
        const lowMiddle = pending(
          submission({ videoRating: { score: 1, issues: ["NoVideoSent", "LowQuality", "Freezes"] } }),
          "a",
          at(3),
        );
        const shareFreezes = pending(
          submission({ screenshareRating: { score: 1, issues: ["Freezes"] } }),
          "a",
          at(4),
        );
        const shareLowVideoFreezes = pending(
          submission({
            screenshareRating: { score: 1, issues: ["LowQuality"] },
            videoRating: { score: 1, issues: ["Freezes"] },
          }),
          "a",
          at(5),
        );
        const noTags = pending(submission({ videoRating: { score: 5 } }), "a", at(6));
        await commitAll(store, [low, lowX, lowLast, lowMiddle, shareFreezes, shareLowVideoFreezes, noTags]);
        const list = async (query: SurveyQuery) => ids((await listAll(store, "a", query, 2)).items);
        const newest = (...surveys: PendingSurvey[]) => ids(surveys.map((s) => s.record).sort(newestFirst));

        assert.deepEqual(
          await list({ tag: { category: "video", tag: "LowQuality" } }),
          newest(low, lowLast, lowMiddle),
        );
        // Only catalogue tags can be asked for, so LIKE wildcards or near-miss names never match.
        await assert.rejects(
          () => list({ tag: { category: "video", tag: "LowQualityX" } }),
          /not an issue tag of category video/,
        );
        assert.deepEqual(
          await list({ tag: { category: "video", tag: "Freezes" } }),
          newest(lowLast, lowMiddle, shareLowVideoFreezes),
        );
        assert.deepEqual(
          await list({ tag: { category: "screenshare", tag: "Freezes" } }),
          newest(shareFreezes),
        );
        assert.deepEqual(
          await list({ tag: { category: "screenshare", tag: "LowQuality" } }),
          newest(shareLowVideoFreezes),
        );
        await assert.rejects(
          () => list({ tag: { category: "video", tag: "Low%" } }),
          /not an issue tag of category video/,
        );
        assert.deepEqual(await list({ tag: { category: "video", tag: "NoVideoReceived" } }), []);
        await assert.rejects(
          () => list({ tag: { category: "audio", tag: "LowQuality" } }),
          /not an issue tag of category audio/,
        );
        assert.deepEqual(
          ids(await collect(store.exportSurveys("a", { tag: { category: "video", tag: "LowQuality" } }))),
          ids([low, lowLast, lowMiddle].map((s) => s.record)),
        );
      });

      it("rejects an unknown rating category", async () => {
        const store = await open("a");
        await assert.rejects(
          store.listSurveys("a", { poor: ["overall; DROP TABLE surveys" as "overall"] }, { limit: 1 }),
          RangeError,
        );
      });

      it("filters by callId and participantId, combined with AND", async () => {
        const store = await open("a");
        const s1 = pending(submission({ callId: "call-x", participantId: "alice" }), "a", T0);
        const s2 = pending(
          submission({ callId: "call-x", participantId: "bob", audioRating: { score: 1 } }),
          "a",
          T0 + SECOND,
        );
        const s3 = pending(submission({ callId: "call-y", participantId: "alice" }), "a", T0 + 2 * SECOND);
        const s4 = pending(
          submission({ callId: "call-x-2", participantId: "alice-2" }),
          "a",
          T0 + 3 * SECOND,
        );
        await commitAll(store, [s1, s2, s3, s4]);
        const list = async (query: SurveyQuery) =>
          ids((await store.listSurveys("a", query, { limit: 100 })).items);

        assert.deepEqual(await list({ callId: "call-x" }), [s2.record.id, s1.record.id]);
        assert.deepEqual(await list({ participantId: "alice" }), [s3.record.id, s1.record.id]);
        assert.deepEqual(await list({ callId: "call-x", participantId: "alice" }), [s1.record.id]);
        assert.deepEqual(await list({ callId: "call-x", poor: ["audio"] }), [s2.record.id]);
        assert.deepEqual(await list({ callId: "call-x", fromMs: T0 + SECOND }), [s2.record.id]);
        assert.deepEqual(await list({ callId: "call-y", participantId: "bob" }), []);
        assert.deepEqual(await list({ callId: "call" }), [], "exact match, not prefix");
      });
    });

    describe("exportSurveys", () => {
      it("yields every matching survey oldest first, across chunk boundaries", async () => {
        const store = await open("a", "b");
        const count = 2345;
        // Seven surveys per millisecond, so chunk boundaries fall inside receivedAt ties; every third is poor.
        const surveys = Array.from({ length: count }, (_, i) =>
          pending(submission({ audioRating: { score: i % 3 === 0 ? 1 : 4 } }), "a", T0 + Math.floor(i / 7)),
        );
        const shuffled = [...surveys].sort((x, y) => byId(x.contentHash, y.contentHash));
        // One commit of more than 1000 surveys, in batches of 500 like the batch endpoint.
        const groups: SurveyGroup[] = [];
        for (let i = 0; i < shuffled.length; i += 500) groups.push(shuffled.slice(i, i + 500));
        const outcomes = await store.commitSurveyGroups(groups);
        assert.equal(outcomes.length, 5);
        assert.ok(outcomes.every((o) => o.status === "committed" && o.surveys.every((s) => s.created)));
        await commitOne(store, pending(submission(), "b", T0));

        assert.equal(await store.countSurveys("a"), count);
        const expected = surveys.map((s) => s.record).sort(oldestFirst);
        const exported = await collect(store.exportSurveys("a", {}));
        assert.equal(exported.length, count);
        assert.deepEqual(ids(exported), ids(expected));
        assert.deepEqual(exported, expected);

        const poor = await collect(store.exportSurveys("a", { poor: ["audio"] }));
        assert.deepEqual(ids(poor), ids(expected.filter((r) => r.ratings.audio?.poor)));
        assert.equal(poor.length, Math.ceil(count / 3));

        const window = await collect(store.exportSurveys("a", { fromMs: T0 + 100, toMs: T0 + 250 }));
        assert.deepEqual(ids(window), ids(expected.filter((r) => ms(r) >= T0 + 100 && ms(r) < T0 + 250)));

        const listed = await listAll(store, "a", {}, 1000);
        assert.deepEqual(
          listed.pages.map((p) => p.length),
          [1000, 1000, 345],
        );
        assert.deepEqual(ids(listed.items), ids([...expected].reverse()));
      });

      it("yields nothing for a project without surveys", async () => {
        const store = await open("a");
        assert.deepEqual(await collect(store.exportSurveys("a", {})), []);
        assert.deepEqual(await store.listSurveys("a", {}, { limit: 10 }), { items: [] });
      });
    });

    describe("survey configuration", () => {
      it("starts with the defaults and stores a replacement", async () => {
        const store = await open("a", "b");
        assert.deepEqual((await store.getProject("a"))?.surveyConfig, DEFAULT_SURVEY_CONFIG);
        const config = {
          ...DEFAULT_SURVEY_CONFIG,
          sampleRate: 0.1,
          scales: { audio: { lowerBound: 0, upperBound: 1, lowScoreThreshold: 0 } },
        };
        assert.equal(await store.updateSurveyConfig("a", config), true);
        assert.deepEqual((await store.getProject("a"))?.surveyConfig, config);
        assert.deepEqual((await store.getProject("b"))?.surveyConfig, DEFAULT_SURVEY_CONFIG);
        assert.equal(await store.updateSurveyConfig("nope", config), false);
      });
    });

    describe("lifecycle events", () => {
      const event = (type: "shown" | "dismissed" | "submitted") => ({
        id: randomUUID(),
        type,
        callId: "c",
        participantId: "p",
        clientTime: "2026-11-01T00:00:00Z",
        ...(type === "submitted" ? { surveyId: randomUUID() } : {}),
      });

      it("stores events once per id and counts them by type and time", async () => {
        const store = await open("a", "b");
        const shown = [event("shown"), event("shown"), event("shown")];
        assert.equal(await store.recordEvents("a", [...shown, event("submitted")], 1_000), 4);
        assert.equal(
          await store.recordEvents("a", [shown[0] as (typeof shown)[number], event("dismissed")], 2_000),
          1,
        );
        assert.deepEqual(await store.countEvents("a"), { shown: 3, dismissed: 1, submitted: 1 });
        assert.deepEqual(await store.countEvents("a", { fromMs: 1_500 }), {
          shown: 0,
          dismissed: 1,
          submitted: 0,
        });
        assert.deepEqual(await store.countEvents("a", { toMs: 1_500 }), {
          shown: 3,
          dismissed: 0,
          submitted: 1,
        });
        assert.deepEqual(await store.countEvents("b"), { shown: 0, dismissed: 0, submitted: 0 });
        // The same event id in another project is another event.
        assert.equal(await store.recordEvents("b", shown, 3_000), 3);
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------------
// Engines

storeContract("SqliteStore", async () => {
  const dir = await mkdtemp(join(tmpdir(), "aftercall-sqlite-"));
  const store = new SqliteStore(dir);
  return {
    store,
    async cleanup() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

// Throws in CI when the binaries are missing, so the PostgreSQL half can never be skipped there.
const skipPostgres = postgresSkip();

describe("PostgresStore", () => {
  if (skipPostgres) {
    // Counted as a skipped test, with its reason, so a local run shows what it did not check.
    it("Store contract and concurrency", { skip: skipPostgres }, () => {});
    return;
  }
  let server: PostgresServer | undefined;
  let schemas = 0;
  /** A fresh, empty schema of the test database, as a URL; much cheaper than a database per test. */
  const freshSchema = async () => {
    assert.ok(server, "server not started");
    return createSchema(server.url, `contract_${++schemas}`);
  };

  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.stop();
  });

  storeContract("PostgresStore", async () => {
    const store = new PostgresStore(await freshSchema(), { max: 4 });
    await store.migrate();
    return { store, cleanup: () => store.close() };
  });

  describe("several servers on one database", () => {
    const opened: PostgresStore[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });
    const openMany = (url: string, n: number) => {
      const stores = Array.from({ length: n }, () => new PostgresStore(url, { max: 4 }));
      opened.push(...stores);
      return stores;
    };

    it("migrate from several servers at once applies each migration once", async () => {
      // The server's own fresh database, default schema: the way production starts.
      assert.ok(server);
      const url = server.url;
      const stores = openMany(url, 4);
      await Promise.all(stores.map((s) => s.migrate()));
      await Promise.all(stores.map((s) => s.migrate()));
      const sql = postgres(url, { max: 1, onnotice: () => {} });
      try {
        const rows = await sql<
          Array<{ version: number }>
        >`SELECT version FROM schema_migrations ORDER BY version`;
        assert.deepEqual(
          rows.map((r) => r.version),
          POSTGRES_MIGRATIONS.map((m) => m.version),
        );
      } finally {
        await sql.end({ timeout: 5 });
      }
      const [first] = stores;
      assert.ok(first);
      await first.createProject(project("a"));
      await commitOne(first, pending(submission(), "a", T0));
    });

    it("racing commits of the same surveys store each once and agree on the stored record", async () => {
      const url = await freshSchema();
      const stores = openMany(url, 3);
      const [first] = stores;
      assert.ok(first);
      await first.migrate();
      await first.createProject(project("a"));

      const subs = Array.from({ length: 60 }, () => submission());
      const results: CommittedSurvey[] = [];
      // Every store commits every survey, in overlapping batches, at different receivedAt, all at once.
      await Promise.all(
        stores.flatMap((store, s) =>
          [0, 20, 40].map(async (offset) => {
            const batch = subs.slice(offset, offset + 30).map((sub) => pending(sub, "a", T0 + s * SECOND));
            const outcomes = await store.commitSurveyGroups(batch.map((p) => [p]));
            for (const outcome of outcomes) results.push(...committed(outcome));
          }),
        ),
      );

      assert.equal(await first.countSurveys("a"), subs.length);
      for (const sub of subs) {
        const stored = await first.getSurvey("a", sub.id);
        assert.ok(stored);
        const answers = results.filter((r) => r.record.id === sub.id);
        assert.equal(answers.filter((r) => r.created).length, 1, "exactly one commit created each survey");
        for (const answer of answers)
          assert.deepEqual(answer.record, stored, "every answer carries the stored record");
      }
    });

    it("racing commits of one id with different content: one stores it, the other gets a conflict", async () => {
      const url = await freshSchema();
      const [first, second] = openMany(url, 2) as [PostgresStore, PostgresStore];
      await first.migrate();
      await first.createProject(project("a"));
      for (let round = 0; round < 10; round++) {
        const sub = submission({ overallRating: { score: 5 } });
        const mine = pending(sub, "a", T0);
        const theirs = pending({ ...sub, overallRating: { score: 1 } }, "a", T0 + SECOND);
        const [[a], [b]] = await Promise.all([
          first.commitSurveyGroups([[mine]]),
          second.commitSurveyGroups([[theirs]]),
        ]);
        const outcomes = [a, b];
        const winners = outcomes.filter((o) => o?.status === "committed");
        assert.equal(winners.length, 1, JSON.stringify(outcomes));
        assert.ok(outcomes.some((o) => o?.status === "conflict" && o.conflictingIds[0] === sub.id));
        const stored = await first.getSurvey("a", sub.id);
        assert.deepEqual(committed(winners[0])[0], { created: true, record: stored });
      }
    });
  });
});
