/**
 * Run `aftercall serve` as a real child process, from source (node --conditions=source --import tsx),
 * on 127.0.0.1 and a free port. The start-up banner on stderr is parsed for the URL and, when the store
 * was empty, the first project's keys. Every child is killed when the test process exits, even if a test
 * forgot to stop it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { TEST_OUTBOUND_ALLOW } from "./outbound.js";
import { TEST_SECRET_KEY } from "./secret-key.js";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const CLI = fileURLToPath(new URL("../../src/cli.ts", import.meta.url));
const BUILT_CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
/** Output kept per child for diagnostics (stdout and stderr interleaved). */
const OUTPUT_LIMIT = 256 * 1024;

export interface ServerProcessOptions {
  /** SQLite data directory; exactly one of `dataDir` and `databaseUrl`. */
  dataDir?: string;
  /** PostgreSQL URL. */
  databaseUrl?: string;
  /**
   * Extra environment (e.g. AFTERCALL_OPERATOR_TOKEN); AFTERCALL_LOG_LEVEL defaults to "warn" and
   * AFTERCALL_RATE_LIMITS to "off".
   */
  env?: Record<string, string>;
  /** Extra arguments after `serve …`. */
  args?: string[];
  /** Let a brand-new store's demo project start with generated surveys (default: empty, `--no-demo-data`). */
  demoData?: boolean;
  /** How long to wait for the banner. Default 30 s. */
  startTimeoutMs?: number;
  /** Run the build (`dist/cli.js`, plain node) instead of the sources: benches measure what ships. */
  fromBuild?: boolean;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  pid: number;
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** Keys of the project created on this start ("demo"), when the store was empty. */
  firstProject?: { id: string; ingestKey: string; adminToken: string };
  /** Resolves when the process has exited. */
  exited: Promise<ExitStatus>;
  /** Whether the process has exited. */
  readonly hasExited: boolean;
  /** Everything the process printed so far (tail), for assertion messages. */
  output(): string;
  /** Send `signal` (default SIGKILL) and wait for the exit. No-op once exited. */
  kill(signal?: NodeJS.Signals): Promise<ExitStatus>;
  /** Graceful stop: SIGTERM, then SIGKILL after `graceMs` (default 5 s). Safe to call twice. */
  stop(graceMs?: number): Promise<ExitStatus>;
}

const children = new Set<ChildProcess>();

process.once("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

/** Kill (SIGKILL) every server process still running; for `after` hooks. */
export async function killAllServerProcesses(): Promise<void> {
  await Promise.all(
    [...children].map(async (child) => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, "exit");
        child.kill("SIGKILL");
        await exited;
      }
      children.delete(child);
    }),
  );
}

/** Start `aftercall serve --port 0` and resolve once its banner is printed. */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  if (Boolean(options.dataDir) === Boolean(options.databaseUrl)) {
    throw new TypeError("Give exactly one of dataDir and databaseUrl");
  }
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Do not let the runner's or the developer's settings leak into the child.
  for (const name of Object.keys(env)) {
    if (name.startsWith("AFTERCALL_") || name === "DATABASE_URL" || name === "PORT") delete env[name];
    if (name.startsWith("NODE_TEST")) delete env[name];
  }
  // The suites' engines listen on loopback, which the outbound policy refuses unless allowed.
  Object.assign(
    env,
    {
      AFTERCALL_LOG_LEVEL: "warn",
      AFTERCALL_OUTBOUND_ALLOW: TEST_OUTBOUND_ALLOW,
      // Load tests and benches submit from one address far faster than any real client: rate limits are
      // off unless a test turns them on (test/security/).
      AFTERCALL_RATE_LIMITS: "off",
      // The suites' surveys carry fixed client times (test/support/seed.ts): the window around the receive
      // time is off unless a test turns it on (test/security/input-rules.test.ts).
      AFTERCALL_CLIENT_TIME_WINDOW: "off",
      // A SQLite store keeps its key in its data directory; servers on one PostgreSQL share this one.
      ...(options.databaseUrl ? { AFTERCALL_SECRET_KEY: TEST_SECRET_KEY } : {}),
    },
    options.env,
  );
  const args = [
    ...(options.fromBuild ? [BUILT_CLI] : ["--conditions=source", "--import", "tsx", CLI]),
    "serve",
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    // The tests count what they submit: a brand-new store's demo project starts empty unless asked.
    ...(options.demoData ? [] : ["--no-demo-data"]),
    ...(options.dataDir
      ? ["--data-dir", options.dataDir]
      : ["--database-url", options.databaseUrl as string]),
    ...(options.args ?? []),
  ];
  // node itself (not an npx/tsx wrapper), so the pid we signal is the server's.
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let output = "";
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT / 2);
  };
  // Always drain both pipes: a child blocked on a full pipe would look like a hung server.
  child.stdout?.on("data", append);
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    append(chunk);
    if (stderr.length < 64 * 1024) stderr += chunk.toString();
  });
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once("exit", (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;

  const banner = await new Promise<string>((resolve, reject) => {
    const timeout = options.startTimeoutMs ?? 30_000;
    const timer = setTimeout(() => {
      cleanup();
      child.kill("SIGKILL");
      reject(new Error(`aftercall serve printed no banner within ${timeout} ms:\n${output}`));
    }, timeout);
    const onData = () => {
      // The banner is written in one chunk ending with a blank line.
      if (/Aftercall is running at [^\n]+\n[\s\S]*\n\n/.test(stderr)) {
        cleanup();
        resolve(stderr);
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      cleanup();
      reject(
        new Error(`aftercall serve exited (code ${code}, signal ${signal}) before listening:\n${output}`),
      );
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    function cleanup() {
      clearTimeout(timer);
      child.stderr?.off("data", onData);
      child.off("exit", onExit);
      child.off("error", onError);
    }
    child.stderr?.on("data", onData);
    child.once("exit", onExit);
    child.once("error", onError);
  });

  const url = /Aftercall is running at (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1];
  if (!url) {
    child.kill("SIGKILL");
    throw new Error(`Could not read the URL from the banner:\n${banner}`);
  }
  const project = /Created project "([^"]+)"/.exec(banner)?.[1];
  const ingestKey = /ingest key\s+\(publishable, submit only\):\s+(ac_pk_\S+)/.exec(banner)?.[1];
  const adminToken = /admin token\s+\(secret, shown once\):\s+(ac_sk_\S+)/.exec(banner)?.[1];

  const kill = async (signal: NodeJS.Signals = "SIGKILL"): Promise<ExitStatus> => {
    if (!hasExited()) child.kill(signal);
    return exited;
  };
  let stopping: Promise<ExitStatus> | undefined;
  const server: ServerProcess = {
    pid: child.pid as number,
    url,
    exited,
    get hasExited() {
      return hasExited();
    },
    output: () => output,
    kill,
    stop(graceMs = 5000) {
      stopping ??= (async () => {
        if (hasExited()) return exited;
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
        try {
          return await exited;
        } finally {
          clearTimeout(timer);
        }
      })();
      return stopping;
    },
  };
  if (project && ingestKey && adminToken) server.firstProject = { id: project, ingestKey, adminToken };
  return server;
}
