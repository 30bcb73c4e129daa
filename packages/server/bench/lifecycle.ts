/**
 * `npm run bench:lifecycle -- --engine sqlite|postgres --surveys 1000000 [--expired 100000]`: what data
 * protection costs on a large project.
 *
 * 1. Loads `--surveys` surveys over the last 90 days into a fresh store (bench/query-data.ts, folded into
 *    the rollups), `--people` of the participants with 5 surveys each, and reports the store's size on
 *    disk per million surveys.
 * 2. Erasure: erases those participants one by one (the API's transaction, in process) and reports
 *    p50/p95/max.
 * 3. Retention: starts `aftercall serve` on the store and submits `--rate` surveys a second for
 *    `--seconds` with nothing to sweep (idle); stops it, sets a retention that expires the oldest
 *    `--expired` surveys, starts it again and submits at the same rate while its sweeper deletes them.
 *    Reports both ingestion p99s and their ratio, and how long the sweep took.
 * Results as JSON in `--output` (default artifacts/bench-lifecycle-<engine>-<surveys>.json).
 * `--sweep-wait S` stops the sweep S seconds after the measured ingestion (a sweep of 1M takes a quarter of
 * an hour or more) and reports how many it deleted and at what rate.
 *
 * A store loaded by `bench:query -- --load-only` can be measured instead of a fresh load (10M surveys take
 * most of an hour to load): `--data-dir DIR` (SQLite) or `--database-url URL` (PostgreSQL) that hold the
 * `bench` project get the people's surveys added to them, then step 2 and 3 run as above. Step 3 deletes
 * the expired surveys, so that store then holds `--expired` fewer.
 *
 * `--cold` (SQLite) drops the store's files from the OS page cache before each of the two servers starts
 * and reads the surveys' indexes back in, so a store that fits in memory is swept as a 10M store is: the
 * indexes, which ingestion keeps using, in memory; the oldest surveys' rows and rollup rows read from disk.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DEFAULT_DATA_POLICY } from "@aftercall/api";
import { erase } from "../src/lifecycle/erasure.js";
import { openStore } from "../src/open-store.js";
import { createProject, issueKey } from "../src/projects/manage-projects.js";
import { getProject, updateDataPolicy } from "../src/projects/project-store.js";
import type { Database } from "../src/store/database.js";
import { startChild } from "./processes.js";
import {
  type BenchLocation,
  benchStore,
  bulkInserter,
  foldAll,
  pruneLoadedOutbox,
  SurveyGenerator,
} from "./query-data.js";
import { ms, percentiles, quantile, steadyIngest } from "./steady-ingest.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../../..");
const SERVER = resolve(HERE, "..");
const DAY = 86_400_000;
const DAYS = 90;
const BATCH = 5000;
const SURVEYS_PER_PERSON = 5;

const { values: args } = parseArgs({
  options: {
    surveys: { type: "string", default: "1000000" },
    engine: { type: "string", default: "sqlite" },
    people: { type: "string", default: "20" },
    expired: { type: "string" },
    rate: { type: "string", default: "200" },
    seconds: { type: "string", default: "15" },
    "sweep-wait": { type: "string" },
    output: { type: "string" },
    "data-dir": { type: "string" },
    "database-url": { type: "string" },
    cold: { type: "boolean", default: false },
  },
});
const SURVEYS = Number(args.surveys);
const ENGINE = args.engine === "postgres" ? "postgres" : "sqlite";
const PEOPLE = Number(args.people);
const EXPIRED = Number(args.expired ?? Math.round(SURVEYS / 10));
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
/** How long to let the sweep go on after the measured ingestion; unset: until it is done. */
const SWEEP_WAIT_MS =
  args["sweep-wait"] === undefined ? Number.POSITIVE_INFINITY : Number(args["sweep-wait"]) * 1000;
const log = (message: string) => process.stderr.write(`${message}\n`);

type Location = BenchLocation;

async function load(db: Database, location: Location): Promise<{ ingestKey: string; endMs: number }> {
  const created = await createProject(db, { id: "bench", name: "Bench" });
  const endMs = Date.now();
  const generator = new SurveyGenerator("bench", endMs, DAYS);
  const writer = await bulkInserter(
    db,
    location.engine === "sqlite"
      ? { engine: "sqlite", path: join(location.dataDir, "aftercall.sqlite") }
      : location,
  );
  // Every `stride`-th survey belongs to one of the people to erase, spread over the whole range.
  const stride = Math.floor(SURVEYS / (PEOPLE * SURVEYS_PER_PERSON));
  let personSurveys = 0;
  for (let done = 0; done < SURVEYS; done += BATCH) {
    const rows = Array.from({ length: Math.min(BATCH, SURVEYS - done) }, (_, i) => {
      const row = generator.next();
      if ((done + i) % stride === 0 && personSurveys < PEOPLE * SURVEYS_PER_PERSON)
        row.participant_id = `bench-person-${personSurveys++ % PEOPLE}`;
      return row;
    });
    await writer.insert(rows);
    if ((done / BATCH) % 40 === 0) log(`bench: inserted ${done.toLocaleString("en")} surveys`);
  }
  await writer.close();
  await foldAll(db, "bench", log);
  await pruneLoadedOutbox(db, "bench", log);
  return { ingestKey: created.ingestKey.token, endMs };
}

