/** `aftercall alerts list|create|delete|history` against a real store, in a child process. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = resolve(fileURLToPath(new URL("../../../..", import.meta.url)));
const cliPath = join(root, "packages/server/src/cli.ts");

async function aftercall(args: string[], dataDir: string) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ["--conditions=source", "--import", "tsx", cliPath, ...args, "--data-dir", dataDir],
      { cwd: root, env: { ...process.env, DATABASE_URL: "" } },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("aftercall alerts", () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "aftercall-cli-alerts-"));
    assert.equal((await aftercall(["projects", "create", "--name", "Watched"], dataDir)).code, 0);
  });
  after(() => rm(dataDir, { recursive: true, force: true }));

  it("creates, lists and deletes a rule; refuses a bad one naming the field", async () => {
    const created = await aftercall(
      [
        "alerts",
        "create",
        "--project",
        "watched",
        "--name",
        "Audio on 2.4",
        "--category",
        "audio",
        "--filter",
        '{"appVersion":"2.4.0"}',
        "--rule",
        '{"minimumSurveys":50}',
      ],
      dataDir,
    );
    assert.equal(created.code, 0, created.stderr);
    const rule = JSON.parse(created.stdout);
    assert.deepEqual(
      [rule.name, rule.category, rule.filter, rule.minimumSurveys, rule.state.status],
      ["Audio on 2.4", "audio", { appVersion: "2.4.0" }, 50, "ok"],
    );
    const listed = JSON.parse((await aftercall(["alerts", "list", "--project", "watched"], dataDir)).stdout);
    assert.deepEqual(
      listed.map((r: { id: string }) => r.id),
      [rule.id],
    );
    const bad = await aftercall(
      ["alerts", "create", "--project", "watched", "--name", "x", "--category", "smell"],
      dataDir,
    );
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /category/);
    const notJson = await aftercall(["alerts", "create", "--project", "watched", "--rule", "{"], dataDir);
    assert.notEqual(notJson.code, 0);
    assert.match(notJson.stderr, /--rule must be a JSON object/);
    const history = await aftercall(["alerts", "history", "--project", "watched"], dataDir);
    assert.deepEqual(JSON.parse(history.stdout), []);
    const deleted = await aftercall(["alerts", "delete", "--project", "watched", "--rule", rule.id], dataDir);
    assert.equal(deleted.code, 0, deleted.stderr);
    const again = await aftercall(["alerts", "delete", "--project", "watched", "--rule", rule.id], dataDir);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /was not found/);
  });
});
