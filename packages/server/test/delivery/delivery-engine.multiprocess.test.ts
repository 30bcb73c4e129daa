/**
 * Two servers on one PostgreSQL database, both running the delivery engine, both taking surveys: every
 * survey reaches the webhook, and the receiver never sees two requests for the destination at the same
 * time — the lease keeps the servers from delivering it concurrently, also when the server holding it is
 * killed and the other takes over.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import postgres from "postgres";
import { generateWebhookSecret } from "../../src/delivery/destinations/webhook-signature.js";
import { surveyIdOf } from "../support/delivery-targets.js";
import { createDatabase, type PostgresServer, postgresSkip, startPostgres } from "../support/postgres.js";
import { killAllServerProcesses, type ServerProcess, startServerProcess } from "../support/server-process.js";
import { survey } from "../support/test-app.js";
import { verifyStandardWebhook } from "../support/webhook-receiver.js";

/** A receiver that takes 20 ms per request and notes whether two requests were ever in flight at once. */
async function slowReceiver(secret: string) {
  const state = { inFlight: 0, maxInFlight: 0, ids: [] as string[], batches: 0, invalid: 0 };
  const server: Server = createServer((req, res) => {
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      await sleep(20);
      const body = Buffer.concat(chunks).toString();
      if (!verifyStandardWebhook(secret, req.headers, body)) state.invalid++;
      else {
        state.batches++;
        state.ids.push(...(JSON.parse(body) as { records: unknown[] }).records.map(surveyIdOf));
      }
      state.inFlight--;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { state, url: `http://127.0.0.1:${port}/hook`, close: () => new Promise((r) => server.close(r)) };
}

after(() => killAllServerProcesses());

describe("two servers sharing PostgreSQL", { skip: postgresSkip() }, () => {
  let pg: PostgresServer | undefined;
  before(async () => {
    pg = await startPostgres();
  });
  after(() => pg?.stop());

  it("deliver every survey, never the same destination at once, and take over from a killed server", {
    timeout: 120_000,
  }, async () => {
    const url = await createDatabase((pg as PostgresServer).url, "multiprocess");
    const secret = generateWebhookSecret();
    const receiver = await slowReceiver(secret);
    const env = { AFTERCALL_DELIVERY_POLL_MS: "50", AFTERCALL_LOG_LEVEL: "warn" };
    // Started one after the other so that the first creates the demo project.
    const a = await startServerProcess({ databaseUrl: url, env });
    const servers: ServerProcess[] = [a, await startServerProcess({ databaseUrl: url, env })];
    try {
      const keys = a.firstProject as { ingestKey: string; adminToken: string };
      const created = await fetch(`${a.url}/v1/projects/demo/diagnostic-settings`, {
        method: "POST",
        headers: { authorization: `Bearer ${keys.adminToken}`, "content-type": "application/json" },
        body: JSON.stringify({
          name: "hook",
          format: "native",
          destinations: { webhook: { url: receiver.url, secret } },
        }),
      });
      assert.equal(created.status, 201, await created.text());

      const sent: string[] = [];
      const submitTo = async (server: ServerProcess, n: number) => {
        const bodies = Array.from({ length: n }, () => survey());
        await Promise.all(
          bodies.map(async (body) => {
            const res = await fetch(`${server.url}/v1/surveys`, {
              method: "POST",
              headers: { authorization: `Bearer ${keys.ingestKey}`, "content-type": "application/json" },
              body: JSON.stringify(body),
            });
            assert.equal(res.status, 201);
            sent.push(String(body.id));
          }),
        );
      };
      for (let round = 0; round < 10; round++) {
        await Promise.all([
          submitTo(servers[0] as ServerProcess, 20),
          submitTo(servers[1] as ServerProcess, 20),
        ]);
        await sleep(30);
      }
      // Kill the server holding the lease, mid-stream: the other must take over and finish.
      const sql = postgres(url, { max: 1, onnotice: () => {} });
      const [row] = await sql<Array<{ lease_owner: string | null }>>`SELECT lease_owner FROM destinations`;
      await sql.end();
      const holder = servers.find((s) => row?.lease_owner?.startsWith(`${s.pid}-`));
      assert.ok(holder, `the lease is held by one of the servers (owner ${row?.lease_owner})`);
      const survivor = servers.find((s) => s !== holder) as ServerProcess;
      await holder.kill("SIGKILL");
      for (let round = 0; round < 5; round++) await submitTo(survivor, 20);

      const deadline = Date.now() + 60_000;
      const missing = () => {
        const seen = new Set(receiver.state.ids);
        return sent.filter((id) => !seen.has(id));
      };
      while (missing().length > 0 && Date.now() < deadline) await sleep(200);
      assert.deepEqual(missing(), [], "surveys never delivered");
      assert.equal(receiver.state.maxInFlight, 1, "two deliveries to the destination were in flight at once");
      assert.equal(receiver.state.invalid, 0);
      const known = new Set(sent);
      assert.deepEqual(
        receiver.state.ids.filter((id) => !known.has(id)),
        [],
      );
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      await receiver.close();
    }
  });
});
