/**
 * Limits on everything public, against real server processes: per address (checked before the key),
 * per ingest key (counting a batch's surveys), surveys and events on separate budgets, per-project daily
 * quotas, a trusted proxy's address header, and one shared budget across two servers on one PostgreSQL.
 */
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { after, before, describe, it } from "node:test";
import { createDatabase, type PostgresServer, postgresSkip, startPostgres } from "../support/postgres.js";
import { onEveryEngineServer } from "../support/security-server.js";
import { startServerProcess } from "../support/server-process.js";
import { survey } from "../support/test-app.js";

interface Answer {
  status: number;
  code?: string;
  retryAfter?: string;
}

/** POST a JSON body from `localAddress` (127.0.0.x are all this machine: different client addresses). */
function post(
  url: string,
  body: unknown,
  headers: Record<string, string>,
  localAddress = "127.0.0.1",
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: "POST",
        localAddress,
        headers: { "content-type": "application/json", ...headers },
        agent: false,
      },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => {
          text += c.toString();
        });
        res.on("end", () => {
          const answer: Answer = { status: res.statusCode ?? 0 };
          try {
            const code = (JSON.parse(text) as { code?: string }).code;
            if (code) answer.code = code;
          } catch {
            // a survey answer
          }
          const retryAfter = res.headers["retry-after"];
          if (retryAfter) answer.retryAfter = retryAfter;
          resolve(answer);
        });
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

const OPERATOR_TOKEN = "operator-token-for-the-rate-limit-tests";

const event = (type: string) => ({
  id: crypto.randomUUID(),
  type,
  callId: "call-1",
  participantId: "p-1",
  clientTime: new Date().toISOString(),
});