/**
 * A store loaded earlier (by `bench:query -- --load-only`): the people's surveys are added to it, spread
 * over its range like the load would have, and folded; a fresh ingest key is issued.
 */
async function addPeople(db: Database, location: Location): Promise<{ ingestKey: string }> {
  const ingestKey = (await issueKey(db, "bench", "ingest", "bench-lifecycle")).token;
  const generator = new SurveyGenerator("bench", Date.now(), DAYS, 2);
  const writer = await bulkInserter(
    db,
    location.engine === "sqlite"
      ? { engine: "sqlite", path: join(location.dataDir, "aftercall.sqlite") }
      : location,
  );
  const rows = Array.from({ length: PEOPLE * SURVEYS_PER_PERSON }, (_, i) => {
    const row = generator.next();
    row.participant_id = `bench-person-${i % PEOPLE}`;
    return row;
  });
  await writer.insert(rows);
  await writer.close();
  await foldAll(db, "bench", log);
  return { ingestKey };
}

const surveysIn = async (db: Database) =>
  Number(
    (await db.all<{ n: number | string }>("SELECT count(*) AS n FROM surveys WHERE project_id = 'bench'"))[0]
      ?.n,
  );

async function diskBytes(db: Database, location: Location): Promise<number> {
  if (location.engine === "postgres") {
    const [row] = await db.all<{ bytes: string }>(
      "SELECT pg_database_size(current_database())::text AS bytes",
    );
    return Number(row?.bytes);
  }
  // What the store keeps, not what the load left in the write-ahead log.
  await db.all("PRAGMA wal_checkpoint(TRUNCATE)");
  return readdirSync(location.dataDir)
    .filter((f) => f.startsWith("aftercall.sqlite"))
    .reduce((sum, f) => sum + statSync(join(location.dataDir, f)).size, 0);
}

async function measureErasures(db: Database) {
  const times: number[] = [];
  let surveys = 0;
  for (let i = 0; i < PEOPLE; i++) {
    const started = performance.now();
    const { receipt } = await erase(db, {
      projectId: "bench",
      selector: "participantId",
      value: `bench-person-${i}`,
      requestedBy: "bench",
      nowMs: Date.now(),
    });
    times.push(performance.now() - started);
    surveys += receipt.surveys;
  }
  const sorted = [...times].sort((a, b) => a - b);
  return {
    erasures: PEOPLE,
    surveysErased: surveys,
    p50: ms(quantile(sorted, 0.5)),
    p95: ms(quantile(sorted, 0.95)),
    max: ms(sorted.at(-1) as number),
  };
}

/**
 * `--cold`: write back and drop the SQLite store's files from the page cache (`dd iflag=nocache count=0`
 * advises the kernel to drop a whole file; no root needed, unlike /proc/sys/vm/drop_caches), then read
 * the surveys' indexes back in.
 */
async function dropPageCache(db: Database, location: Location): Promise<void> {
  if (!args.cold || location.engine !== "sqlite") return;
  spawnSync("sync");
  for (const name of readdirSync(location.dataDir))
    spawnSync("dd", [`if=${join(location.dataDir, name)}`, "iflag=nocache", "count=0"], { stdio: "ignore" });
  for (const index of [
    "sqlite_autoindex_surveys_1",
    "surveys_project_time",
    "surveys_project_call",
    "surveys_project_participant",
  ])
    await db.all(`SELECT count(*) AS n FROM surveys INDEXED BY ${index}`);
}

async function serve(storeArgs: string[]) {
  const child = await startChild({
    command: process.execPath,
    args: [
      "--conditions=source",
      "--import",
      "tsx",
      join(SERVER, "src/cli.ts"),
      "serve",
      "--port",
      "0",
      ...storeArgs,
    ],
    // One client address far above any real client's rate: the rate limits would measure themselves.
    env: {
      ...process.env,
      AFTERCALL_LOG_LEVEL: "warn",
      AFTERCALL_DELIVERY: "off",
      AFTERCALL_RATE_LIMITS: "off",
    },
    ready: /Aftercall.* is running at (http:\/\/\S+)/,
    readyTimeoutMs: 120_000,
  });
  const base = /Aftercall.* is running at (http:\/\/\S+)/.exec(child.output())?.[1] as string;
  return { child, base };
}

