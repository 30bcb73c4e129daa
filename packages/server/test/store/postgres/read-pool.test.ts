/**
 * On PostgreSQL, dashboard reads have their own small pool: while every read connection is stuck, surveys
 * still commit, and no more than `readConnections` backends ever serve reads.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { defaultResourceId, toSurveyRecord } from "@aftercall/schema";
import postgres from "postgres";
import { countEvents } from "../../../src/events/survey-events.js";
import { commitSurveyGroups } from "../../../src/ingest/commit.js";
import { submissionHash } from "../../../src/ingest/content-hash.js";
import { MIGRATIONS } from "../../../src/migrations.js";
import { insertProject } from "../../../src/projects/project-store.js";
import { PostgresEngine } from "../../../src/store/postgres/postgres-database.js";
import { listSurveys } from "../../../src/surveys/survey-reads.js";
import { createSchema, type PostgresServer, postgresSkip, startPostgres } from "../../support/postgres.js";

describe("PostgreSQL read pool", { skip: postgresSkip() }, () => {
  let server: PostgresServer;
  let url: string;
  let db: PostgresEngine;
  let admin: postgres.Sql;

  before(async () => {
    server = await startPostgres();
    url = await createSchema(server.url, "read_pool");
    db = new PostgresEngine(url, { max: 2, readConnections: 2 });
    await db.migrate(MIGRATIONS);
    await insertProject(db, {
      id: "p",
      name: "p",
      allowedOrigins: [],
      requireOverallRating: true,
      resourceId: defaultResourceId("p"),
    });
    admin = postgres(server.url, { max: 1, onnotice: () => {} });
  });
  after(async () => {
    await db?.close();
    await admin?.end({ timeout: 5 });
    await server?.stop();
  });

  const readBackends = async () =>
    (
      await admin<Array<{ state: string; waiting: boolean }>>`
        SELECT state, wait_event_type = 'Lock' AS waiting FROM pg_stat_activity
        WHERE application_name = 'aftercall-reads'`
    ).map((r) => (r.waiting ? "waiting" : r.state));

  it("commits surveys while every read connection waits, and never opens a third", async () => {
    const blocker = postgres(url, { max: 1, onnotice: () => {} });
    const reserved = await blocker.reserve();
    let reads: Array<Promise<unknown>> = [];
    try {
      // Holding this lock stalls every read of lifecycle events (the response rate), and nothing else.
      await reserved.unsafe("BEGIN");
      await reserved.unsafe("LOCK TABLE survey_events IN ACCESS EXCLUSIVE MODE");
      reads = Array.from({ length: 6 }, () => countEvents(db, "p"));
      for (let i = 0; i < 100 && (await readBackends()).filter((s) => s === "waiting").length < 2; i++)
        await sleep(50);
      assert.deepEqual(await readBackends(), ["waiting", "waiting"]);

      const submission = {
        id: crypto.randomUUID(),
        callId: "call-1",
        participantId: "participant-1",
        clientTime: new Date().toISOString(),
        overallRating: { score: 4 },
      };
      const record = toSurveyRecord(submission, { projectId: "p", receivedAt: new Date() });
      const commit = commitSurveyGroups(db, [[{ record, contentHash: submissionHash(submission) }]]);
      const outcome = await Promise.race([commit, sleep(5000).then(() => "timed out")]);
      assert.notEqual(outcome, "timed out", "a commit waited for the read pool");
      assert.deepEqual(
        await readBackends(),
        ["waiting", "waiting"],
        "the four other reads queue in the pool",
      );
    } finally {
      await reserved.unsafe("COMMIT");
      reserved.release();
      await blocker.end({ timeout: 5 });
    }
    const counts = await Promise.all(reads);
    assert.equal(counts.length, 6);
    assert.equal((await listSurveys(db, "p", {}, { limit: 10 })).items.length, 1);
  });
});
