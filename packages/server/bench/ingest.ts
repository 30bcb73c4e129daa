/**
 * `npm run bench:ingest`: how fast does Aftercall durably ingest single surveys, compared with the
 * ceiling of one Node process?
 *
 * Three targets, each a child process on loopback, each loaded by autocannon (in this process) at 1 and
 * 50 connections, with a warm-up that is not counted:
 *   - bare:     node:http that reads the body, JSON.parses it and answers 202 (bench/bare-server.mjs);
 *   - sqlite:   `aftercall serve` on a fresh SQLite data directory (WAL, synchronous=FULL);
 *   - postgres: `aftercall serve` on a throwaway PostgreSQL (test/support/postgres.ts).
 * Two diagnostic targets can be added (bench/variant-server.mjs): `memory` (the same app, surveys kept in
 * memory: no database at all) and `sqlite-nosync` (SQLite with synchronous=OFF: no fsync). `postgres-2`
 * runs two servers on one PostgreSQL, the connections split between them. `--baseline <ref>` (or
 * BENCH_BASELINE=<ref>) builds another commit beside this checkout (bench/baseline.ts) and adds
 * `baseline-sqlite` / `baseline-postgres` for each engine measured, so the comparison is in one run.
 * During the measured runs the rollup lag is sampled from the store (bench/rollup-lag.ts), and at the end
 * the rollups must answer exactly what raw rows answer.
 * Every request carries a fresh random UUID, so each 2xx is a real durable insert. After every run the
 * store is counted, and at the end every acknowledged id is looked up, so the numbers are honest.
 *
 * With `taskset` and at least two CPUs, the load generator runs on CPU 0 and the server side (Node, and
 * PostgreSQL) on CPU 1. Settings (environment):
 *   BENCH_SECONDS=10 BENCH_WARMUP_SECONDS=3 BENCH_CONNECTIONS=1,50
 *   BENCH_TARGETS=bare,sqlite,postgres (also: memory, sqlite-nosync)
 *   BENCH_SERVER=dist|source (dist: build with tsc -b first, run dist/cli.js; BENCH_BUILD=0 skips the build)
 *   BENCH_PIN=0 (no pinning) BENCH_LOADGEN_CPU=0 BENCH_SERVER_CPU=1 BENCH_PG_CPUS=<server cpu>
 *   BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" (extra node flags for the Aftercall server)
 *   AFTERCALL_LOG_LEVEL=warn (passed to the server; "info" writes one log line per request)
 *   BENCH_QUIET_WAIT_SECONDS=0 (on a shared machine: before each measured run, wait up to this long
 *     for a second in which other jobs use < 20 % of a core)
 *   BENCH_OUTPUT=artifacts/bench-ingest.json
 */
import { spawnSync } from "node:child_process";
import {
  closeSync,
  fdatasyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir, totalmem } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { createHistogram } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import autocannon, { type Result } from "autocannon";
import postgres from "postgres";
import type { StoreLocation } from "../src/open-store.js";
import type { Database } from "../src/store/database.js";
import { openDatabase } from "../src/store/open-database.js";
import { countSurveys, exportSurveys } from "../src/surveys/survey-reads.js";
import { startPostgres } from "../test/support/postgres.js";
import { type Baseline, prepareBaseline } from "./baseline.js";
import {
  buildServer,
  type Child,
  cpuCount,
  cpuJiffies,
  cpuPercent,
  hasTaskset,
  pinProcess,
  processCpuSeconds,
  startChild,
} from "./processes.js";
import { checkRollups, type LagSamples, type RollupCheck, sampleRollupLag } from "./rollup-lag.js";
import { SurveyBodies } from "./survey-body.js";

type TargetName =
  | "bare"
  | "sqlite"
  | "postgres"
  | "postgres-2"
  | "memory"
  | "sqlite-nosync"
  | "baseline-sqlite"
  | "baseline-postgres";
const TARGET_NAMES: readonly TargetName[] = [
  "bare",
  "sqlite",
  "postgres",
  "postgres-2",
  "memory",
  "sqlite-nosync",
  "baseline-sqlite",
  "baseline-postgres",
];
/** Targets that run on PostgreSQL. */
const ON_POSTGRES = new Set<TargetName>(["postgres", "postgres-2", "baseline-postgres"]);
/** Targets whose rollups are folded after the commit (this checkout's Aftercall). */
const FOLDING = new Set<TargetName>(["sqlite", "postgres", "postgres-2"]);

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../../..");
const SERVER = resolve(HERE, "..");

// ---------------------------------------------------------------------------------------------------
// Settings

function numberEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number`);
  return value;
}

const SECONDS = numberEnv("BENCH_SECONDS", 10);
const WARMUP_SECONDS = numberEnv("BENCH_WARMUP_SECONDS", 3);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? "1,50").split(",").map((c) => {
  const n = Number(c.trim());
  if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_CONNECTIONS: bad value "${c}"`);
  return n;
});
const BASELINE_REF = (() => {
  const i = process.argv.indexOf("--baseline");
  return i >= 0 ? process.argv[i + 1] : process.env.BENCH_BASELINE || undefined;
})();
const TARGETS = (process.env.BENCH_TARGETS ?? "bare,sqlite,postgres").split(",").flatMap((t) => {
  const name = t.trim() as TargetName;
  if (!TARGET_NAMES.includes(name)) {
    throw new Error(`BENCH_TARGETS: unknown target "${name}" (${TARGET_NAMES.join(", ")})`);
  }
  // With a baseline, each engine measured is measured at the baseline too, right after.
  if (BASELINE_REF && (name === "sqlite" || name === "postgres")) return [name, `baseline-${name}` as const];
  return [name];
});
let serverMode: "dist" | "source" = process.env.BENCH_SERVER === "source" ? "source" : "dist";
const LOG_LEVEL = process.env.AFTERCALL_LOG_LEVEL ?? "warn";
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
const OUTPUT = resolve(ROOT, process.env.BENCH_OUTPUT ?? "artifacts/bench-ingest.json");
const PIN = process.env.BENCH_PIN !== "0" && process.platform === "linux" && cpuCount() >= 2 && hasTaskset();
const LOADGEN_CPU = process.env.BENCH_LOADGEN_CPU ?? "0";
const SERVER_CPU = process.env.BENCH_SERVER_CPU ?? "1";
const PG_CPUS = process.env.BENCH_PG_CPUS ?? SERVER_CPU;
/** The goals: p99 ≤ 50 ms at the highest concurrency; ≥ 50 % of the no-storage variant (moonshot 70 %). */
const GOAL = { p99Ms: 50, percentOfMemory: 50, moonshotPercentOfMemory: 70 };

const runsPerTarget = CONNECTIONS.length * (WARMUP_SECONDS > 0 ? 2 : 1);
const QUIET_WAIT_SECONDS = numberEnv("BENCH_QUIET_WAIT_SECONDS", 0);
const loadSeconds =
  TARGETS.length * CONNECTIONS.length * (WARMUP_SECONDS + SECONDS + 1.5 + QUIET_WAIT_SECONDS);
/** Hard limit for the whole benchmark: load time plus generous room for build, start-ups and checks. */
const DEADLINE_SECONDS = numberEnv("BENCH_TIMEOUT_SECONDS", Math.ceil(loadSeconds + 90));

const log = (message: string) => process.stderr.write(`${message}\n`);

// ---------------------------------------------------------------------------------------------------
// Cleanup: children are killed by processes.ts on exit, PostgreSQL by the harness; temp dirs here.

const tempDirs = new Set<string>();
process.once("exit", () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`\nbench: ${signal}, stopping everything`);
    process.exit(signal === "SIGINT" ? 130 : 143);
  });
}
const watchdog = setTimeout(() => {
  log(`bench: still running after ${DEADLINE_SECONDS} s (BENCH_TIMEOUT_SECONDS); giving up`);
  process.exit(3);
}, DEADLINE_SECONDS * 1000);
watchdog.unref();

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

// ---------------------------------------------------------------------------------------------------
// Machine facts, for the report

function machine() {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? "unknown";
  const df = spawnSync("df", ["-PT", tmpdir()], { encoding: "utf8" }).stdout?.split("\n")[1]?.split(/\s+/);
  const device = df?.[0] ?? "unknown";
  const block = /^\/dev\/([a-z]+)/.exec(device)?.[1];
  let rotational: string | undefined;
  try {
    if (block) rotational = readFileSync(`/sys/block/${block}/queue/rotational`, "utf8").trim();
  } catch {}
  return {
    cpus: cpuCount(),
    cpuModel: model,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel: readFileSync("/proc/sys/kernel/osrelease", "utf8").trim(),
    tmpdir: tmpdir(),
    disk: { device, filesystem: df?.[1] ?? "unknown", rotational: rotational === "1" },
  };
}

/** What one durable commit costs on this disk: append 4 KiB and fdatasync, like a WAL commit. */
function fsyncProbe(dir: string, count = 200): { medianMs: number; p99Ms: number; count: number } {
  const path = join(dir, "fsync-probe");
  const fd = openSync(path, "w");
  const block = Buffer.alloc(4096, 7);
  const times: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const start = process.hrtime.bigint();
      writeSync(fd, block);
      fdatasyncSync(fd);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => round(times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0, 3);
  return { medianMs: at(0.5), p99Ms: at(0.99), count };
}

