/**
 * Throwaway PostgreSQL servers for tests: `initdb` into a temp directory, start on a free TCP port of
 * 127.0.0.1 (no unix socket), trust auth, and remove everything on `stop()`. PostgreSQL refuses to run
 * as root, so when the tests run as root the server binaries are spawned as the `postgres` user (or
 * `nobody`) and the temp directory is handed over to that user.
 */
import { type SpawnSyncOptions, spawn, spawnSync } from "node:child_process";
import { accessSync, chownSync, constants, existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import postgres from "postgres";

export interface PostgresServer {
  /** URL of a fresh, empty database on the server. */
  url: string;
  /** Stop the server (fast shutdown) and delete its data directory. Safe to call twice. */
  stop(): Promise<void>;
}

const MISSING_IN_CI = "PostgreSQL server binaries (initdb, pg_ctl) are required in CI";

/** Directory holding `initdb` and `pg_ctl`: `$PG_BIN`, then `PATH`, then Debian's versioned directories. */
function findBinDir(): string | undefined {
  const candidates = [
    ...(process.env.PG_BIN ? [process.env.PG_BIN] : []),
    ...(process.env.PATH ?? "").split(delimiter).filter(Boolean),
    ...debianBinDirs(),
  ];
  return candidates.find((dir) => executable(join(dir, "initdb")) && executable(join(dir, "pg_ctl")));
}

function debianBinDirs(): string[] {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .sort((a, b) => Number(b) - Number(a))
    .map((version) => join(root, version, "bin"));
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether PostgreSQL tests can run here. In CI (`CI=true`) missing binaries are an error, never a skip.
 */
export function postgresAvailable(): boolean {
  if (findBinDir()) return true;
  if (process.env.CI === "true") throw new Error(MISSING_IN_CI);
  return false;
}

/** For `describe(name, { skip: postgresSkip() })`: `false`, or the reason the suite is skipped locally. */
export function postgresSkip(): string | false {
  return postgresAvailable()
    ? false
    : "PostgreSQL server binaries (initdb, pg_ctl) not found on PATH, in $PG_BIN or /usr/lib/postgresql/*/bin";
}

/** A TCP port that was free a moment ago (bind port 0, read it, close). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("Could not read the bound port"));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

/** uid/gid to run the server as: ourselves, unless we are root (PostgreSQL refuses to run as root). */
function serverUser(): { uid: number; gid: number; name: string } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = readFileSync("/etc/passwd", "utf8").split("\n");
  for (const name of ["postgres", "nobody"]) {
    const fields = passwd.find((line) => line.startsWith(`${name}:`))?.split(":");
    if (fields && fields.length > 3) return { name, uid: Number(fields[2]), gid: Number(fields[3]) };
  }
  throw new Error(
    "Running as root, but neither a `postgres` nor a `nobody` user exists to run PostgreSQL as",
  );
}

interface Instance {
  binDir: string;
  base: string;
  dataDir: string;
  user: { uid: number; gid: number } | undefined;
  stopped: boolean;
}

const running = new Set<Instance>();

/** Stop every server still running, synchronously (from `exit` and signal handlers). */
function stopAllNow(): void {
  for (const instance of running) {
    runSync(instance, "pg_ctl", ["stop", "-D", instance.dataDir, "-m", "immediate", "-w"]);
    rmSync(instance.base, { recursive: true, force: true });
  }
  running.clear();
}

let guarded = false;
/**
 * If a test process ends without calling stop() (a failing `before`, Ctrl-C, the runner cancelling a
 * file), do not leave a postmaster and its temp directory behind. A signal is re-raised after cleanup so
 * the process still dies of it. (Nothing can be done about SIGKILL.)
 */
function guardProcessExit(): void {
  if (guarded) return;
  guarded = true;
  process.once("exit", stopAllNow);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      stopAllNow();
      process.kill(process.pid, signal);
    });
  }
}

function spawnOptions(instance: Pick<Instance, "base" | "user">): SpawnSyncOptions {
  // LC_ALL=C keeps initdb and the server independent of the host's locale settings.
  const env = { ...process.env, LC_ALL: "C", LANG: "C" };
  return { cwd: instance.base, env, ...(instance.user ?? {}) };
}

function runSync(instance: Pick<Instance, "binDir" | "base" | "user">, tool: string, args: string[]) {
  return spawnSync(join(instance.binDir, tool), args, { ...spawnOptions(instance), encoding: "utf8" });
}

