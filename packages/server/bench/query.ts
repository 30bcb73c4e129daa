/**
 * `npm run bench:query -- --surveys 1000000 --engine sqlite|postgres [--database-url URL] [--days 90]`:
 * how fast does the dashboard answer on a large project, and what does dashboard use cost ingestion?
 *
 * 1. Generates `--surveys` surveys over the last `--days` days (bench/query-data.ts) and bulk-inserts them
 *    into a fresh store (SQLite in a temp directory, or a throwaway PostgreSQL from the test harness unless
 *    `--database-url` names one; that database must be empty), with their outbox entries, and folds them
 *    into the rollups (the load time includes the fold).
 * 2. Starts `aftercall serve` on that store as a child process and measures, over HTTP, p50/p95 of every
 *    dashboard request for the last 7 and 30 days (ranges end "now", so they are ragged: the rollups
 *    answer whole 15-minute slots and raw rows the edges), sequentially after a warm-up.
 * 3. Ingestion: POST /v1/surveys at a steady `--rate` per second for `--seconds`, alone and then while
 *    two clients run dashboard requests back to back, `--rounds` times; p50/p99 of each kind of phase
 *    over all rounds, and their p99 ratio.
 * 4. One person opening the 7-day view every 2 s, without and during ingestion: the view's time.
 * Results as a table and as JSON in `--output` (default artifacts/bench-query-<engine>-<surveys>.json).
 * `--samples 0` skips step 2; `--cpu-prof DIR` has the server write V8 CPU profiles there when it stops.
 *
 * Loading 10M surveys takes most of an hour, so a store can be kept and measured again: `--data-dir DIR`
 * (SQLite) or `--database-url URL` (PostgreSQL) that already hold the `bench` project are measured as
 * they are, and `--load-only` stops after loading (two engines can load side by side, then be measured
 * one after the other).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import { openStore } from "../src/open-store.js";
import { createProject, issueKey } from "../src/projects/manage-projects.js";
import { getProject } from "../src/projects/project-store.js";
import { dashboardRequests, BENCH_OPERATOR as OPERATOR, serveForBench } from "./dashboard-requests.js";
import { benchStore, bulkInserter, foldAll, pruneLoadedOutbox, SurveyGenerator } from "./query-data.js";
import { ms, percentiles, quantile, steadyIngest } from "./steady-ingest.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../../..");
const SERVER = resolve(HERE, "..");

const { values: args } = parseArgs({
  options: {
    surveys: { type: "string", default: "1000000" },
    engine: { type: "string", default: "sqlite" },
    "database-url": { type: "string" },
    days: { type: "string", default: "90" },
    samples: { type: "string", default: "30" },
    rate: { type: "string", default: "200" },
    seconds: { type: "string", default: "15" },
    rounds: { type: "string", default: "3" },
    "cpu-prof": { type: "string" },
    output: { type: "string" },
    "data-dir": { type: "string" },
    "load-only": { type: "boolean", default: false },
  },
});
const SURVEYS = Number(args.surveys);
const ENGINE = args.engine === "postgres" ? "postgres" : "sqlite";
const DAYS = Number(args.days);
const SAMPLES = Number(args.samples);
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const ROUNDS = Math.max(1, Number(args.rounds));
const BATCH = 5000;

const log = (message: string) => process.stderr.write(`${message}\n`);

/** Where the load's facts are kept next to a reusable store, so a later measurement can report them. */
const loadFacts = (engine: string, surveys: number) =>
  join(ROOT, `artifacts/bench-query-load-${engine}-${surveys}.json`);