/** The code measured: commit, and whether the server's sources differ from it (others may be editing). */
function sourceState(): { commit: string; modifiedFiles: string[] } {
  // trimEnd only: porcelain lines start with a status column that may be a space (" M path").
  const git = (args: string[]) =>
    spawnSync("git", args, { cwd: ROOT, encoding: "utf8" }).stdout?.trimEnd() ?? "";
  const modified = git(["status", "--porcelain", "--", "packages/server/src", "packages/schema/src"]);
  return {
    commit: git(["rev-parse", "--short", "HEAD"]) || "unknown",
    modifiedFiles: modified ? modified.split("\n").map((l) => l.slice(3)) : [],
  };
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

// ---------------------------------------------------------------------------------------------------
// Load

interface RunStats {
  target: TargetName;
  connections: number;
  phase: "warmup" | "measured";
  /** Wall-clock seconds of the run as autocannon measured it. */
  seconds: number;
  count2xx: number;
  requestsPerSecond: number;
  /** Of 2xx responses, measured with microsecond resolution. */
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
  /** autocannon's own (whole-millisecond) percentiles, for reference. */
  autocannonLatencyMs: { p50: number; p99: number };
  non2xx: number;
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  /** Requests written to a socket, and those answered before the run stopped. */
  sent: number;
  answered: number;
  /** CPU used by the server process (Node only), % of one core. */
  serverCpuPercent: number;
  /** CPU used by the PostgreSQL processes (backends and auxiliaries), % of one core; postgres only. */
  databaseCpuPercent?: number;
  /** Server-side CPU (Node + PostgreSQL) per 2xx response, in microseconds. Robust to a noisy machine. */
  cpuMicrosPerRequest: number;
  /** CPU used by this process (autocannon), % of one core. */
  loadgenCpuPercent: number;
  /** CPU used by anything else on the machine (other jobs), % of one core: the noise of this run. */
  otherCpuPercent: number;
  /** Per-CPU busy and iowait %, over the run. */
  cpus: Array<{ busy: number; iowait: number }>;
  /** Lines the server wrote to stdout (its log) during the run. */
  serverLogLines: number;
  /** How far the rollups trailed ingestion during the run (folding targets). */
  rollupLag?: LagSamples;
  verification?: RunVerification;
}

interface RunVerification {
  storedBefore: number;
  storedAfter: number;
  /** Surveys this run added to the store. */
  stored: number;
  /** Stored surveys beyond the 2xx count: requests in flight when the run stopped that still committed. */
  committedButCutOff: number;
  ok: boolean;
}

interface LoadResult {
  stats: RunStats;
  sentIds: string[];
  ackedIds: string[];
}

async function load(
  target: Target,
  connections: number,
  seconds: number,
  phase: RunStats["phase"],
): Promise<LoadResult> {
  const { servers, bases, key } = target;
  const bodies = new SurveyBodies();
  const sentIds: string[] = [];
  const ackedIds: string[] = [];
  let answered = 0;
  const latency = createHistogram({ lowest: 1, highest: 60_000_000, figures: 3 }); // microseconds
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key) headers.authorization = `Bearer ${key}`;

  const databasePids = (await target.databasePids?.()) ?? [];
  const databaseCpu = () => databasePids.reduce((sum, pid) => sum + (processCpuSeconds(pid) || 0), 0);
  const databaseCpuBefore = databaseCpu();
  const cpuBefore = cpuJiffies();
  const serverCpuOf = () => servers.reduce((sum, child) => sum + processCpuSeconds(child.pid), 0);
  const serverCpuBefore = serverCpuOf();
  const loadgenBefore = process.cpuUsage();
  const logLines = () => servers.reduce((sum, child) => sum + child.stdoutLines(), 0);
  const logLinesBefore = logLines();
  const lag =
    FOLDING.has(target.name) && target.location && phase === "measured"
      ? sampleRollupLag(await verifier(target.location))
      : undefined;
  const result = await new Promise<Result>((resolvePromise, reject) => {
    const instance = autocannon(
      {
        // Several servers: autocannon spreads the connections over them.
        url: bases.length === 1 ? (bases[0] as string) : bases,
        connections,
        duration: seconds,
        pipelining: 1,
        timeout: 10,
        requests: [
          {
            method: "POST",
            path: "/v1/surveys",
            headers,
            // A fresh body (fresh UUID) for every request; the context travels to onResponse.
            setupRequest: (request, context) => {
              const { id, body } = bodies.next();
              context.id = id;
              sentIds.push(id);
              request.body = body;
              return request;
            },
            onResponse: (status, _body, context) => {
              answered++;
              if (status >= 200 && status < 300) ackedIds.push(context.id as string);
            },
          },
        ],
      },
      (error, res) => (error ? reject(error) : resolvePromise(res)),
    );
    instance.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status >= 200 && status < 300) latency.record(Math.max(1, Math.round(ms * 1000)));
    });
  });
  const loadgen = process.cpuUsage(loadgenBefore);
  const cpus = cpuPercent(cpuBefore, cpuJiffies());
  const serverCpu = serverCpuOf() - serverCpuBefore;
  const rollupLag = await lag?.stop();
  const databaseCpuUsed = databaseCpu() - databaseCpuBefore;
  const loadgenCpu = (loadgen.user + loadgen.system) / 1e6;
  const duration = result.duration || seconds;
  const percent = (cpuSeconds: number) => round((cpuSeconds / duration) * 100, 1);
  const busy = cpus.reduce((sum, c) => sum + c.busy, 0);
  const ms = (us: number) => round(us / 1000, 2);
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = count;
  const stats: RunStats = {
    target: target.name,
    connections,
    phase,
    seconds: duration,
    count2xx: result["2xx"],
    requestsPerSecond: Math.round(result["2xx"] / duration),
    latencyMs: {
      mean: ms(latency.count ? latency.mean : 0),
      p50: ms(latency.count ? latency.percentile(50) : 0),
      p90: ms(latency.count ? latency.percentile(90) : 0),
      p99: ms(latency.count ? latency.percentile(99) : 0),
      max: ms(latency.count ? latency.max : 0),
    },
    autocannonLatencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
    non2xx: result.non2xx,
    statusCodes,
    errors: result.errors,
    timeouts: result.timeouts,
    sent: sentIds.length,
    answered,
    serverCpuPercent: percent(serverCpu),
    ...(databasePids.length ? { databaseCpuPercent: percent(databaseCpuUsed) } : {}),
    cpuMicrosPerRequest: result["2xx"]
      ? Math.round(((serverCpu + databaseCpuUsed) / result["2xx"]) * 1e6)
      : 0,
    loadgenCpuPercent: percent(loadgenCpu),
    otherCpuPercent: Math.max(0, round(busy - percent(serverCpu + databaseCpuUsed + loadgenCpu), 1)),
    cpus,
    serverLogLines: logLines() - logLinesBefore,
    ...(rollupLag ? { rollupLag } : {}),
  };
  return { stats, sentIds, ackedIds };
}

