/**
 * Secrets that stay secret, against real server processes on both engines: destination secrets are
 * sealed in the database (also those an older version stored in clear, at the next start); a store
 * opened with another key fails at start, loudly; `aftercall secrets rotate` re-seals under a new key;
 * a stored secret never follows a changed target; the data directory, database and key files are the
 * owner's only.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { SqlDeliveryStore } from "../../src/delivery/delivery-store.js";
import { parseDestinationConfig } from "../../src/delivery/destinations/destination-config.js";
import { createProject } from "../../src/projects/manage-projects.js";
import { onEveryEngine } from "../support/engines.js";
import { TEST_SECRET_KEY } from "../support/secret-key.js";
import { killAllServerProcesses, startServerProcess } from "../support/server-process.js";
import { startTestApp } from "../support/test-app.js";
import { startWebhookReceiver } from "../support/webhook-receiver.js";

const OPERATOR = "operator-token-for-secret-tests-0123456789";
const HEADER_SECRET = "Bearer operator-only-credential-7c1e";
const HOOK_SECRET = "whsec_AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM=";
const OTHER_KEY = Buffer.alloc(32, 9).toString("base64");
const root = resolve(fileURLToPath(new URL("../../../..", import.meta.url)));
const cli = join(root, "packages/server/src/cli.ts");

after(() => killAllServerProcesses());

const mode = (path: string) => statSync(path).mode & 0o777;

async function aftercall(args: string[], env: Record<string, string>) {
  try {
    const { stderr } = await promisify(execFile)(
      process.execPath,
      ["--conditions=source", "--import", "tsx", cli, ...args],
      { cwd: root, env: { ...process.env, DATABASE_URL: "", AFTERCALL_SECRET_KEY: "", ...env } },
    );
    return { code: 0, stderr };
  } catch (error) {
    const e = error as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

onEveryEngine("secrets", (engine, makeDatabase) => {
  describe(`${engine}: secrets at rest`, () => {
    it("seals clear secrets of an older store at start, keeps them unreadable, refuses another key, rotates", async () => {
      const { db, location, cleanup } = await makeDatabase();
      try {
        // A setting as an older version stored it: the configuration in clear.
        const project = await createProject(db, { id: "sec", name: "Sec" });
        await new SqlDeliveryStore(db).createSetting(
          {
            id: "ds_old",
            projectId: project.project.id,
            name: "old",
            categories: ["CallSurvey"],
            format: "acs",
            destinations: [
              {
                id: "ds_old.webhook",
                type: "webhook",
                format: "acs",
                config: parseDestinationConfig(
                  {
                    type: "webhook",
                    url: "https://hooks.example.com/x",
                    secret: HOOK_SECRET,
                    headers: { Authorization: HEADER_SECRET },
                  },
                  "d",
                ),
              },
            ],
            nowMs: Date.now(),
          },
          5,
        );
        const stored = async () =>
          (await db.all<{ config: string }>("SELECT config FROM destinations"))
            .map((r) => String(r.config))
            .join();
        assert.ok((await stored()).includes(HEADER_SECRET), "the older store holds the secret in clear");

        const dataDir = location.engine === "sqlite" ? location.dataDir : undefined;
        const store = dataDir ? { dataDir } : { databaseUrl: (location as { url: string }).url };
        const keyEnv = dataDir ? {} : { AFTERCALL_SECRET_KEY: TEST_SECRET_KEY };
        const server = await startServerProcess({ ...store, env: { AFTERCALL_OPERATOR_TOKEN: OPERATOR } });
        const view = await fetch(`${server.url}/v1/projects/sec/diagnostic-settings/ds_old`, {
          headers: { authorization: `Bearer ${OPERATOR}` },
        });
        assert.equal(view.status, 200);
        const text = await view.text();
        assert.ok(!text.includes(HEADER_SECRET) && !text.includes(HOOK_SECRET.slice(6)));
        await server.stop();

        const sealed = await stored();
        assert.match(sealed, /^aftercall-sealed:v1:[0-9a-f]{16}:/);
        for (const secret of [HEADER_SECRET, HOOK_SECRET.slice(6), "hooks.example.com"])
          assert.ok(!sealed.includes(secret), `${secret} readable in the database`);
        if (dataDir) {
          const files = ["aftercall.sqlite", "aftercall.sqlite-wal", "aftercall.sqlite-shm"]
            .map((f) => join(dataDir, f))
            .filter(existsSync);
          for (const file of files) {
            assert.ok(!readFileSync(file).includes(HEADER_SECRET), `${file} holds the secret`);
            assert.equal(mode(file), 0o600, file);
          }
          assert.equal(mode(dataDir), 0o700);
          assert.equal(mode(join(dataDir, "secret.key")), 0o600);
        }

        // Another key: the server refuses to start, naming the problem.
        const wrong = await startServerProcess({ ...store, env: { AFTERCALL_SECRET_KEY: OTHER_KEY } }).then(
          async (s) => {
            await s.stop();
            return "started";
          },
          (error: Error) => error.message,
        );
        assert.match(wrong, /sealed with key [0-9a-f]{16}, but this server's key is [0-9a-f]{16}/);

        // Rotation re-seals under the new key; the old key then fails, the new one works.
        const newKey = join(root, `.tmp-secret-${engine}-${process.pid}.key`);
        try {
          const rotated = await aftercall(
            [
              "secrets",
              "rotate",
              "--new-key-file",
              newKey,
              ...(dataDir ? ["--data-dir", dataDir] : ["--database-url", (location as { url: string }).url]),
            ],
            keyEnv,
          );
          assert.equal(rotated.code, 0, rotated.stderr);
          assert.match(rotated.stderr, /Re-sealed 1 destination configuration/);
          assert.equal(mode(newKey), 0o600);
          const withNew = await startServerProcess({
            ...store,
            env: {
              AFTERCALL_SECRET_KEY: "",
              AFTERCALL_SECRET_KEY_FILE: newKey,
              AFTERCALL_OPERATOR_TOKEN: OPERATOR,
            },
          });
          const again = await fetch(`${withNew.url}/v1/projects/sec/diagnostic-settings/ds_old`, {
            headers: { authorization: `Bearer ${OPERATOR}` },
          });
          assert.equal(again.status, 200);
          await withNew.stop();
          const old = await startServerProcess(store).then(
            async (s) => {
              await s.stop();
              return "started";
            },
            (error: Error) => error.message,
          );
          assert.match(old, /sealed with key/);
        } finally {
          await import("node:fs/promises").then((fs) => fs.rm(newKey, { force: true }));
        }
      } finally {
        await cleanup();
      }
    });
  });
});

describe("a secret is bound to its target", () => {
  it("PATCHing a URL or servers without sending the secret again is refused, and nothing reaches the new target", async () => {
    const t = await startTestApp();
    const attacker = await startWebhookReceiver(HOOK_SECRET);
    try {
      const p = await t.addProject({ id: "bound", name: "Bound" });
      const call = (method: "POST" | "PATCH", url: string, payload: unknown, token: string) =>
        t.app.fastify.inject({
          method,
          url,
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          payload: JSON.stringify(payload),
        });
      const base = "/v1/projects/bound/diagnostic-settings";
      const created = await call(
        "POST",
        base,
        {
          name: "op",
          destinations: {
            webhook: {
              url: "https://hooks.example.com/x",
              secret: HOOK_SECRET,
              headers: { Authorization: HEADER_SECRET },
            },
            stream: { servers: ["nats://nats.example.com:4222"], token: "operator-nats-token" },
          },
        },
        "operator-token-for-tests-0123456789",
      );
      assert.equal(created.statusCode, 201, created.body);
      const id = created.json().id;
      for (const destinations of [
        { webhook: { url: attacker.url } },
        { webhook: { url: attacker.url, secret: { set: true }, headers: { Authorization: { set: true } } } },
        { webhook: { url: attacker.url, secret: HOOK_SECRET } },
        { stream: { servers: ["nats://127.0.0.1:4222"] } },
      ]) {
        const res = await call("PATCH", `${base}/${id}`, { destinations }, p.adminToken);
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(res.json().code, "SECRET_REQUIRED_FOR_NEW_TARGET", res.body);
      }
      const test = await t.app.fastify.inject({
        method: "POST",
        url: `${base}/${id}/test?destination=webhook`,
        headers: { authorization: `Bearer ${p.adminToken}` },
      });
      assert.equal(test.statusCode, 200);
      assert.equal(attacker.deliveries.length, 0);
      const headers = await call(
        "PATCH",
        `${base}/${id}`,
        {
          destinations: {
            webhook: { url: "https://hooks.example.com/x", headers: { "X-Forwarded-For": "10.0.0.1" } },
          },
        },
        p.adminToken,
      );
      assert.equal(headers.statusCode, 400);
      assert.match(headers.json().message, /headers\.X-Forwarded-For is not an allowed header/);
    } finally {
      await attacker.stop();
      await t.close();
    }
  });
});