const olderThan = async (db: Database, beforeMs: number) =>
  Number(
    (
      await db.all<{ n: number | string }>(
        "SELECT count(*) AS n FROM surveys WHERE project_id = 'bench' AND received_at < ?",
        [beforeMs],
      )
    )[0]?.n,
  );

/** Ingestion idle, then during a sweep of the oldest `EXPIRED` surveys by the server's own sweeper. */
async function measureRetention(db: Database, location: Location, storeArgs: string[], ingestKey: string) {
  await dropPageCache(db, location);
  const idleServer = await serve(storeArgs);
  const idle = await steadyIngest(idleServer.base, ingestKey, RATE, SECONDS);
  await idleServer.child.stop();
  // The retention that expires the oldest EXPIRED surveys: whole days, counted from now.
  const [cut] = await db.all<{ at: number | string }>(
    "SELECT received_at AS at FROM surveys WHERE project_id = 'bench' ORDER BY received_at LIMIT 1 OFFSET ?",
    [EXPIRED],
  );
  const days = Math.max(1, Math.floor((Date.now() - Number(cut?.at)) / DAY));
  const cutoff = Date.now() - days * DAY;
  const expired = await olderThan(db, cutoff);
  await updateDataPolicy(db, "bench", {
    ...DEFAULT_DATA_POLICY,
    retention: { ...DEFAULT_DATA_POLICY.retention, surveysDays: days },
  });
  await dropPageCache(db, location);
  const sweeping = await serve(storeArgs);
  const started = performance.now();
  const during = await steadyIngest(sweeping.base, ingestKey, RATE, SECONDS);
  const leftAfterIngest = await olderThan(db, cutoff);
  const waitUntil = performance.now() + SWEEP_WAIT_MS;
  let left = leftAfterIngest;
  while (left > 0 && performance.now() < waitUntil) {
    await sleep(500);
    left = await olderThan(db, cutoff);
  }
  const sweepSeconds = (performance.now() - started) / 1000;
  await sweeping.child.stop();
  const idleStats = percentiles([idle]);
  const duringStats = percentiles([during]);
  return {
    expired,
    retentionDays: days,
    sweptWhileIngesting: expired - leftAfterIngest,
    sweepSeconds: Math.round(sweepSeconds * 10) / 10,
    // With --sweep-wait the sweep may be stopped before it is done: what it deleted, and how fast.
    swept: expired - left,
    sweepComplete: left === 0,
    sweptPerSecond: Math.round((expired - left) / sweepSeconds),
    ingestIdle: idleStats,
    ingestDuringSweep: duringStats,
    p99Ratio: Math.round((duringStats.p99 / idleStats.p99) * 100) / 100,
  };
}

async function main() {
  const { location, storeArgs, cleanup } = await benchStore(
    ENGINE,
    { dataDir: args["data-dir"], databaseUrl: args["database-url"] },
    "aftercall-bench-lifecycle-",
  );
  const db = await openStore(location);
  try {
    const started = performance.now();
    const reused = Boolean(await getProject(db, "bench"));
    const { ingestKey } = reused ? await addPeople(db, location) : await load(db, location);
    const loadSeconds = reused ? undefined : Math.round((performance.now() - started) / 1000);
    const surveys = await surveysIn(db);
    const bytes = await diskBytes(db, location);
    log(
      `bench: ${reused ? "reusing a store of" : "loaded"} ${surveys.toLocaleString("en")} surveys` +
        `${loadSeconds === undefined ? "" : ` in ${loadSeconds} s`}, ${bytes} bytes on disk`,
    );
    const erasure = await measureErasures(db);
    log(`bench: erasure of one participant: ${JSON.stringify(erasure)}`);
    const retention = await measureRetention(db, location, storeArgs, ingestKey);
    log(`bench: retention sweep during ingestion: ${JSON.stringify(retention)}`);
    const report = {
      engine: ENGINE,
      surveys,
      reusedStore: reused,
      coldPageCache: args.cold,
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model,
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        node: process.version,
      },
      commit: spawnSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, encoding: "utf8" }).stdout.trim(),
      loadSeconds,
      diskBytes: bytes,
      diskMiBPerMillionSurveys: Math.round((bytes / 2 ** 20 / surveys) * 1e6),
      erasure,
      retention,
    };
    const output = args.output ?? join(ROOT, `artifacts/bench-lifecycle-${ENGINE}-${SURVEYS}.json`);
    mkdirSync(dirname(output), { recursive: true });
    writeFileSync(output, `${JSON.stringify(report, null, 2)}\n`);
    console.log(JSON.stringify(report, null, 2));
  } finally {
    await db.close();
    await cleanup();
  }
}

await main();