function run(
  instance: Pick<Instance, "binDir" | "base" | "user">,
  tool: string,
  args: string[],
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(instance.binDir, tool), args, {
      ...spawnOptions(instance),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("error", reject);
    child.once("close", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${tool} ${args.join(" ")} exited with ${code}:\n${output}`));
    });
  });
}

/**
 * Start a throwaway server and create a database `aftercall` on it. Takes about a second (initdb
 * without fsync); the server itself runs with `fsync=on` and `synchronous_commit=on` like production.
 */
export async function startPostgres(): Promise<PostgresServer> {
  const binDir = findBinDir();
  if (!binDir) {
    throw new Error(
      process.env.CI === "true"
        ? MISSING_IN_CI
        : "PostgreSQL server binaries (initdb, pg_ctl) not found; check postgresAvailable() first",
    );
  }
  const user = serverUser();
  const base = await mkdtemp(join(tmpdir(), "aftercall-pg-"));
  if (user) chownSync(base, user.uid, user.gid);
  const instance: Instance = { binDir, base, dataDir: join(base, "data"), user, stopped: false };
  try {
    await run(instance, "initdb", [
      "-D",
      instance.dataDir,
      "-U",
      "postgres",
      "-A",
      "trust",
      "-E",
      "UTF8",
      "--no-locale",
      "--no-sync",
      "--no-instructions",
    ]);
    const port = await startOnFreePort(instance);
    const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
    const url = await createDatabase(adminUrl, "aftercall");
    return { url, stop: () => stop(instance) };
  } catch (error) {
    await stop(instance);
    throw error;
  }
}

/** Another process may grab the port between freePort() and the bind; try a few. */
async function startOnFreePort(instance: Instance): Promise<number> {
  const log = join(instance.base, "server.log");
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const options = [
      "-c listen_addresses=127.0.0.1",
      `-c port=${port}`,
      "-c unix_socket_directories=''",
      "-c fsync=on",
      "-c synchronous_commit=on",
      "-c max_connections=200",
    ].join(" ");
    guardProcessExit();
    // Registered before starting, so a start that times out half-way is still stopped at exit.
    running.add(instance);
    try {
      await run(instance, "pg_ctl", [
        "start",
        "-w",
        "-t",
        "60",
        "-D",
        instance.dataDir,
        "-l",
        log,
        "-o",
        options,
      ]);
      return port;
    } catch (error) {
      // A start that timed out may have left a postmaster running; one that failed to bind has none.
      await run(instance, "pg_ctl", ["stop", "-D", instance.dataDir, "-m", "immediate", "-w"]).catch(
        () => {},
      );
      running.delete(instance);
      const serverLog = await readFile(log, "utf8").catch(() => "");
      if (attempt >= 3 || !/could not (bind|create listen)/i.test(serverLog)) {
        throw new Error(`PostgreSQL did not start:\n${String(error)}\n${serverLog}`);
      }
    }
  }
}

async function stop(instance: Instance): Promise<void> {
  if (instance.stopped) return;
  instance.stopped = true;
  try {
    if (running.has(instance))
      await run(instance, "pg_ctl", ["stop", "-D", instance.dataDir, "-m", "fast", "-w"]);
  } finally {
    running.delete(instance);
    await rm(instance.base, { recursive: true, force: true });
  }
}

/**
 * Create database `name` on the server of `url` (a cheap copy of template1) and return its URL, e.g. to
 * give each test a fresh database on one server.
 */
export async function createDatabase(url: string, name: string): Promise<string> {
  assertIdentifier(name);
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await sql.end({ timeout: 5 });
  }
  const created = new URL(url);
  created.pathname = `/${name}`;
  return created.toString();
}

/**
 * Create schema `name` in the database of `url` and return a URL whose connections use it as their only
 * `search_path` (postgres.js sends URL query parameters as startup parameters). Unqualified tables,
 * migrations included, then live in that schema: a fresh, isolated store in about a millisecond, where a
 * fresh database (CREATE DATABASE copies a template and syncs it) takes 150-300 ms.
 */
export async function createSchema(url: string, name: string): Promise<string> {
  assertIdentifier(name);
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`CREATE SCHEMA ${name}`);
  } finally {
    await sql.end({ timeout: 5 });
  }
  const scoped = new URL(url);
  scoped.searchParams.set("search_path", name);
  return scoped.toString();
}

function assertIdentifier(name: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name))
    throw new RangeError(`Expected a lower-case SQL identifier: ${name}`);
}
