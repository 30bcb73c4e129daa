/**
 * Health that tells the truth, against real server processes: `/readyz` fails (503 with Retry-After)
 * while the store cannot commit and recovers when it can; commits refused meanwhile are answered
 * `503 STORE_UNAVAILABLE` with Retry-After, and logged one line per interval, never a stack per request.
 * SQLite: the data directory on a small tmpfs filled to the last byte (a real SQLITE_FULL / ENOSPC);
 * PostgreSQL: the database switched to read-only transactions (commits fail with 25006).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import postgres from "postgres";
import { createDatabase, type PostgresServer, postgresSkip, startPostgres } from "../support/postgres.js";
import { killAllServerProcesses, type ServerProcess, startServerProcess } from "../support/server-process.js";
import { survey } from "../support/test-app.js";

after(() => killAllServerProcesses());

const LOG_EVERY_SECONDS = 2;
const ENV = {
  AFTERCALL_STORE_ERROR_LOG_SECONDS: String(LOG_EVERY_SECONDS),
  AFTERCALL_RATE_LIMITS: "on",
};
const REFUSED_LINE = "the store refused commits";

interface Answer {
  status: number;
  code?: string;
  retryAfter: string | null;
  reason?: string;
}

async function get(url: string): Promise<Answer> {
  const res = await fetch(url);
  const body = (await res.json()) as { reason?: string };
  return {
    status: res.status,
    retryAfter: res.headers.get("retry-after"),
    ...(body.reason ? { reason: body.reason } : {}),
  };
}

async function submit(s: ServerProcess, text = ""): Promise<Answer> {
  const res = await fetch(`${s.url}/v1/surveys`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-aftercall-key": (s.firstProject as { ingestKey: string }).ingestKey,
    },
    body: JSON.stringify(
      text ? { ...survey(), overallRating: { score: 2, improvementSuggestion: text } } : survey(),
    ),
  });
  const body = (await res.json()) as { code?: string };
  return {
    status: res.status,
    retryAfter: res.headers.get("retry-after"),
    ...(body.code ? { code: body.code } : {}),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
    await sleep(100);
  }
}

/**
 * While the store refuses: submissions for `seconds` are all 503 STORE_UNAVAILABLE with Retry-After (never
 * a 500), /readyz is 503 with Retry-After and `reason`, and the log has about one line per interval.
 */
async function checkRefusing(s: ServerProcess, reason: string, seconds: number): Promise<void> {
  const linesBefore = s.output().split(REFUSED_LINE).length - 1;
  const started = Date.now();
  const statuses = new Map<string, number>();
  let requests = 0;
  while (Date.now() - started < seconds * 1000) {
    const answer = await submit(s, "x".repeat(2000));
    requests++;
    const key = `${answer.status} ${answer.code ?? ""}`;
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
    if (answer.status === 503) assert.ok(Number(answer.retryAfter) >= 1, "a 503 says when to retry");
    await sleep(20);
  }
  const elapsed = (Date.now() - started) / 1000;
  assert.deepEqual([...statuses.keys()], ["503 STORE_UNAVAILABLE"], JSON.stringify([...statuses]));
  const ready = await get(`${s.url}/readyz`);
  assert.deepEqual([ready.status, ready.reason], [503, reason]);
  assert.ok(Number(ready.retryAfter) >= 1, `readyz Retry-After ${ready.retryAfter}`);
  const lines = s.output().split(REFUSED_LINE).length - 1 - linesBefore;
  const most = Math.ceil(elapsed / LOG_EVERY_SECONDS) + 1;
  assert.ok(requests >= 3 * most, `only ${requests} requests in ${elapsed} s`);
  assert.ok(
    lines >= 1 && lines <= most,
    `${lines} log lines for ${requests} refused requests in ${elapsed.toFixed(1)} s`,
  );
  assert.doesNotMatch(s.output(), /\n\s+at /, "no stack traces in the log");
}

/** Whether this process may mount a tmpfs (root, or a container allowing it). */
function mountTmpfs(dir: string, size: string): string | false {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { stdio: "pipe" });
    return false;
  } catch (error) {
    const reason = `cannot mount a tmpfs here (${String((error as Error).message).split("\n")[0]})`;
    // CI runs as root and must prove the full-disk path; only a developer's unprivileged run may skip it.
    if (process.env.CI === "true") throw new Error(`${reason}; it is required in CI`);
    return reason;
  }
}

describe("store health on a full disk (SQLite on a small tmpfs)", { timeout: 180_000 }, () => {
  const mountPoint = mkdtempSync(join(tmpdir(), "aftercall-full-disk-"));
  const refused = mountTmpfs(mountPoint, "12m");
  after(() => {
    if (!refused) execFileSync("umount", ["-l", mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  it("answers 503 with Retry-After, fails /readyz, logs once per interval, and recovers", {
    skip: refused,
  }, async () => {
    const dataDir = join(mountPoint, "data");
    mkdirSync(dataDir);
    const s = await startServerProcess({ dataDir, env: ENV });
    try {
      assert.equal((await get(`${s.url}/readyz`)).status, 200);
      assert.equal((await submit(s)).status, 201);
      // Fill the filesystem to the last byte.
      const ballast = join(mountPoint, "ballast");
      const chunk = Buffer.alloc(64 * 1024, 1);
      try {
        for (let i = 0; ; i++) writeFileSync(ballast, chunk, { flag: i === 0 ? "w" : "a" });
      } catch (error) {
        assert.equal((error as NodeJS.ErrnoException).code, "ENOSPC");
      }
      // Space the WAL already holds may take a few more commits; then the store refuses.
      await until(
        "a refused commit",
        () => submit(s, "x".repeat(2000)),
        (a) => a.status === 503,
      );
      await checkRefusing(s, "disk-full", 5);

      rmSync(ballast);
      await until(
        "ready again",
        () => get(`${s.url}/readyz`),
        (a) => a.status === 200,
      );
      assert.equal((await submit(s)).status, 201);
      assert.match(s.output(), /the store commits again/);
    } finally {
      await s.stop();
    }
  });
});

describe("store health on a read-only PostgreSQL", { skip: postgresSkip(), timeout: 180_000 }, () => {
  let pg: PostgresServer | undefined;
  before(async () => {
    pg = await startPostgres();
  });
  after(() => pg?.stop());

  it("answers 503 with Retry-After, fails /readyz, logs once per interval, and recovers", async () => {
    const url = await createDatabase((pg as PostgresServer).url, "read_only_store");
    const s = await startServerProcess({ databaseUrl: url, env: ENV });
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    // The server's connections start over, and now in read-only transactions.
    const reconnect = () =>
      admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'read_only_store' AND pid <> pg_backend_pid()`;
    try {
      await admin`SELECT 1`;
      assert.equal((await get(`${s.url}/readyz`)).status, 200);
      assert.equal((await submit(s)).status, 201);
      await admin.unsafe("ALTER DATABASE read_only_store SET default_transaction_read_only = on");
      await reconnect();
      await until(
        "a refused commit",
        () => submit(s),
        (a) => a.status === 503,
      );
      await sleep(LOG_EVERY_SECONDS * 1000);
      await checkRefusing(s, "read-only", 5);

      await admin.unsafe("ALTER DATABASE read_only_store RESET default_transaction_read_only");
      await reconnect();
      await until(
        "ready again",
        () => get(`${s.url}/readyz`),
        (a) => a.status === 200,
      );
      await until(
        "a stored survey",
        () => submit(s),
        (a) => a.status === 201,
      );
    } finally {
      await admin.end({ timeout: 5 });
      await s.stop();
    }
  });
});
