import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createLogger } from "../src/logger.js";
import { openStore, type StoreLocation } from "../src/open-store.js";
import { listApiKeys, listProjects } from "../src/projects/project-store.js";
import { type RunningServer, startServer } from "../src/server.js";
import { countSurveys, getSurvey } from "../src/surveys/survey-reads.js";
import { postgresSkip, startPostgres } from "./support/postgres.js";
import { TEST_SECRET_KEY } from "./support/secret-key.js";
import { survey } from "./support/test-app.js";

const engines: Array<{
  name: string;
  skip: string | false;
  location: () => Promise<{ location: StoreLocation; cleanup(): Promise<void> }>;
}> = [
  {
    name: "SQLite",
    skip: false,
    async location() {
      const dir = await mkdtemp(join(tmpdir(), "aftercall-server-"));
      return {
        location: { engine: "sqlite", dataDir: dir },
        cleanup: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: "PostgreSQL",
    skip: postgresSkip(),
    async location() {
      const pg = await startPostgres();
      return { location: { engine: "postgres", url: pg.url }, cleanup: () => pg.stop() };
    },
  },
];

async function start(location: StoreLocation): Promise<RunningServer> {
  return startServer(
    {
      host: "127.0.0.1",
      port: 0,
      store: location,
      logLevel: "silent",
      keyCacheSeconds: 5,
      delivery: true,
      deliveryPollMs: 250,
      // survey() carries a fixed client time (support/seed.ts).
      clientTimeWindow: false,
      ...(location.engine === "postgres" ? { secretKey: { key: TEST_SECRET_KEY, file: "" } } : {}),
    },
    createLogger("silent"),
  );
}

for (const engine of engines) {
  describe(`running server over TCP on ${engine.name}`, { skip: engine.skip }, () => {
    let env: Awaited<ReturnType<(typeof engine)["location"]>>;
    before(async () => {
      env = await engine.location();
    });
    after(() => env?.cleanup());

    it("creates a first project on an empty store and commits concurrent submissions, each exactly once", async () => {
      const server = await start(env.location);
      try {
        const key = server.firstProject?.ingestKey.token;
        assert.ok(key, "an empty store gets a demo project with an ingest key");
        const surveys = Array.from({ length: 300 }, () => survey());
        const statuses = await Promise.all(
          surveys.map(async (s) => {
            const res = await fetch(`${server.url}/v1/surveys`, {
              method: "POST",
              headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
              body: JSON.stringify(s),
            });
            await res.arrayBuffer();
            return res.status;
          }),
        );
        assert.deepEqual(new Set(statuses), new Set([201]));
        assert.equal(await countSurveys(server.db, "demo"), 300);
        // Retrying all of them concurrently stores nothing new.
        const retries = await Promise.all(
          surveys.slice(0, 50).map(async (s) => {
            const res = await fetch(`${server.url}/v1/surveys?key=${key}`, {
              method: "POST",
              body: JSON.stringify(s),
            });
            await res.arrayBuffer();
            return res.status;
          }),
        );
        assert.deepEqual(new Set(retries), new Set([200]));
        assert.equal(await countSurveys(server.db, "demo"), 300);
      } finally {
        await server.stop();
      }
    });

    it("shuts down gracefully: every request answered 2xx before stop() is stored", async () => {
      const server = await start(env.location);
      const project = (await listProjects(server.db))[0];
      assert.ok(project);
      const [ingest] = (await listApiKeys(server.db, project.id)).filter((k) => k.kind === "ingest");
      const key = ingest?.token as string;
      const acked: string[] = [];
      const outcomes = new Map<string, number>();
      let stopping: Promise<void> | undefined;
      const load = Array.from({ length: 8 }, async () => {
        for (let i = 0; i < 400; i++) {
          const s = survey();
          try {
            const res = await fetch(`${server.url}/v1/surveys`, {
              method: "POST",
              headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
              body: JSON.stringify(s),
            });
            await res.arrayBuffer();
            outcomes.set(String(res.status), (outcomes.get(String(res.status)) ?? 0) + 1);
            if (res.status === 201) acked.push(s.id as string);
            if (acked.length >= 100) stopping ??= server.stop();
            if (res.status === 503) return;
          } catch {
            outcomes.set("connection closed", (outcomes.get("connection closed") ?? 0) + 1);
            return;
          }
        }
      });
      await Promise.all(load);
      await stopping;
      assert.ok(acked.length >= 100, `acknowledged ${acked.length}`);
      const reopened = await openStore(env.location);
      try {
        for (const id of acked)
          assert.ok(await getSurvey(reopened, project.id, id), `acknowledged survey ${id} is stored`);
      } finally {
        await reopened.close();
      }
      const unexpected = [...outcomes.keys()].filter((k) => !["201", "503", "connection closed"].includes(k));
      assert.deepEqual(unexpected, [], JSON.stringify(Object.fromEntries(outcomes)));
    });
  });
}
