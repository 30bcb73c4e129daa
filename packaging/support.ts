/**
 * Helpers for the packaging tests: commands run the way a user runs them, outside the repository (no
 * repository paths on PATH, no npm lifecycle variables of the runner), and always settle with their output.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { delimiter, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));

/** The environment of a user's shell: no repository on PATH, nothing npm set for the runner. */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(name) || name === "INIT_CWD" || name.startsWith("NODE_TEST")) continue;
    if (name.startsWith("AFTERCALL_") || name === "DATABASE_URL" || name === "PORT") continue;
    env[name] = value;
  }
  env.PATH = (process.env.PATH ?? "")
    .split(delimiter)
    .filter((dir) => dir !== "" && !resolve(dir).startsWith(ROOT))
    .join(delimiter);
  return { ...env, ...extra };
}

export interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a command to its end; never rejects on a non-zero exit (the caller asserts). */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string },
): Promise<Outcome> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? userEnv(),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 300_000);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}

/** Fail with the command's output when it did not exit 0. */
export function expectSuccess(outcome: Outcome, what: string): Outcome {
  if (outcome.code !== 0)
    throw new Error(`${what} exited ${outcome.code}:\n${outcome.stdout}\n${outcome.stderr}`.slice(-8000));
  return outcome;
}

/** A long-running command in its own process group, so stopping it stops what it started (npx → node). */
export interface Service {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `pattern` in the output so far or to come. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  stop(): Promise<number | null>;
}

export function startService(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Service {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? userEnv(),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let text = "";
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    text += chunk.toString();
    if (text.length > 1_000_000) text = text.slice(-500_000);
    for (const listener of listeners) listener();
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const closed = new Promise<number | null>((r) => child.once("close", (code) => r(code)));
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  return {
    child,
    output: () => text,
    waitFor(pattern, timeoutMs) {
      return new Promise((resolvePromise, reject) => {
        const check = () => {
          const match = pattern.exec(text);
          if (match) {
            done();
            resolvePromise(match);
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`No ${pattern} within ${timeoutMs} ms; output:\n${text.slice(-4000)}`));
        }, timeoutMs);
        const exited = () => {
          done();
          reject(new Error(`${command} ${args.join(" ")} exited before ${pattern}:\n${text.slice(-4000)}`));
        };
        function done() {
          clearTimeout(timer);
          listeners.delete(check);
          child.off("close", exited);
        }
        listeners.add(check);
        child.once("close", exited);
        check();
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      signalGroup("SIGTERM");
      const timer = setTimeout(() => signalGroup("SIGKILL"), 15_000);
      const code = await closed;
      clearTimeout(timer);
      return code;
    },
  };
}
