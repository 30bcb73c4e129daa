/**
 * `npm run bench:delivery`: how fast does each destination type take records, and how long after its
 * receipt does a survey reach the destination at a steady 1,000 surveys/s?
 *
 * Per destination type, against its real system started like the tests do (nats-server, Azurite, s3rver,
 * a local folder, a node:http webhook receiver), with a fresh `aftercall serve` child process (SQLite):
 *   1. drain: BENCH_BACKLOG surveys (default 20,000) are stored first, through the batch endpoint; then a
 *      setting is created with `backfillFrom`, and the time until the destination reports nothing
 *      undelivered gives records/s;
 *   2. steady: BENCH_RATE surveys/s (default 1,000) as single POSTs for BENCH_SECONDS (default 20); the
 *      end-to-end lag of every record (receipt by the server → the destination acknowledged it durably)
 *      comes from the server's `aftercall_delivery_lag_seconds` histogram, diffed around the phase; p50
 *      and p99 are interpolated within its buckets. The goal is p99 ≤ 1 s.
 * Settings: BENCH_TYPES=stream,blob,s3,directory,webhook BENCH_OUTPUT=artifacts/bench-delivery.json
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { DELIVERY_TARGETS, type DeliveryTarget } from "../test/support/delivery-targets.js";
import { type ServerProcess, startServerProcess } from "../test/support/server-process.js";
import { SurveyBodies } from "./survey-body.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const env = process.env;
const BACKLOG = Number(env.BENCH_BACKLOG ?? 20_000);
const RATE = Number(env.BENCH_RATE ?? 1000);
const SECONDS = Number(env.BENCH_SECONDS ?? 20);
const TYPES = (env.BENCH_TYPES ?? "stream,blob,s3,directory,webhook").split(",");
const OUTPUT = resolve(ROOT, env.BENCH_OUTPUT ?? "artifacts/bench-delivery.json");

interface Keys {
  ingestKey: string;
  adminToken: string;
}

const bodies = new SurveyBodies();

async function post(server: ServerProcess, keys: Keys, path: string, body: string, token = keys.ingestKey) {
  const res = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function status(server: ServerProcess, keys: Keys, settingId: string) {
  const res = await fetch(`${server.url}/v1/projects/demo/diagnostic-settings/${settingId}`, {
    headers: { authorization: `Bearer ${keys.adminToken}` },
  });
  const body = (await res.json()) as { destinations: Array<{ status: unknown }> };
  return body.destinations[0]?.status as {
    undelivered: number;
    lastError?: string;
    parkedBatches: number;
  };
}

/** Cumulative bucket counts of the lag histogram for one type, from `/metrics`. */
async function lagBuckets(
  server: ServerProcess,
  type: string,
  operatorToken: string,
): Promise<Map<number, number>> {
  const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${operatorToken}` } });
  const text = await res.text();
  const buckets = new Map<number, number>();
  const pattern = new RegExp(
    `^aftercall_delivery_lag_seconds_bucket\\{le="([^"]+)",type="${type}"\\} (\\d+)`,
    "gm",
  );
  for (const m of text.matchAll(pattern))
    buckets.set(m[1] === "+Inf" ? Infinity : Number(m[1]), Number(m[2]));
  return buckets;
}

/** Quantile from cumulative bucket deltas, linearly interpolated within the bucket. */
function quantile(before: Map<number, number>, after: Map<number, number>, q: number): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((b) => (after.get(b) ?? 0) - (before.get(b) ?? 0));
  const total = counts.at(-1) ?? 0;
  if (total === 0) return Number.NaN;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [i, bound] of bounds.entries()) {
    const count = counts[i] as number;
    if (count >= rank) {
      if (bound === Infinity) return lower;
      return lower + ((rank - below) / Math.max(1, count - below)) * (bound - lower);
    }
    lower = bound;
    below = count;
  }
  return lower;
}

