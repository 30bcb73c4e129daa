/**
 * Several servers on one PostgreSQL database: migrations applied once, and racing commits of the same
 * surveys store each exactly once and agree on the stored record (SQLite serialises writers by design).
 */
import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import postgres from "postgres";
import { commitSurveyGroups } from "../../src/ingest/commit.js";
import type { CommittedSurvey } from "../../src/ingest/pending-survey.js";
import { MIGRATIONS } from "../../src/migrations.js";
import { insertProject } from "../../src/projects/project-store.js";
import { PostgresEngine } from "../../src/store/postgres/postgres-database.js";
import { countSurveys, getSurvey } from "../../src/surveys/survey-reads.js";
import { createSchema, type PostgresServer, postgresSkip, startPostgres } from "../support/postgres.js";
import {
  commitOne,
  committed,
  pending,
  project,
  SECOND,
  submission,
  T0,
} from "../support/storage-fixtures.js";

// Throws in CI when the binaries are missing, so the PostgreSQL half can never be skipped there.
const skipPostgres = postgresSkip();

describe("commits from several servers on one PostgreSQL", () => {
  if (skipPostgres) {
    // Counted as a skipped test, with its reason, so a local run shows what it did not check.
    it("several servers on one PostgreSQL", { skip: skipPostgres }, () => {});
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

  describe("several servers on one database", () => {
    const opened: PostgresEngine[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });
    const openMany = (url: string, n: number) => {
      const dbs = Array.from({ length: n }, () => new PostgresEngine(url, { max: 4 }));
      opened.push(...dbs);
      return dbs;
    };

    it("migrate from several servers at once applies each migration once", async () => {
      // The server's own fresh database, default schema: the way production starts.
      assert.ok(server);
      const url = server.url;
      const dbs = openMany(url, 4);
      await Promise.all(dbs.map((s) => s.migrate(MIGRATIONS)));
      await Promise.all(dbs.map((s) => s.migrate(MIGRATIONS)));
      const sql = postgres(url, { max: 1, onnotice: () => {} });
      try {
        const rows = await sql<
          Array<{ version: number }>
        >`SELECT version FROM schema_migrations ORDER BY version`;
        assert.deepEqual(
          rows.map((r) => r.version),
          MIGRATIONS.map((m) => m.version),
        );
      } finally {
        await sql.end({ timeout: 5 });
      }
      const [first] = dbs;
      assert.ok(first);
      await insertProject(first, project("a"));
      await commitOne(first, pending(submission(), "a", T0));
    });

    it("racing commits of the same surveys store each once and agree on the stored record", async () => {
      const url = await freshSchema();
      const dbs = openMany(url, 3);
      const [first] = dbs;
      assert.ok(first);
      await first.migrate(MIGRATIONS);
      await insertProject(first, project("a"));

      const subs = Array.from({ length: 60 }, () => submission());
      const results: CommittedSurvey[] = [];
      // Every store commits every survey, in overlapping batches, at different receivedAt, all at once.
      await Promise.all(
        dbs.flatMap((db, s) =>
          [0, 20, 40].map(async (offset) => {
            const batch = subs.slice(offset, offset + 30).map((sub) => pending(sub, "a", T0 + s * SECOND));
            const outcomes = await commitSurveyGroups(
              db,
              batch.map((p) => [p]),
            );
            for (const outcome of outcomes) results.push(...committed(outcome));
          }),
        ),
      );

      assert.equal(await countSurveys(first, "a"), subs.length);
      for (const sub of subs) {
        const stored = await getSurvey(first, "a", sub.id);
        assert.ok(stored);
        const answers = results.filter((r) => r.record.id === sub.id);
        assert.equal(answers.filter((r) => r.created).length, 1, "exactly one commit created each survey");
        for (const answer of answers)
          assert.deepEqual(answer.record, stored, "every answer carries the stored record");
      }
    });

    it("racing commits of one id with different content: one stores it, the other gets a conflict", async () => {
      const url = await freshSchema();
      const [first, second] = openMany(url, 2) as [PostgresEngine, PostgresEngine];
      await first.migrate(MIGRATIONS);
      await insertProject(first, project("a"));
      for (let round = 0; round < 10; round++) {
        const sub = submission({ overallRating: { score: 5 } });
        const mine = pending(sub, "a", T0);
        const theirs = pending({ ...sub, overallRating: { score: 1 } }, "a", T0 + SECOND);
        const [[a], [b]] = await Promise.all([
          commitSurveyGroups(first, [[mine]]),
          commitSurveyGroups(second, [[theirs]]),
        ]);
        const outcomes = [a, b];
        const winners = outcomes.filter((o) => o?.status === "committed");
        assert.equal(winners.length, 1, JSON.stringify(outcomes));
        assert.ok(outcomes.some((o) => o?.status === "conflict" && o.conflictingIds[0] === sub.id));
        const stored = await getSurvey(first, "a", sub.id);
        assert.deepEqual(committed(winners[0])[0], { created: true, record: stored });
      }
    });
  });
});
