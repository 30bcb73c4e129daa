/**
 * Child processes of the ingest benchmark: spawn (optionally pinned to a CPU with `taskset`), wait for a
 * banner line, measure CPU time, and stop — with a registry so everything still running is killed when
 * the benchmark fails, is interrupted or exits.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";

const running = new Set<ChildProcess>();

// Last resort: whatever path the benchmark leaves by, no server is left behind.
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/**
 * Build the server (`tsc -b packages/server`) so a bench runs `dist/cli.js`, as production does: from
 * source, tsx compiles modules on first use and maps every stack trace it formats. Returns the build's
 * output when it failed, undefined when it succeeded.
 */
export function buildServer(root: string): string | undefined {
  const tsc = join(root, "node_modules/typescript/bin/tsc");
  const result = spawnSync(process.execPath, [tsc, "-b", "packages/server"], { cwd: root, encoding: "utf8" });
  return result.status === 0 ? undefined : `${result.stdout}${result.stderr}`;
}

/** Whether `taskset` is available (util-linux). */
export function hasTaskset(): boolean {
  return spawnSync("taskset", ["--version"], { stdio: "ignore" }).status === 0;
}

/** Pin every thread of process `pid` to the CPUs of `cpuList` (e.g. "0" or "1,2"). */
export function pinProcess(pid: number, cpuList: string): void {
  const result = spawnSync("taskset", ["-a", "-p", "-c", cpuList, String(pid)], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`taskset -a -p -c ${cpuList} ${pid} failed: ${result.stderr}`);
}

export interface Child {
  process: ChildProcess;
  pid: number;
  /** Output seen so far (stdout and stderr, the last 32 KiB). */
  output(): string;
  /** Lines written on stdout (the server's JSON log) since start. */
  stdoutLines(): number;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** CPU list for `taskset -c`, or undefined to leave the child unpinned. */
  cpus?: string | undefined;
  /** Resolve once a line of stdout/stderr matches. */
  ready: RegExp;
  readyTimeoutMs?: number;
}

/** Spawn a long-running child and wait for its `ready` line. */
export async function startChild(options: SpawnOptions): Promise<Child> {
  const [command, args] = options.cpus
    ? ["taskset", ["-c", options.cpus, options.command, ...options.args]]
    : [options.command, options.args];
  const child = spawn(command, args, {
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  // The last 32 KiB of output: enough for the banner or an error, cheap for the load generator even when
  // the server logs every request.
  let tail = "";
  let stdoutLines = 0;
  const keep = (text: string) => {
    tail = (tail + text).slice(-32 * 1024);
  };
  let onLine: (() => void) | undefined;
  child.stdout?.setEncoding("utf8").on("data", (text: string) => {
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) stdoutLines++;
    keep(text);
    onLine?.();
  });
  child.stderr?.setEncoding("utf8").on("data", (text: string) => {
    keep(text);
    onLine?.();
  });
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      running.delete(child);
      resolve();
    }),
  );
  const output = () => tail;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${options.command} did not start in time:\n${output()}`)),
        options.readyTimeoutMs ?? 30_000,
      );
      onLine = () => {
        if (options.ready.test(output())) {
          clearTimeout(timer);
          onLine = undefined;
          resolve();
        }
      };
      child.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${options.command} exited (${signal ?? code}) before it was ready:\n${output()}`));
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }
  if (child.pid === undefined) throw new Error(`${options.command} has no pid`);
  // With taskset the pid is taskset's, which exec()s the program: same pid, so /proc reads work.
  return { process: child, pid: child.pid, output, stdoutLines: () => stdoutLines, stop };
}

/** user+system CPU seconds used so far by process `pid` (all its threads), from /proc. */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    return ticks / 100; // USER_HZ is 100 on Linux
  } catch {
    return Number.NaN;
  }
}

/** Per-CPU busy and iowait jiffies from /proc/stat, to see how busy each core was over an interval. */
export function cpuJiffies(): Array<{ busy: number; iowait: number; total: number }> {
  try {
    return readFileSync("/proc/stat", "utf8")
      .split("\n")
      .filter((line) => /^cpu\d+ /.test(line))
      .map((line) => {
        const [user, nice, system, idle, iowait, irq, softirq, steal] = line
          .split(/\s+/)
          .slice(1, 9)
          .map(Number) as number[];
        const busy = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
        return { busy, iowait: iowait ?? 0, total: busy + (idle ?? 0) + (iowait ?? 0) };
      });
  } catch {
    return [];
  }
}

/** Busy and iowait percentages per CPU between two {@link cpuJiffies} samples. */
export function cpuPercent(
  before: ReturnType<typeof cpuJiffies>,
  after: ReturnType<typeof cpuJiffies>,
): Array<{ busy: number; iowait: number }> {
  return after.map((a, i) => {
    const b = before[i] ?? { busy: 0, iowait: 0, total: 0 };
    const total = a.total - b.total || 1;
    return {
      busy: Math.round(((a.busy - b.busy) / total) * 1000) / 10,
      iowait: Math.round(((a.iowait - b.iowait) / total) * 1000) / 10,
    };
  });
}

export const cpuCount = (): number => cpus().length;
