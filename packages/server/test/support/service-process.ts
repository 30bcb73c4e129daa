/**
 * A server process for tests (nats-server, azurite-blob, s3rver…) on a fixed 127.0.0.1 port that can be
 * stopped, killed and started again on the SAME port, for outage tests. Every process still running when
 * the test process exits (or is interrupted) is killed, so no server outlives its test file.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { connect } from "node:net";

export interface ServiceProcessOptions {
  /** Shown in errors, e.g. `nats-server`. */
  name: string;
  command: string;
  args: readonly string[];
  port: number;
  /** Milliseconds to wait for the port to accept connections. Default 20,000. */
  startTimeoutMs?: number;
  /** A line the server prints once it is ready, if accepting TCP connections is not enough. */
  readyLine?: RegExp;
}

/** A restartable server process; see `ServiceProcess.start`. */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  private output = "";

  constructor(private readonly options: ServiceProcessOptions) {}

  get port(): number {
    return this.options.port;
  }

  /** Whether the process is running (started and not yet exited). */
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The process's stdout and stderr so far (for failure messages). */
  get log(): string {
    return this.output;
  }

  /** Start the process (again) and wait until it listens on its port (and printed `readyLine`). */
  async start(): Promise<void> {
    if (this.running) return;
    const { name, command, args } = this.options;
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env } });
    this.child = child;
    running.add(child);
    guardProcessExit();
    let ready = this.options.readyLine === undefined;
    const onData = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
      if (!ready && this.options.readyLine?.test(this.output)) ready = true;
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", () => running.delete(child));
    // A test that forgets to stop its server must not hang its file: the exit guard kills it instead.
    child.unref();
    for (const stream of [child.stdout, child.stderr]) (stream as { unref?: () => void } | null)?.unref?.();
    const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 20_000);
    for (;;) {
      const failed = await Promise.race([spawnError, sleep(50).then(() => undefined)]);
      if (failed) throw new Error(`${name} could not be started: ${failed.message}`);
      if (!this.running) throw new Error(`${name} exited during start-up:\n${this.output}`);
      if (ready && (await accepts(this.options.port))) return;
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(`${name} did not listen on port ${this.options.port} in time:\n${this.output}`);
      }
    }
  }

  /** Graceful stop (SIGTERM; SIGKILL after 10 s) and wait for the exit. Data directories are kept. */
  async stop(): Promise<void> {
    await this.end("SIGTERM", 10_000);
  }

  /** Crash stop: SIGKILL, and wait for the exit. */
  async kill(): Promise<void> {
    await this.end("SIGKILL", 10_000);
  }

  private async end(signal: NodeJS.Signals, graceMs: number): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill(signal);
    // The timer also keeps the event loop alive while waiting: the child itself is unref'd.
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
    // The port must be free before a restart binds it again.
    while (await accepts(this.options.port)) await sleep(20);
  }
}

const running = new Set<ChildProcess>();
let guarded = false;

function guardProcessExit(): void {
  if (guarded) return;
  guarded = true;
  const killAll = () => {
    for (const child of running) child.kill("SIGKILL");
    running.clear();
  };
  process.once("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      killAll();
      process.kill(process.pid, signal);
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether something accepts TCP connections on 127.0.0.1:`port` right now. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * For `describe(name, { skip })`: `false` when `available`, else the reason to skip locally. In CI
 * (`CI=true`) a missing engine is an error, never a skip.
 */
export function skipUnless(available: boolean, reason: string): string | false {
  if (available) return false;
  if (process.env.CI === "true") throw new Error(`${reason}; it is required in CI`);
  return reason;
}