onEveryEngineServer("rate_limits", (engine, start) => {
  describe(`rate limits (${engine})`, { timeout: 120_000 }, () => {
    it("limits one client address (a batch counts each survey), before the key is checked, and not other addresses", async () => {
      const s = await start({ AFTERCALL_RATE_LIMITS: "on", AFTERCALL_SURVEYS_PER_ADDRESS: "0.1/5" });
      try {
        const key = { "x-aftercall-key": s.ingestKey };
        for (let i = 0; i < 5; i++)
          assert.equal((await post(`${s.url}/v1/surveys`, survey(), key)).status, 201, `survey ${i}`);
        const refused = await post(`${s.url}/v1/surveys`, survey(), key);
        assert.equal(refused.status, 429);
        assert.equal(refused.code, "RATE_LIMITED");
        assert.ok(Number(refused.retryAfter) >= 1, `Retry-After ${refused.retryAfter}`);
        // A flood with a bad key spends the address's budget too: answered 429 before any key lookup.
        const badKey = await post(`${s.url}/v1/surveys`, survey(), { "x-aftercall-key": "ac_pk_bad" });
        assert.equal(badKey.status, 429);
        // Another address has its own budget.
        assert.equal((await post(`${s.url}/v1/surveys`, survey(), key, "127.0.0.2")).status, 201);
        // A batch counts each survey against the address too: 6 exceed an address's 5, 5 do not.
        const batch = (n: number) => ({ surveys: Array.from({ length: n }, () => survey()) });
        const six = await post(`${s.url}/v1/surveys/batch`, batch(6), key, "127.0.0.5");
        assert.deepEqual([six.status, six.code], [429, "RATE_LIMITED"]);
        assert.equal((await post(`${s.url}/v1/surveys/batch`, batch(5), key, "127.0.0.6")).status, 200);
      } finally {
        await s.stop();
      }
    });

    it("limits an ingest key by surveys (a batch counts each), on a budget apart from events", async () => {
      const s = await start({ AFTERCALL_RATE_LIMITS: "on", AFTERCALL_SURVEYS_PER_KEY: "0.1/10" });
      try {
        const key = { "x-aftercall-key": s.ingestKey };
        const batch = (n: number) => ({ surveys: Array.from({ length: n }, () => survey()) });
        assert.equal((await post(`${s.url}/v1/surveys/batch`, batch(8), key)).status, 200);
        const refused = await post(`${s.url}/v1/surveys/batch`, batch(5), key, "127.0.0.3");
        assert.equal(refused.status, 429, "8 + 5 surveys exceed the key's 10, from any address");
        assert.equal(refused.code, "RATE_LIMITED");
        assert.ok(refused.retryAfter);
        // Refused before its surveys are validated: a flood past its budget costs no validation.
        const invalid = {
          surveys: Array.from({ length: 5 }, () => ({ ...survey(), overallRating: { score: "x" } })),
        };
        const unvalidated = await post(`${s.url}/v1/surveys/batch`, invalid, key, "127.0.0.4");
        assert.deepEqual([unvalidated.status, unvalidated.code], [429, "RATE_LIMITED"]);
        // Events have their own budget.
        const events = await post(`${s.url}/v1/events`, { events: [event("shown"), event("shown")] }, key);
        assert.equal(events.status < 300, true, `events answered ${events.status} ${events.code}`);
      } finally {
        await s.stop();
      }
    });

    it("stops a project at its daily quota with 429 QUOTA_EXCEEDED until midnight UTC", async () => {
      const s = await start({ AFTERCALL_RATE_LIMITS: "on", AFTERCALL_DAILY_SURVEYS_PER_PROJECT: "3" });
      try {
        const key = { "x-aftercall-key": s.ingestKey };
        for (let i = 0; i < 3; i++)
          assert.equal((await post(`${s.url}/v1/surveys`, survey(), key)).status, 201);
        const refused = await post(`${s.url}/v1/surveys`, survey(), key, "127.0.0.4");
        assert.equal(refused.status, 429);
        assert.equal(refused.code, "QUOTA_EXCEEDED");
        const untilMidnight = Math.ceil((86_400_000 - (Date.now() % 86_400_000)) / 1000);
        assert.ok(
          Math.abs(Number(refused.retryAfter) - untilMidnight) < 60,
          `Retry-After ${refused.retryAfter}`,
        );
      } finally {
        await s.stop();
      }
    });

    it("holds the refusals of an address that ignores Retry-After, never one that honours it", async () => {
      const s = await start({
        AFTERCALL_RATE_LIMITS: "on",
        AFTERCALL_SURVEYS_PER_ADDRESS: "1/1",
        AFTERCALL_REFUSAL_HOLD_MS: "1000",
        AFTERCALL_OPERATOR_TOKEN: OPERATOR_TOKEN,
      });
      try {
        const key = { "x-aftercall-key": s.ingestKey };
        const timed = async (address: string) => {
          const started = performance.now();
          const answer = await post(`${s.url}/v1/surveys`, survey(), key, address);
          return { ...answer, ms: performance.now() - started };
        };
        assert.equal((await timed("127.0.0.7")).status, 201);
        const first = await timed("127.0.0.7");
        assert.deepEqual([first.status, first.retryAfter], [429, "1"]);
        assert.ok(first.ms < 400, `the first refusal is answered at once, took ${first.ms} ms`);
        // Back before its second was up: held between 500 and 1000 ms. /metrics shows it meanwhile.
        const held = timed("127.0.0.7");
        await new Promise((resolve) => setTimeout(resolve, 200));
        const metrics = await (
          await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } })
        ).text();
        assert.match(metrics, /^aftercall_refusals_held 1$/m);
        const late = await held;
        assert.deepEqual([late.status, late.code], [429, "RATE_LIMITED"]);
        assert.ok(late.ms >= 450, `held ${late.ms} ms`);
        // Another address is not held, and this one, once it waited as told, is answered at once.
        assert.equal((await timed("127.0.0.8")).status, 201);
        await new Promise((resolve) => setTimeout(resolve, 1100));
        const honoured = await timed("127.0.0.7");
        assert.equal(honoured.status, 201);
        assert.ok(honoured.ms < 400, `took ${honoured.ms} ms`);
      } finally {
        await s.stop();
      }
    });

    it("holds a repeated wrong key from one address, not the first", async () => {
      const s = await start({ AFTERCALL_RATE_LIMITS: "on", AFTERCALL_REFUSAL_HOLD_MS: "1000" });
      try {
        const wrong = { "x-aftercall-key": "ac_pk_notavalidkey000000000000000000" };
        const timed = async () => {
          const started = performance.now();
          const answer = await post(`${s.url}/v1/surveys`, survey(), wrong, "127.0.0.9");
          return { ...answer, ms: performance.now() - started };
        };
        const first = await timed();
        assert.deepEqual([first.status, first.code], [401, "UNAUTHORIZED"]);
        assert.ok(first.ms < 400, `the first is answered at once, took ${first.ms} ms`);
        const again = await timed();
        assert.deepEqual([again.status, again.code], [401, "UNAUTHORIZED"]);
        assert.ok(again.ms >= 450, `held ${again.ms} ms`);
        // The right key from another address is not held.
        const right = await post(
          `${s.url}/v1/surveys`,
          survey(),
          { "x-aftercall-key": s.ingestKey },
          "127.0.0.10",
        );
        assert.equal(right.status, 201);
      } finally {
        await s.stop();
      }
    });

    it("takes the client address from a trusted proxy's header when configured", async () => {
      const s = await start({
        AFTERCALL_RATE_LIMITS: "on",
        AFTERCALL_SURVEYS_PER_ADDRESS: "0.1/2",
        AFTERCALL_CLIENT_ADDRESS_HEADER: "x-forwarded-for",
      });
      try {
        const from = (address: string) => ({
          "x-aftercall-key": s.ingestKey,
          "x-forwarded-for": `10.9.9.9, ${address}`,
        });
        assert.equal((await post(`${s.url}/v1/surveys`, survey(), from("203.0.113.1"))).status, 201);
        assert.equal((await post(`${s.url}/v1/surveys`, survey(), from("203.0.113.1"))).status, 201);
        assert.equal((await post(`${s.url}/v1/surveys`, survey(), from("203.0.113.1"))).status, 429);
        // Same socket address, another client behind the proxy.
        assert.equal((await post(`${s.url}/v1/surveys`, survey(), from("203.0.113.2"))).status, 201);
      } finally {
        await s.stop();
      }
    });
  });
});

