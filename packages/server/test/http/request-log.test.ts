import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { createApp } from "../../src/app.js";
import { createLogger } from "../../src/logger.js";
import { MIGRATIONS } from "../../src/migrations.js";
import { createProject } from "../../src/projects/manage-projects.js";
import { SqliteEngine } from "../../src/store/sqlite/sqlite-database.js";
import { survey } from "../support/test-app.js";

describe("request logs", () => {
  it("write one JSON line per request with ids, and never survey content, keys or query strings", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).trim().split("\n"));
        done();
      },
    });
    const dir = await mkdtemp(join(tmpdir(), "aftercall-log-"));
    const db = new SqliteEngine(dir);
    await db.migrate(MIGRATIONS);
    const app = createApp({
      db,
      logger: createLogger("info", sink),
      keyCacheSeconds: 0,
      // survey() carries a fixed client time (support/seed.ts).
      clientTimeWindow: false,
    });
    try {
      const { ingestKey, adminToken } = await createProject(db, { id: "demo", name: "Demo" });
      const secretText = "my-home-address-is-42-elm-street";
      const s = survey({
        participantId: "participant-secret-7",
        overallRating: { score: 1, improvementSuggestion: secretText },
      });
      const posted = await app.fastify.inject({
        method: "POST",
        url: `/v1/surveys?key=${ingestKey.token}`,
        headers: { "content-type": "text/plain", "x-request-id": "req-123" },
        payload: JSON.stringify(s),
      });
      assert.equal(posted.statusCode, 201);
      assert.equal(posted.headers["x-request-id"], "req-123");
      await app.fastify.inject({
        method: "POST",
        url: "/v1/surveys",
        headers: { authorization: `Bearer ${ingestKey.token}`, "content-type": "application/json" },
        payload: "{oops",
      });
      await app.fastify.inject({
        method: "GET",
        url: "/v1/surveys",
        headers: { authorization: `Bearer ${adminToken.token}` },
      });

      const records = lines.map((l) => JSON.parse(l));
      const requests = records.filter((r) => r.msg === "request");
      assert.equal(requests.length, 3);
      assert.deepEqual(
        { ...requests[0], time: 0, ms: 0, pid: 0, hostname: "" },
        {
          level: 30,
          time: 0,
          pid: 0,
          hostname: "",
          service: "aftercall",
          requestId: "req-123",
          method: "POST",
          route: "/v1/surveys",
          status: 201,
          ms: 0,
          projectId: "demo",
          surveys: 1,
          msg: "request",
        },
      );
      assert.equal(requests[1].error, "INVALID_JSON");
      const all = lines.join("\n");
      for (const secret of [
        secretText,
        "participant-secret-7",
        s.callId as string,
        ingestKey.token,
        adminToken.token,
        "key=",
      ]) {
        assert.ok(!all.includes(secret), `logs must not contain ${secret}`);
      }
    } finally {
      await app.close();
      await db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