async function prepare() {
  const { location, storeArgs, cleanup } = await benchStore(
    ENGINE,
    { dataDir: args["data-dir"], databaseUrl: args["database-url"] },
    "aftercall-bench-query-",
  );
  const db = await openStore(location);
  if (await getProject(db, "bench")) {
    // A store loaded by an earlier run: measure it as it is.
    const ingestKey = (await issueKey(db, "bench", "ingest", "bench")).token;
    await db.close();
    const facts = existsSync(loadFacts(ENGINE, SURVEYS))
      ? (JSON.parse(readFileSync(loadFacts(ENGINE, SURVEYS), "utf8")) as {
          insertSeconds: number;
          loadedAt: string;
        })
      : { insertSeconds: Number.NaN, loadedAt: "unknown" };
    log(`bench: reusing the bench project loaded at ${facts.loadedAt}`);
    return { storeArgs, ingestKey, ...facts, cleanup };
  }
  const created = await createProject(db, { id: "bench", name: "Bench" });
  const endMs = Date.now();
  const generator = new SurveyGenerator("bench", endMs, DAYS);
  const writer = await bulkInserter(
    db,
    location.engine === "sqlite"
      ? { engine: "sqlite", path: join(location.dataDir, "aftercall.sqlite") }
      : location,
  );
  const started = performance.now();
  for (let done = 0; done < SURVEYS; done += BATCH) {
    const rows = Array.from({ length: Math.min(BATCH, SURVEYS - done) }, () => generator.next());
    await writer.insert(rows);
    if ((done / BATCH) % 20 === 0) log(`bench: inserted ${done.toLocaleString("en")} surveys`);
  }
  await writer.close();
  await foldAll(db, "bench", log);
  await pruneLoadedOutbox(db, "bench", log);
  const insertSeconds = (performance.now() - started) / 1000;
  if (location.engine === "postgres") {
    const { default: postgres } = await import("postgres");
    const sql = postgres(location.url, { max: 1, onnotice: () => {} });
    await sql.unsafe("VACUUM ANALYZE");
    await sql.end();
  }
  await db.close();
  log(`bench: ${SURVEYS.toLocaleString("en")} surveys in ${insertSeconds.toFixed(1)} s`);
  const loadedAt = new Date(endMs).toISOString();
  mkdirSync(join(ROOT, "artifacts"), { recursive: true });
  writeFileSync(loadFacts(ENGINE, SURVEYS), `${JSON.stringify({ insertSeconds, loadedAt })}\n`);
  return { storeArgs, ingestKey: created.ingestKey.token, insertSeconds, loadedAt, cleanup };
}

/**
 * `clients` dashboard users sending the given requests back to back until told to stop; posts the
 * latencies of their requests.
 * Ranges are filled in per request: the last `days` days up to the next full minute.
 */
const DASHBOARD_USERS = `
const { parentPort, workerData } = require("node:worker_threads");
const { paths, token, clients } = workerData;
let stop = false;
const latencies = [];
parentPort.once("message", () => { stop = true; });
const user = async (offset) => {
  for (let i = offset; !stop; i++) {
    const { days, url } = paths[i % paths.length];
    const to = Math.ceil(Date.now() / 60000) * 60000;
    const target = url
      .replaceAll("__FROM__", new Date(to - days * 86400000).toISOString())
      .replaceAll("__TO__", new Date(to).toISOString());
    const started = performance.now();
    const res = await fetch(target, { headers: { authorization: "Bearer " + token } });
    await res.text();
    if (res.status !== 200) throw new Error(target + ": " + res.status);
    latencies.push(performance.now() - started);
  }
};
Promise.all(Array.from({ length: clients }, (_, c) => user(c))).then(() => parentPort.postMessage(latencies));
`;

/**
 * One person opening a dashboard view every 2 s until told to stop: the view's requests are sent at once,
 * as the dashboard sends them; posts how long each view took to be complete.
 */
const VIEW_USER = `
const { parentPort, workerData } = require("node:worker_threads");
const { urls, token, days } = workerData;
let stop = false;
const views = [];
parentPort.once("message", () => { stop = true; });
(async () => {
  while (!stop) {
    const started = performance.now();
    const to = Math.ceil(Date.now() / 60000) * 60000;
    const from = new Date(to - days * 86400000).toISOString();
    await Promise.all(urls.map(async (template) => {
      const url = template.replaceAll("__FROM__", from).replaceAll("__TO__", new Date(to).toISOString());
      const res = await fetch(url, { headers: { authorization: "Bearer " + token } });
      await res.text();
      if (res.status !== 200) throw new Error(url + ": " + res.status);
    }));
    views.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  parentPort.postMessage(views);
})();
`;