describe("two servers on one PostgreSQL", { skip: postgresSkip() }, () => {
  let pg: PostgresServer | undefined;
  before(async () => {
    pg = await startPostgres();
  });
  after(() => pg?.stop());

  it("share one key's budget instead of each granting it", { timeout: 120_000 }, async () => {
    const url = await createDatabase((pg as PostgresServer).url, "shared_budget");
    const env = { AFTERCALL_RATE_LIMITS: "on", AFTERCALL_SURVEYS_PER_KEY: "0.5/20" };
    const a = await startServerProcess({ databaseUrl: url, env });
    const b = await startServerProcess({ databaseUrl: url, env });
    try {
      const key = { "x-aftercall-key": (a.firstProject as { ingestKey: string }).ingestKey };
      const started = Date.now();
      let accepted = 0;
      const statuses = new Map<number, number>();
      for (let i = 0; i < 30; i++) {
        const answers = await Promise.all(
          [a, b].map((server, j) => post(`${server.url}/v1/surveys`, survey(), key, `127.0.0.${10 + j}`)),
        );
        for (const answer of answers) {
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          if (answer.status === 201) accepted++;
        }
      }
      const refill = Math.ceil(((Date.now() - started) / 1000) * 0.5);
      // One budget of 20 (plus what refilled meanwhile), not 2 × 20; leases dropped unused may make it less.
      assert.ok(
        accepted <= 20 + refill,
        `accepted ${accepted} > 20 + ${refill}: ${JSON.stringify([...statuses])}`,
      );
      assert.ok(accepted >= 10, `accepted only ${accepted}: ${JSON.stringify([...statuses])}`);
      assert.equal((statuses.get(201) ?? 0) + (statuses.get(429) ?? 0), 60, JSON.stringify([...statuses]));
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