// ---------------------------------------------------------------------------------------------------
// Targets

interface Target {
  name: TargetName;
  /** One server, or two sharing a database (`postgres-2`). */
  servers: Child[];
  bases: string[];
  key?: string;
  /** The store the server writes to, for verification (Aftercall targets only). */
  location?: StoreLocation;
  /** Pids of the PostgreSQL processes, to measure their CPU (postgres only). */
  databasePids?: () => Promise<number[]>;
  cleanup(): Promise<void>;
}

async function startBare(): Promise<Target> {
  const server = await startChild({
    command: process.execPath,
    args: [join(HERE, "bare-server.mjs")],
    cpus: PIN ? SERVER_CPU : undefined,
    ready: /listening on http:\/\/\S+/,
  });
  const base = /listening on (http:\/\/\S+)/.exec(server.output())?.[1] as string;
  return { name: "bare", servers: [server], bases: [base], cleanup: () => server.stop() };
}

function serverCommand(): string[] {
  return serverMode === "dist"
    ? [...NODE_ARGS, join(SERVER, "dist/cli.js")]
    : ["--conditions=source", "--import", "tsx", ...NODE_ARGS, join(SERVER, "src/cli.ts")];
}

let baseline: Baseline | undefined;

/** The command line of `aftercall serve` for a target: this checkout's, or the baseline's build. */
function serveArgs(name: TargetName, storeArgs: string[]): string[] {
  if (name === "memory" || name === "sqlite-nosync")
    return [
      ...(serverMode === "source" ? ["--conditions=source", "--import", "tsx"] : []),
      ...NODE_ARGS,
      join(HERE, "variant-server.mjs"),
      ...storeArgs,
    ];
  const serve = ["serve", "--host", "127.0.0.1", "--port", "0"];
  if (name.startsWith("baseline-")) {
    if (!baseline) throw new Error("no baseline was built (--baseline <ref>)");
    return [
      ...NODE_ARGS,
      baseline.cli,
      ...serve,
      ...(baseline.hasNoDemoData ? ["--no-demo-data"] : []),
      ...storeArgs,
    ];
  }
  return [...serverCommand(), ...serve, "--no-demo-data", ...storeArgs];
}