async function drain(server: ServerProcess, keys: Keys, target: DeliveryTarget) {
  const startedAt = new Date(Date.now() - 1000).toISOString();
  for (let sent = 0; sent < BACKLOG; sent += 500) {
    const batch = Array.from({ length: Math.min(500, BACKLOG - sent) }, () => JSON.parse(bodies.next().body));
    await post(server, keys, "/v1/surveys/batch", JSON.stringify({ surveys: batch }));
  }
  const t0 = performance.now();
  const setting = await post(
    server,
    keys,
    "/v1/projects/demo/diagnostic-settings",
    JSON.stringify({
      name: `bench-${target.type}`,
      format: target.format,
      destinations: { [target.type]: target.config },
      backfillFrom: startedAt,
    }),
    keys.adminToken,
  );
  for (;;) {
    const s = await status(server, keys, setting.id);
    if (s.parkedBatches > 0) throw new Error(`${target.type}: batches were parked: ${s.lastError}`);
    if (s.undelivered === 0) break;
    await sleep(25);
  }
  const seconds = (performance.now() - t0) / 1000;
  return { settingId: setting.id as string, seconds, recordsPerSecond: Math.round(BACKLOG / seconds) };
}

async function steady(server: ServerProcess, keys: Keys, type: string, operatorToken: string) {
  const before = await lagBuckets(server, type, operatorToken);
  const total = RATE * SECONDS;
  const t0 = performance.now();
  let sent = 0;
  let failed = 0;
  const inFlight = new Set<Promise<void>>();
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * RATE));
    for (; sent < due; sent++) {
      const p = post(server, keys, "/v1/surveys", bodies.next().body)
        .then(() => {})
        .catch(() => {
          failed++;
        });
      inFlight.add(p);
      p.finally(() => inFlight.delete(p));
    }
    await sleep(2);
  }
  await Promise.all(inFlight);
  const achieved = total / ((performance.now() - t0) / 1000);
  // Let the last records arrive before reading the histogram.
  await sleep(2000);
  const after = await lagBuckets(server, type, operatorToken);
  const delivered = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  return {
    sent: total,
    failedSubmissions: failed,
    achievedRate: Math.round(achieved),
    delivered,
    lagP50Ms: Math.round(quantile(before, after, 0.5) * 1000),
    lagP99Ms: Math.round(quantile(before, after, 0.99) * 1000),
  };
}

async function benchType(type: string) {
  const entry = DELIVERY_TARGETS.find((t) => t.type === type);
  if (!entry) throw new Error(`unknown destination type ${type}`);
  const why = entry.skip();
  if (why) throw new Error(`${type}: ${why}`);
  const target = await entry.start();
  const dataDir = await mkdtemp(join(tmpdir(), `aftercall-bench-delivery-${type}-`));
  const operatorToken = `bench-operator-token-${Date.now()}-0123456789`;
  const server = await startServerProcess({
    dataDir,
    env: { AFTERCALL_LOG_LEVEL: "warn", AFTERCALL_OPERATOR_TOKEN: operatorToken },
  });
  try {
    // Admin calls go with the operator token: only the operator may configure a directory destination.
    const keys = { ...(server.firstProject as Keys), adminToken: operatorToken };
    const drained = await drain(server, keys, target);
    const steadyState = await steady(server, keys, type, operatorToken);
    return { type, format: target.format, backlog: BACKLOG, ...drained, steady: steadyState };
  } finally {
    await server.stop();
    await target.dispose();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const results = [];
for (const type of TYPES) {
  process.stderr.write(`bench:delivery ${type}…\n`);
  const result = await benchType(type);
  results.push(result);
  process.stderr.write(`${JSON.stringify(result)}\n`);
}
console.log("\n| type | format | drain records/s | steady rate | delivered | lag p50 | lag p99 |");
console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
for (const r of results) {
  console.log(
    `| ${r.type} | ${r.format} | ${r.recordsPerSecond.toLocaleString("en")} | ${r.steady.achievedRate}/s | ${r.steady.delivered}/${r.steady.sent} | ${r.steady.lagP50Ms} ms | ${r.steady.lagP99Ms} ms |`,
  );
}
await mkdir(dirname(OUTPUT), { recursive: true });
await writeFile(
  OUTPUT,
  JSON.stringify({ machine: { cpus: cpus().length, model: cpus()[0]?.model }, results }, null, 2),
);
process.exit(0);