/**
 * The time to open the 7-day view (its rollup requests at once) every 2 s for `--seconds`, without and
 * then with ingestion at `--rate`: what pacing costs a person while surveys arrive.
 */
async function measureViews(base: string, key: string) {
  // Like the dashboard's, each view's range ends at the next full minute (filled in by the worker).
  const urls = dashboardRequests(7, { from: "__FROM__", to: "__TO__" })
    .filter((r) => !r.name.includes("(raw)") && !r.name.startsWith("list"))
    .map((r) => base + r.path);
  const run = async (during: () => Promise<unknown>) => {
    const user = new Worker(VIEW_USER, { eval: true, workerData: { urls, token: OPERATOR, days: 7 } });
    const stopped = new Promise<number[]>((resolve, reject) => {
      user.once("message", resolve);
      user.once("error", reject);
    });
    await during();
    user.postMessage("stop");
    const views = (await stopped).sort((a, b) => a - b);
    await user.terminate();
    return { views: views.length, p50: ms(quantile(views, 0.5)), max: ms(views.at(-1) as number) };
  };
  return {
    requestsPerView: urls.length,
    idle: await run(() => sleep(SECONDS * 1000)),
    duringIngestion: await run(() => measureIngest(base, key)),
  };
}

async function timed(base: string, path: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(base + path, { headers: { authorization: `Bearer ${OPERATOR}` } });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body.slice(0, 300)}`);
  return performance.now() - started;
}

async function measureQueries(base: string) {
  const results: Array<{ range: string; name: string; p50: number; p95: number; max: number }> = [];
  for (const days of [7, 30]) {
    for (const { name, path } of dashboardRequests(days)) {
      for (let i = 0; i < 3; i++) await timed(base, path);
      const samples: number[] = [];
      for (let i = 0; i < SAMPLES; i++) samples.push(await timed(base, path));
      samples.sort((a, b) => a - b);
      const row = {
        range: `${days}d`,
        name,
        p50: ms(quantile(samples, 0.5)),
        p95: ms(quantile(samples, 0.95)),
        max: ms(samples.at(-1) as number),
      };
      log(`bench: ${row.range} ${name}: p50 ${row.p50} ms, p95 ${row.p95} ms`);
      results.push(row);
    }
  }
  return results;
}

/** POST one survey every 1/RATE s (open loop) for SECONDS; latencies of the 2xx answers. */
function measureIngest(base: string, key: string) {
  return steadyIngest(base, key, RATE, SECONDS);
}

/**
 * `--rounds` pairs of phases, each `--seconds` long: ingestion alone, then ingestion while two dashboard
 * users send the dashboard's requests back to back. One phase's p99 rests on its 30 slowest requests,
 * so one stall (a checkpoint, the kernel flushing) moves it by 2×; alternating the phases and pooling
 * each kind's latencies gives the p99 of 3,000 × rounds requests, measured under the same conditions.
 */
async function measureIngestRounds(base: string, key: string) {
  // The two dashboard users run on their own thread: on the load generator's event loop, parsing their
  // answers would delay the ingestion client's own timers and count as ingestion latency.
  // Like the dashboard, each request's range ends at the next full minute, so surveys stored meanwhile
  // are inside it (a range fixed at the start would leave them after its end, in its last slot).
  const bounds = { from: "__FROM__", to: "__TO__" };
  const paths = [7, 30].flatMap((days) =>
    dashboardRequests(days, bounds)
      .filter((r) => !r.name.includes("(raw)"))
      .map((r) => ({ days, url: base + r.path })),
  );
  const alone: Array<Awaited<ReturnType<typeof measureIngest>>> = [];
  const withDashboard: typeof alone = [];
  const rounds: Array<{ aloneP99: number; withDashboardP99: number; dashboardRequests: number }> = [];
  const dashboardLatencies: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    alone.push(await measureIngest(base, key));
    const dashboardUsers = new Worker(DASHBOARD_USERS, {
      eval: true,
      workerData: { paths, token: OPERATOR, clients: 2 },
    });
    const usersStopped = new Promise<number[]>((resolve, reject) => {
      dashboardUsers.once("message", resolve);
      dashboardUsers.once("error", reject);
    });
    withDashboard.push(await measureIngest(base, key));
    dashboardUsers.postMessage("stop");
    const latencies = await usersStopped;
    await dashboardUsers.terminate();
    dashboardLatencies.push(...latencies);
    const result = {
      aloneP99: percentiles(alone.slice(-1)).p99,
      withDashboardP99: percentiles(withDashboard.slice(-1)).p99,
      dashboardRequests: latencies.length,
    };
    log(
      `bench: round ${round}: ingestion p99 ${result.aloneP99} ms alone, ${result.withDashboardP99} ms with dashboard (${result.dashboardRequests} dashboard requests)`,
    );
    rounds.push(result);
  }
  dashboardLatencies.sort((a, b) => a - b);
  // Two users back to back: each request also waits for the other user's, and for the reader's pauses.
  const dashboardDuringIngestion = {
    requests: dashboardLatencies.length,
    p50: ms(quantile(dashboardLatencies, 0.5)),
    p95: ms(quantile(dashboardLatencies, 0.95)),
  };
  const pooledAlone = percentiles(alone);
  const pooledWith = percentiles(withDashboard);
  return {
    ratePerSecond: RATE,
    seconds: SECONDS,
    rounds,
    alone: pooledAlone,
    withDashboard: { ...pooledWith, dashboardRequests: dashboardDuringIngestion.requests },
    dashboardDuringIngestion,
    p99Ratio: Math.round((pooledWith.p99 / pooledAlone.p99) * 100) / 100,
  };
}

async function main() {
  const prepared = await prepare();
  if (args["load-only"]) {
    await prepared.cleanup();
    return;
  }
  const { server, base } = await serveForBench(
    [
      ...(args["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${resolve(args["cpu-prof"])}`] : []),
      "--conditions=source",
      "--import",
      "tsx",
      join(SERVER, "src/cli.ts"),
    ],
    prepared.storeArgs,
  );
  try {
    const queries = SAMPLES > 0 ? await measureQueries(base) : [];
    const ingest = await measureIngestRounds(base, prepared.ingestKey);
    const views = await measureViews(base, prepared.ingestKey);
    log(
      `bench: opening the 7-day view (${views.requestsPerView} requests): p50 ${views.idle.p50} ms, max ${views.idle.max} ms without ingestion; p50 ${views.duringIngestion.p50} ms, max ${views.duringIngestion.max} ms during ingestion`,
    );
    log(
      `bench: ingestion p99 over ${ROUNDS} rounds: ${ingest.alone.p99} ms alone, ${ingest.withDashboard.p99} ms with dashboard (${ingest.p99Ratio}×); dashboard requests meanwhile: p50 ${ingest.dashboardDuringIngestion.p50} ms, p95 ${ingest.dashboardDuringIngestion.p95} ms`,
    );
    const report = {
      engine: ENGINE,
      surveys: SURVEYS,
      days: DAYS,
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model,
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        node: process.version,
      },
      commit: spawnSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, encoding: "utf8" }).stdout.trim(),
      insertSeconds: Math.round(prepared.insertSeconds),
      loadedAt: prepared.loadedAt,
      samplesPerRequest: SAMPLES,
      queries,
      ingest,
      views,
    };
    const output = args.output ?? join(ROOT, `artifacts/bench-query-${ENGINE}-${SURVEYS}.json`);
    mkdirSync(dirname(output), { recursive: true });
    writeFileSync(output, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`| range | request | p50 ms | p95 ms |\n| --- | --- | --- | --- |`);
    for (const q of queries) console.log(`| ${q.range} | ${q.name} | ${q.p50} | ${q.p95} |`);
    console.log(
      `ingest alone: ${JSON.stringify(ingest.alone)}\ningest with dashboard: ${JSON.stringify(ingest.withDashboard)}\np99 ratio: ${ingest.p99Ratio}`,
    );
    log(`bench: wrote ${output}`);
  } finally {
    await server.stop();
    await prepared.cleanup();
  }
}

await main();
