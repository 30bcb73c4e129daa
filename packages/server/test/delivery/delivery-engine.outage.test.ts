/**
 * Nothing lost on the way out: for every destination type, against its real system, a whole server
 * (child process) keeps accepting surveys while the destination is down, and delivers every one of them
 * once it is back; then the server is killed with SIGKILL while delivering and restarted, and again every
 * acknowledged survey arrives (at least once — receivers de-duplicate on ids).
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { DELIVERY_TARGETS, type DeliveryTarget, formatOf, surveyIdOf } from "../support/delivery-targets.js";
import { killAllServerProcesses, type ServerProcess, startServerProcess } from "../support/server-process.js";
import { OPERATOR_TOKEN, survey } from "../support/test-app.js";

after(() => killAllServerProcesses());

interface Keys {
  ingestKey: string;
  adminToken: string;
}

async function submit(server: ServerProcess, keys: Keys, n: number): Promise<string[]> {
  const bodies = Array.from({ length: n }, () => survey({ audioRating: { score: 1, issues: ["Echo"] } }));
  await Promise.all(
    bodies.map(async (body) => {
      const res = await fetch(`${server.url}/v1/surveys`, {
        method: "POST",
        headers: { authorization: `Bearer ${keys.ingestKey}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 201, await res.text());
    }),
  );
  return bodies.map((b) => String(b.id));
}

/** Admin calls use the operator token: only the operator may configure a directory destination. */
async function admin(server: ServerProcess, _keys: Keys, method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${OPERATOR_TOKEN}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Wait until every id has arrived at least once; fail with what is missing. */
async function untilDelivered(
  target: DeliveryTarget,
  ids: readonly string[],
  timeoutMs = 45_000,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const records = await target.records().catch(() => [] as unknown[]);
    const wrongFormat = records.filter((r) => formatOf(r) !== target.format);
    assert.deepEqual(wrongFormat, [], `records not in the destination's ${target.format} format`);
    const arrived = records.map(surveyIdOf);
    const seen = new Set(arrived);
    const missing = ids.filter((id) => !seen.has(id));
    if (missing.length === 0) return arrived;
    if (Date.now() > deadline)
      assert.fail(`${missing.length} of ${ids.length} surveys never reached the ${target.type} destination`);
    await sleep(200);
  }
}

const serverEnv = {
  AFTERCALL_DELIVERY_POLL_MS: "50",
  AFTERCALL_LOG_LEVEL: "warn",
  AFTERCALL_OPERATOR_TOKEN: OPERATOR_TOKEN,
};

for (const { type, skip, start } of DELIVERY_TARGETS) {
  describe(`delivery to ${type} through outages`, { skip: skip() }, () => {
    it("delivers every survey after the destination comes back and after the server is killed mid-delivery", async () => {
      const target = await start();
      const dataDir = await mkdtemp(join(tmpdir(), `aftercall-outage-${type}-`));
      let server = await startServerProcess({ dataDir, env: serverEnv });
      try {
        const keys = server.firstProject as Keys;
        assert.ok(keys, "the first start creates the demo project");
        const base = "/v1/projects/demo/diagnostic-settings";
        // The setting's default format is the other one: the destination's own format must win.
        const setting = await admin(server, keys, "POST", base, {
          name: `to-${type}`,
          format: target.format === "acs" ? "native" : "acs",
          destinations: { [type]: { ...target.config, format: target.format } },
        });
        assert.equal(setting.destinations[0].format, target.format);
        const sent = await submit(server, keys, 20);
        await untilDelivered(target, sent);

        // Outage: the server keeps acknowledging; the destination records its failures.
        await target.down();
        sent.push(...(await submit(server, keys, 20)));
        const deadline = Date.now() + 15_000;
        let status = (await admin(server, keys, "GET", `${base}/${setting.id}`)).destinations[0].status;
        while (status.failedAttempts === 0 && Date.now() < deadline) {
          await sleep(100);
          status = (await admin(server, keys, "GET", `${base}/${setting.id}`)).destinations[0].status;
        }
        assert.ok(status.failedAttempts >= 1, `no failed attempt recorded: ${JSON.stringify(status)}`);
        assert.equal(status.state, "retrying");
        assert.ok(status.lastError, "the error is visible");
        assert.ok(status.undelivered >= 1);
        await target.up();
        await untilDelivered(target, sent);

        // Crash: kill -9 while the engine is delivering a fresh load, then restart on the same data.
        if (target.receiver) {
          target.receiver.mode = { kind: "hang" };
          const before = target.receiver.deliveries.length;
          sent.push(...(await submit(server, keys, 30)));
          await target.receiver.waitFor(before + 1);
        } else {
          sent.push(...(await submit(server, keys, 30)));
        }
        await server.kill("SIGKILL");
        if (target.receiver) target.receiver.mode = { kind: "accept" };
        server = await startServerProcess({ dataDir, env: serverEnv });
        sent.push(...(await submit(server, keys, 10)));
        const arrived = await untilDelivered(target, sent);
        const known = new Set(sent);
        assert.deepEqual(
          arrived.filter((id) => !known.has(id)),
          [],
          "records of surveys that were never submitted",
        );
        const after = (await admin(server, keys, "GET", `${base}/${setting.id}`)).destinations[0].status;
        assert.equal(after.parkedBatches, 0);
      } finally {
        await server.stop();
        await target.dispose();
        await rm(dataDir, { recursive: true, force: true });
      }
    });
  });
}