async function startAftercall(name: Exclude<TargetName, "bare">): Promise<Target> {
  const cleanups: Array<() => Promise<void>> = [];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step().catch((e) => log(`bench: cleanup: ${String(e)}`));
  };
  try {
    let location: StoreLocation;
    let storeArgs: string[];
    let databasePids: Target["databasePids"];
    if (!ON_POSTGRES.has(name)) {
      const dir = tempDir("aftercall-bench-");
      cleanups.push(async () => removeTempDir(dir));
      location = { engine: "sqlite", dataDir: dir };
      storeArgs = ["--data-dir", dir];
    } else {
      // Started while this process is pinned to PG_CPUS, so the postmaster and its backends inherit them.
      if (PIN) pinProcess(process.pid, PG_CPUS);
      try {
        const pg = await startPostgres();
        cleanups.push(() => pg.stop());
        location = { engine: "postgres", url: pg.url };
        storeArgs = ["--database-url", pg.url];
        const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
        cleanups.push(() => sql.end({ timeout: 5 }));
        databasePids = async () =>
          (
            await sql<Array<{ pid: number }>>`SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid()`
          ).map((r) => r.pid);
      } finally {
        if (PIN) pinProcess(process.pid, LOADGEN_CPU);
      }
    }
    // The bench floods from one address: rate limits would measure themselves, not ingestion.
    const env: NodeJS.ProcessEnv = {
      AFTERCALL_RATE_LIMITS: "off",
      ...process.env,
      AFTERCALL_LOG_LEVEL: LOG_LEVEL,
    };
    for (const variable of [
      "DATABASE_URL",
      "AFTERCALL_DATA_DIR",
      "AFTERCALL_HOST",
      "AFTERCALL_PORT",
      "PORT",
    ]) {
      delete env[variable];
    }
    if (name === "memory" || name === "sqlite-nosync") env.BENCH_VARIANT = name;
    env.BENCH_SERVER_CODE = serverMode === "dist" ? "dist" : "src";
    // The first server of a store prints its ingest key; a second one on the same store only its banner.
    const start = (ready: RegExp) =>
      startChild({
        command: process.execPath,
        args: serveArgs(name, storeArgs),
        env,
        cpus: PIN ? SERVER_CPU : undefined,
        ready,
      });
    const first = await start(/ingest key\s+\(publishable, submit only\): ac_pk_\S+/);
    cleanups.push(() => first.stop());
    const servers = [first];
    if (name === "postgres-2") {
      const second = await start(/Aftercall.* is running at http:\/\/\S+/);
      cleanups.push(() => second.stop());
      servers.push(second);
    }
    const bases = servers.map((s) => /Aftercall.* is running at (http:\/\/\S+)/.exec(s.output())?.[1] ?? "");
    const key = /ingest key\s+\(publishable, submit only\): (ac_pk_\S+)/.exec(first.output())?.[1];
    if (bases.some((b) => !b) || !key)
      throw new Error(`Could not read the URL and ingest key from:\n${first.output()}`);
    return {
      name,
      servers,
      bases,
      key,
      // The memory variant keeps surveys in its own process: nothing to count from outside.
      ...(name === "memory" ? {} : { location }),
      cleanup,
      ...(databasePids ? { databasePids } : {}),
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------
// Verification: the store, not the client, says what was durably ingested.

/** Wait (at most `seconds`) for a second in which the machine is nearly idle; our servers idle meanwhile. */
async function waitForQuiet(seconds: number): Promise<void> {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    const before = cpuJiffies();
    await sleep(1000);
    const busy = cpuPercent(before, cpuJiffies()).reduce((sum, c) => sum + c.busy, 0);
    if (busy < 20) return;
  }
  log(`bench: the machine stayed busy for ${seconds} s (BENCH_QUIET_WAIT_SECONDS); measuring anyway`);
}

const PROJECT = "demo"; // the first project `aftercall serve` creates on an empty store

/**
 * The bench's own connection to a target's store, without migrating it: a baseline's store must keep
 * the schema (and triggers) of the baseline's code. One per store, closed when the target ends.
 */
const verifiers = new Map<string, Promise<Database>>();
function verifier(location: StoreLocation): Promise<Database> {
  const id = location.engine === "sqlite" ? location.dataDir : location.url;
  let db = verifiers.get(id);
  if (!db) {
    db = openDatabase(location, { migrations: [] });
    verifiers.set(id, db);
  }
  return db;
}

async function closeVerifier(location: StoreLocation): Promise<void> {
  const id = location.engine === "sqlite" ? location.dataDir : location.url;
  const db = verifiers.get(id);
  verifiers.delete(id);
  await (await db)?.close();
}

async function withStore<T>(location: StoreLocation, fn: (db: Database) => Promise<T>): Promise<T> {
  return fn(await verifier(location));
}

/** Count the stored surveys once the count stops moving (requests cut off at the end still commit). */
async function settledCount(location: StoreLocation): Promise<number> {
  return withStore(location, async (db) => {
    let previous = await countSurveys(db, PROJECT);
    for (let i = 0; i < 50; i++) {
      await sleep(100);
      const now = await countSurveys(db, PROJECT);
      if (now === previous) return now;
      previous = now;
    }
    return previous;
  });
}

interface FinalCheck {
  stored: number;
  acknowledged: number;
  sent: number;
  /** Acknowledged (2xx) ids that are not in the store: must be 0. */
  acknowledgedMissing: number;
  /** Stored ids that were never sent: must be 0. */
  storedNeverSent: number;
  ok: boolean;
}

async function finalCheck(
  location: StoreLocation,
  sent: Set<string>,
  acked: Set<string>,
): Promise<FinalCheck> {
  return withStore(location, async (db) => {
    const stored = new Set<string>();
    for await (const record of exportSurveys(db, PROJECT, {})) stored.add(record.id);
    let acknowledgedMissing = 0;
    for (const id of acked) if (!stored.has(id)) acknowledgedMissing++;
    let storedNeverSent = 0;
    for (const id of stored) if (!sent.has(id)) storedNeverSent++;
    return {
      stored: stored.size,
      acknowledged: acked.size,
      sent: sent.size,
      acknowledgedMissing,
      storedNeverSent,
      ok: acknowledgedMissing === 0 && storedNeverSent === 0,
    };
  });
}

// ---------------------------------------------------------------------------------------------------
// Main

interface TargetReport {
  name: TargetName;
  status: "ok" | "failed" | "skipped";
  reason?: string;
  runs: RunStats[];
  finalCheck?: FinalCheck;
  rollups?: RollupCheck;
}

async function benchTarget(name: TargetName): Promise<TargetReport> {
  const report: TargetReport = { name, status: "ok", runs: [] };
  let target: Target | undefined;
  try {
    target = name === "bare" ? await startBare() : await startAftercall(name);
    log(
      `bench: ${name} listening at ${target.bases.join(", ")} (pid ${target.servers.map((c) => c.pid).join(", ")})`,
    );
    const sent = new Set<string>();
    const acked = new Set<string>();
    for (const connections of CONNECTIONS) {
      const phases: Array<[RunStats["phase"], number]> = [
        ["warmup", WARMUP_SECONDS],
        ["measured", SECONDS],
      ];
      for (const [phase, seconds] of phases) {
        if (seconds <= 0) continue;
        if (phase === "measured" && QUIET_WAIT_SECONDS > 0) await waitForQuiet(QUIET_WAIT_SECONDS);
        const before = target.location ? await settledCount(target.location) : 0;
        const { stats, sentIds, ackedIds } = await load(target, connections, seconds, phase);
        for (const id of sentIds) sent.add(id);
        for (const id of ackedIds) acked.add(id);
        if (target.location) {
          const after = await settledCount(target.location);
          const stored = after - before;
          const cutOff = stats.sent - stats.answered;
          stats.verification = {
            storedBefore: before,
            storedAfter: after,
            stored,
            committedButCutOff: stored - stats.count2xx,
            ok: stored >= stats.count2xx && stored <= stats.count2xx + cutOff,
          };
        }
        report.runs.push(stats);
        const v = stats.verification;
        log(
          `bench: ${name} c=${connections} ${phase}: ${stats.requestsPerSecond} req/s, ` +
            `p50 ${stats.latencyMs.p50} ms, p99 ${stats.latencyMs.p99} ms, 2xx ${stats.count2xx}, ` +
            `non-2xx ${stats.non2xx}, errors ${stats.errors}, server CPU ${stats.serverCpuPercent} %` +
            (stats.databaseCpuPercent !== undefined ? ` + PostgreSQL ${stats.databaseCpuPercent} %` : "") +
            ` (${stats.cpuMicrosPerRequest} µs/request), load generator CPU ${stats.loadgenCpuPercent} %, ` +
            `other jobs ${stats.otherCpuPercent} %` +
            (v
              ? `; stored ${v.stored} = 2xx ${stats.count2xx} + ${v.committedButCutOff} cut off at the end` +
                ` (${stats.sent - stats.answered} unanswered) ${v.ok ? "OK" : "MISMATCH"}`
              : ""),
        );
      }
    }
    if (target.location) {
      report.finalCheck = await finalCheck(target.location, sent, acked);
      const f = report.finalCheck;
      log(
        `bench: ${name} store holds ${f.stored} surveys; ${f.acknowledged} acknowledged (2xx), ` +
          `${f.acknowledgedMissing} of them missing, ${f.storedNeverSent} stored but never sent: ` +
          (f.ok ? "OK" : "FAILED"),
      );
      if (FOLDING.has(name)) {
        report.rollups = await checkRollups(await verifier(target.location), PROJECT);
        const r = report.rollups;
        log(
          `bench: ${name} rollups caught up ${r.caughtUpAfterSeconds} s after the load; ` +
            `rollups equal raw rows for ${r.surveys} surveys: ${r.exact ? "OK" : "FAILED"}`,
        );
      }
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const unavailable = ON_POSTGRES.has(name) && /binaries .* not found/.test(message);
    report.status = unavailable ? "skipped" : "failed";
    report.reason = message;
    log(`bench: ${name} ${report.status}: ${message}`);
  } finally {
    if (target?.location) await closeVerifier(target.location).catch(() => {});
    await target?.cleanup();
  }
  return report;
}

function build(): void {
  if (serverMode !== "dist" || process.env.BENCH_BUILD === "0") return;
  log("bench: building the server (tsc -b packages/server)…");
  const failure = buildServer(ROOT);
  if (failure !== undefined) {
    log(
      `bench: the build failed, running the server from source instead (slower start, same code):\n${failure}`,
    );
    serverMode = "source";
  }
}

/** Other jobs above this (% of one core) during a run make its throughput unreliable: flagged ⚠. */
const NOISY = 25;

function markdownTable(reports: TargetReport[]): string {
  const measured = reports.flatMap((r) => r.runs.filter((s) => s.phase === "measured"));
  const at = (target: TargetName, c: number) =>
    measured.find((s) => s.target === target && s.connections === c)?.requestsPerSecond;
  const ratio = (s: RunStats, target: TargetName) => {
    const other = at(target, s.connections);
    return s.target !== target && other ? `${round((s.requestsPerSecond / other) * 100, 1)} %` : "—";
  };
  const rows = [
    "| target | conns | req/s | p50 ms | p99 ms | non-2xx | errors | server CPU | CPU µs/req | load gen CPU | other jobs CPU | % of ceiling | % of memory | rollup lag p99 | stored = 2xx |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
  ];
  for (const s of measured) {
    const v = s.verification;
    const check = v
      ? `${v.ok ? "yes" : "NO"}: ${v.stored} = ${s.count2xx}${v.committedButCutOff ? ` + ${v.committedButCutOff} cut off` : ""}`
      : "—";
    const cpu =
      s.databaseCpuPercent !== undefined
        ? `${s.serverCpuPercent} % + PG ${s.databaseCpuPercent} %`
        : `${s.serverCpuPercent} %`;
    const lag = s.rollupLag ? `${s.rollupLag.p99Seconds} s` : "—";
    rows.push(
      `| ${s.target} | ${s.connections} | ${s.requestsPerSecond} | ${s.latencyMs.p50} | ${s.latencyMs.p99} | ` +
        `${s.non2xx} | ${s.errors} | ${cpu} | ${s.cpuMicrosPerRequest} | ${s.loadgenCpuPercent} % | ` +
        `${s.otherCpuPercent} %${s.otherCpuPercent > NOISY ? " ⚠" : ""} | ${ratio(s, "bare")} | ${ratio(s, "memory")} | ${lag} | ${check} |`,
    );
  }
  for (const r of reports) {
    if (r.status === "ok") continue;
    // One line in the table (the error's own line if there is one); the whole reason is in the JSON.
    const lines = (r.reason ?? "").split("\n").map((l) => l.trim());
    const line =
      lines.find((l) => /error|bad option|not found/i.test(l)) ?? lines.filter(Boolean).at(-1) ?? "";
    rows.push(`| ${r.name} | ${r.status}: ${line.replaceAll("|", "\\|").slice(0, 200)} |`);
  }
  if (measured.some((s) => s.otherCpuPercent > NOISY)) {
    rows.push(
      "",
      `⚠ other jobs on this machine used more than ${NOISY} % of a core during that run: its req/s and latency are ` +
        "understated; CPU µs/req is still comparable.",
    );
  }
  return rows.join("\n");
}

/**
 * The goals of ingesting with rollups folded after the commit, at the most connections: each engine at
 * least as fast as the baseline (when measured) with p99 ≤ 50 ms, the rollups at most a second behind
 * (p99) and exact afterwards; the share of the no-storage `memory` variant is reported against the goal
 * (50 %) and the moonshot (70 %).
 */
function goal(reports: TargetReport[]) {
  const top = Math.max(...CONNECTIONS);
  const measured = reports.flatMap((r) =>
    r.runs.filter((s) => s.phase === "measured" && s.connections === top),
  );
  const find = (t: TargetName) => measured.find((s) => s.target === t);
  const memory = find("memory");
  return measured
    .filter((s) => FOLDING.has(s.target))
    .map((s) => {
      const base = find(s.target === "postgres-2" ? "postgres" : (`baseline-${s.target}` as TargetName));
      const rollups = reports.find((r) => r.name === s.target)?.rollups;
      const vsBaseline = base ? s.requestsPerSecond / base.requestsPerSecond : undefined;
      const vsMemory = memory ? s.requestsPerSecond / memory.requestsPerSecond : undefined;
      return {
        target: s.target,
        connections: top,
        requestsPerSecond: s.requestsPerSecond,
        cpuMicrosPerRequest: s.cpuMicrosPerRequest,
        p99Ms: s.latencyMs.p99,
        ...(vsBaseline !== undefined ? { ratioToBaseline: round(vsBaseline, 2), against: base?.target } : {}),
        ...(vsMemory !== undefined ? { percentOfMemory: round(vsMemory * 100, 1) } : {}),
        rollupLagP99Seconds: s.rollupLag?.p99Seconds,
        rollupsExact: rollups?.exact,
        met:
          (vsBaseline === undefined || s.target === "postgres-2" || vsBaseline >= 1) &&
          s.latencyMs.p99 <= GOAL.p99Ms &&
          (s.rollupLag?.p99Seconds ?? 0) <= 1 &&
          rollups?.exact !== false,
      };
    });
}

async function main(): Promise<number> {
  const started = Date.now();
  if (PIN) pinProcess(process.pid, LOADGEN_CPU);
  const facts = machine();
  const source = sourceState();
  const idleBefore = cpuJiffies();
  await sleep(1000);
  const background = round(
    cpuPercent(idleBefore, cpuJiffies()).reduce((sum, c) => sum + c.busy, 0),
    1,
  );
  if (background > 15) {
    log(
      `bench: WARNING: the machine is not idle (${background} % of one core busy before the benchmark started); ` +
        `throughput will be noisy, compare CPU µs/request instead`,
    );
  }
  const probeDir = tempDir("aftercall-fsync-");
  const fsync = fsyncProbe(probeDir);
  removeTempDir(probeDir);
  build();
  if (BASELINE_REF) baseline = prepareBaseline(ROOT, BASELINE_REF, log);
  log(
    `bench: ${TARGETS.join(", ")} × ${CONNECTIONS.join(", ")} connections, ${WARMUP_SECONDS} s warm-up + ` +
      `${SECONDS} s measured each (${runsPerTarget} runs per target); server from ${serverMode}, ` +
      `AFTERCALL_LOG_LEVEL=${LOG_LEVEL}; ` +
      (PIN
        ? `pinned: load generator CPU ${LOADGEN_CPU}, server CPU ${SERVER_CPU}, PostgreSQL CPU ${PG_CPUS}`
        : "not pinned (no taskset, fewer than 2 CPUs, or BENCH_PIN=0)") +
      `; code ${source.commit}${source.modifiedFiles.length ? ` + ${source.modifiedFiles.length} modified source files` : ""}` +
      `; ~${SurveyBodies.averageBytes()}-byte surveys; fsync (4 KiB append + fdatasync) median ${fsync.medianMs} ms, p99 ${fsync.p99Ms} ms`,
  );

  const reports: TargetReport[] = [];
  try {
    for (const name of TARGETS) reports.push(await benchTarget(name));
  } finally {
    baseline?.remove();
  }

  const table = markdownTable(reports);
  const verdicts = goal(reports);
  process.stdout.write(`\n${table}\n\n`);
  for (const v of verdicts) {
    process.stdout.write(
      `${v.target} at ${v.connections} connections: ${v.requestsPerSecond} req/s (${v.cpuMicrosPerRequest} µs CPU/request)` +
        (v.ratioToBaseline !== undefined ? `, ${v.ratioToBaseline}× ${v.against}` : "") +
        (v.percentOfMemory !== undefined
          ? `, ${v.percentOfMemory} % of memory (goal ${GOAL.percentOfMemory} %, moonshot ${GOAL.moonshotPercentOfMemory} %)`
          : "") +
        `, p99 ${v.p99Ms} ms, rollup lag p99 ${v.rollupLagP99Seconds ?? "—"} s, rollups exact ${v.rollupsExact ?? "—"}: ` +
        `${v.met ? "MET" : "MISSED"}\n`,
    );
  }
  const verified = reports.filter((r) => r.finalCheck);
  const durabilityOk = reports.every(
    (r) =>
      (r.finalCheck?.ok ?? true) &&
      (r.rollups?.exact ?? true) &&
      r.runs.every((s) => s.verification?.ok ?? true),
  );
  const failed = reports.filter((r) => r.status === "failed").map((r) => r.name);
  const checksOk = durabilityOk && failed.length === 0;
  if (verified.length > 0) {
    process.stdout.write(
      `Durability check of ${verified.map((r) => r.name).join(", ")} (every 2xx id is in the store; ` +
        `stored − 2xx only from requests cut off at the end): ${durabilityOk ? "OK" : "FAILED"}\n`,
    );
  }
  if (failed.length > 0) process.stdout.write(`Failed to run: ${failed.join(", ")} (see above)\n`);

  mkdirSync(dirname(OUTPUT), { recursive: true });
  await writeFile(
    OUTPUT,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: facts,
        source,
        fsyncProbe: fsync,
        backgroundCpuPercentBefore: background,
        settings: {
          seconds: SECONDS,
          warmupSeconds: WARMUP_SECONDS,
          connections: CONNECTIONS,
          targets: TARGETS,
          server: serverMode,
          logLevel: LOG_LEVEL,
          nodeArgs: NODE_ARGS,
          pinned: PIN ? { loadGenerator: LOADGEN_CPU, server: SERVER_CPU, postgres: PG_CPUS } : false,
          surveyBytes: SurveyBodies.averageBytes(),
        },
        ...(baseline ? { baseline: { ref: BASELINE_REF, commit: baseline.commit } } : {}),
        goal: { ...GOAL, verdicts },
        durabilityCheck: durabilityOk,
        failedTargets: failed,
        targets: reports,
        elapsedSeconds: round((Date.now() - started) / 1000, 1),
      },
      null,
      2,
    )}\n`,
  );
  log(
    `bench: raw results in ${relative(process.cwd(), OUTPUT)} (${round((Date.now() - started) / 1000, 1)} s)`,
  );
  return checksOk ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
