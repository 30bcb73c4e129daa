/**
 * A project's own rate limits and daily quotas, against real server processes on both engines: the
 * operator sets them over HTTP (project admins may only read them), bad bodies are refused naming the
 * field, the limiter applies a project's limits and only that project's, and a changed quota keeps what
 * was spent today. The CLI sets and shows the same overrides.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { onEveryEngineServer, type SecurityServer } from "../support/security-server.js";
import { survey } from "../support/test-app.js";

const OPERATOR = "operator-token-for-limits-tests-0123456789";

interface Answer {
  status: number;
  body: Record<string, unknown>;
  retryAfter: string | null;
}

async function call(
  s: SecurityServer,
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${s.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    retryAfter: res.headers.get("retry-after"),
  };
}

async function submit(s: SecurityServer, ingestKey: string): Promise<Answer> {
  const res = await fetch(`${s.url}/v1/surveys`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-aftercall-key": ingestKey },
    body: JSON.stringify(survey()),
  });
  const body = (await res.json()) as Record<string, unknown>;
  return { status: res.status, body, retryAfter: res.headers.get("retry-after") };
}

const SERVER_ENV = {
  AFTERCALL_OPERATOR_TOKEN: OPERATOR,
  AFTERCALL_RATE_LIMITS: "on",
  AFTERCALL_SURVEYS_PER_KEY: "200/2000",
  AFTERCALL_DAILY_SURVEYS_PER_PROJECT: "1000",
};

onEveryEngineServer("project_limits", (engine, start) => {
  describe(`per-project limits (${engine})`, { timeout: 180_000 }, () => {
    it("are read by the project's admins and set only by the operator, within bounds, naming the field", async () => {
      const s = await start(SERVER_ENV);
      try {
        const path = "/v1/projects/demo/limits";
        const read = await call(s, "GET", path, s.adminToken);
        assert.equal(read.status, 200, JSON.stringify(read.body));
        assert.deepEqual(read.body.overrides, {});
        assert.deepEqual(read.body.effective, {
          enabled: true,
          surveysPerKey: { perSecond: 200, burst: 2000 },
          eventsPerKey: { perSecond: 5000, burst: 50000 },
          surveysPerAddress: { perSecond: 100, burst: 1000 },
          eventsPerAddress: { perSecond: 500, burst: 5000 },
          dailySurveys: 1000,
          dailyEvents: 50_000_000,
          dimensionKeys: 50,
          dimensionValuesPerDay: 1000,
        });

        const byAdmin = await call(s, "PUT", path, s.adminToken, { dailySurveys: 10 });
        assert.equal(byAdmin.status, 403);
        assert.equal(byAdmin.body.code, "FORBIDDEN");

        const refusals: [unknown, string, string][] = [
          [{ surveysPerKey: { perSecond: 0, burst: 5 } }, "OUT_OF_RANGE", "surveysPerKey.perSecond"],
          [{ surveysPerKey: { perSecond: 5, burst: 1.5 } }, "NOT_INTEGER", "surveysPerKey.burst"],
          [{ eventsPerKey: { perSecond: 5 } }, "REQUIRED", "eventsPerKey.burst"],
          [{ eventsPerKey: { perSecond: "5", burst: 5 } }, "INVALID_TYPE", "eventsPerKey.perSecond"],
          [{ eventsPerKey: { perSecond: 5, burst: 5, window: 1 } }, "UNKNOWN_FIELD", "eventsPerKey.window"],
          [{ dailySurveys: 1e13 }, "OUT_OF_RANGE", "dailySurveys"],
          [{ dailyEvents: 0 }, "OUT_OF_RANGE", "dailyEvents"],
          [{ dimensionKeys: 0 }, "OUT_OF_RANGE", "dimensionKeys"],
          [{ dimensionValuesPerDay: 2.5 }, "NOT_INTEGER", "dimensionValuesPerDay"],
          [{ surveysPerAddress: { perSecond: 1, burst: 1 } }, "UNKNOWN_FIELD", "surveysPerAddress"],
          [[], "INVALID_TYPE", ""],
        ];
        for (const [body, code, field] of refusals) {
          const refused = await call(s, "PUT", path, OPERATOR, body);
          assert.equal(refused.status, 400, JSON.stringify(body));
          assert.equal(refused.body.code, "VALIDATION_FAILED");
          const issues = refused.body.errors as { code: string; path: string; message: string }[];
          assert.deepEqual([issues[0]?.code, issues[0]?.path], [code, field], JSON.stringify(issues));
          if (field) assert.match(String(refused.body.message), new RegExp(field.replace(".", "\\.")));
        }
        const missing = await call(s, "PUT", "/v1/projects/nope/limits", OPERATOR, { dailySurveys: 5 });
        assert.equal(missing.status, 404);
        assert.equal(missing.body.code, "NOT_FOUND");

        const set = await call(s, "PUT", path, OPERATOR, {
          surveysPerKey: { perSecond: 2.5, burst: 30 },
          dailyEvents: 123_456,
          dimensionValuesPerDay: 20,
        });
        assert.equal(set.status, 200, JSON.stringify(set.body));
        assert.deepEqual(set.body.overrides, {
          surveysPerKey: { perSecond: 2.5, burst: 30 },
          dailyEvents: 123_456,
          dimensionValuesPerDay: 20,
        });
        const effective = set.body.effective as Record<string, unknown>;
        assert.deepEqual(
          [
            effective.surveysPerKey,
            effective.dailySurveys,
            effective.dailyEvents,
            effective.dimensionKeys,
            effective.dimensionValuesPerDay,
          ],
          [{ perSecond: 2.5, burst: 30 }, 1000, 123_456, 50, 20],
        );
        // The project itself shows its overrides; `{}` removes them.
        const project = await call(s, "GET", "/v1/projects/demo", s.adminToken);
        assert.deepEqual(project.body.limits, set.body.overrides);
        const cleared = await call(s, "PUT", path, OPERATOR, {});
        assert.deepEqual(cleared.body.overrides, {});
        assert.deepEqual((cleared.body.effective as Record<string, unknown>).surveysPerKey, {
          perSecond: 200,
          burst: 2000,
        });
      } finally {
        await s.stop();
      }
    });

    it("limit the project's own key and quota, not another project's", async () => {
      const s = await start(SERVER_ENV);
      try {
        const other = await call(s, "POST", "/v1/projects", OPERATOR, { id: "other", name: "Other" });
        assert.equal(other.status, 201, JSON.stringify(other.body));
        const otherKey = (other.body.ingestKey as { token: string }).token;

        const set = await call(s, "PUT", "/v1/projects/demo/limits", OPERATOR, {
          surveysPerKey: { perSecond: 0.01, burst: 4 },
        });
        assert.equal(set.status, 200);
        for (let i = 0; i < 4; i++) assert.equal((await submit(s, s.ingestKey)).status, 201, `survey ${i}`);
        const limited = await submit(s, s.ingestKey);
        assert.equal(limited.status, 429);
        assert.equal(limited.body.code, "RATE_LIMITED");
        assert.ok(Number(limited.retryAfter) >= 1, `Retry-After ${limited.retryAfter}`);
        // The other project has the server's limits (a burst of 2000).
        for (let i = 0; i < 8; i++) assert.equal((await submit(s, otherKey)).status, 201, `other ${i}`);

        // A daily quota on the other project; raising it lets the project go on at once, spent stays spent.
        await call(s, "PUT", "/v1/projects/other/limits", OPERATOR, { dailySurveys: 11 });
        for (let i = 0; i < 3; i++) assert.equal((await submit(s, otherKey)).status, 201, `quota ${i}`);
        const over = await submit(s, otherKey);
        assert.equal(over.status, 429);
        assert.equal(over.body.code, "QUOTA_EXCEEDED");
        assert.match(String(over.body.message), /\(11\)/);
        await call(s, "PUT", "/v1/projects/other/limits", OPERATOR, { dailySurveys: 13 });
        // Refusals are remembered locally for at most a second.
        await new Promise((r) => setTimeout(r, 1_100));
        assert.equal((await submit(s, otherKey)).status, 201);
        assert.equal((await submit(s, otherKey)).status, 201);
        assert.equal(
          (await submit(s, otherKey)).status,
          429,
          "13 surveys today: the raised quota is used up",
        );
      } finally {
        await s.stop();
      }
    });
  });
});

describe("aftercall projects limits", () => {
  const root = resolve(fileURLToPath(new URL("../../../..", import.meta.url)));
  const cliPath = join(root, "packages/server/src/cli.ts");
  const run = promisify(execFile);
  const aftercall = async (args: string[], dataDir: string) => {
    try {
      const { stdout, stderr } = await run(
        process.execPath,
        ["--conditions=source", "--import", "tsx", cliPath, ...args, "--data-dir", dataDir],
        { cwd: root, env: { ...process.env, DATABASE_URL: "", AFTERCALL_DAILY_EVENTS_PER_PROJECT: "777" } },
      );
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  it("sets, shows and refuses overrides like the API", { timeout: 120_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "aftercall-cli-limits-"));
    try {
      assert.equal((await aftercall(["projects", "create", "--name", "Limited"], dataDir)).code, 0);
      const set = await aftercall(
        ["projects", "limits", "--project", "limited", "--set", '{"dailySurveys":5000}'],
        dataDir,
      );
      assert.equal(set.code, 0, set.stderr);
      const shown = await aftercall(["projects", "limits", "--project", "limited"], dataDir);
      const view = JSON.parse(shown.stdout) as {
        overrides: unknown;
        effective: { dailySurveys: number; dailyEvents: number };
      };
      assert.deepEqual(view.overrides, { dailySurveys: 5000 });
      assert.deepEqual([view.effective.dailySurveys, view.effective.dailyEvents], [5000, 777]);
      const bad = await aftercall(
        ["projects", "limits", "--project", "limited", "--set", '{"dailySurveys":-1}'],
        dataDir,
      );
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /dailySurveys must be from 1/);
      const notJson = await aftercall(["projects", "limits", "--project", "limited", "--set", "{"], dataDir);
      assert.equal(notJson.code, 2);
      assert.match(notJson.stderr, /--set must be JSON/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
