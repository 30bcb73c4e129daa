/**
 * Throwaway NATS servers with JetStream for tests: `nats-server -js -a 127.0.0.1 -p <free port> -sd <temp
 * dir>`, stoppable and restartable on the same port and store directory (outage tests), removed by
 * `dispose()`. Debian: `apt-get install nats-server`.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager, type StoredMsg } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { freePort } from "./postgres.js";
import { ServiceProcess, skipUnless } from "./service-process.js";

export interface NatsServer {
  /** `nats://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** JetStream store directory; survives `stop()` and `kill()`, removed by `dispose()`. */
  storeDir: string;
  /** The server process (stop, kill, start again on the same port; its log). */
  process: ServiceProcess;
  /**
   * Create a file-backed stream capturing `subjects` (default `aftercall.>`), with a 2-minute duplicate
   * window (the server de-duplicates `Nats-Msg-Id` within it).
   */
  createStream(name: string, subjects?: string[]): Promise<void>;
  /** Every message of `stream` in order, with its subject, headers and data as text. */
  messages(stream: string): Promise<NatsMessage[]>;
  /** Stop the server and delete its store directory. Safe to call twice. */
  dispose(): Promise<void>;
}

export interface NatsMessage {
  seq: number;
  subject: string;
  headers: Record<string, string>;
  data: string;
}

function natsBinary(): string | undefined {
  const found = spawnSync("sh", ["-c", "command -v nats-server || ls /usr/sbin/nats-server"], {
    encoding: "utf8",
  });
  const path = found.stdout.trim().split("\n")[0];
  return found.status === 0 && path ? path : undefined;
}

/** For `describe(name, { skip: natsSkip() })`: false, or why NATS tests cannot run here (throws in CI). */
export function natsSkip(): string | false {
  return skipUnless(
    natsBinary() !== undefined,
    "nats-server not found on PATH (apt-get install nats-server)",
  );
}

export interface StartNatsOptions {
  /** Require this token from clients (`--auth`); the harness's own helpers use it too. */
  token?: string;
}

/** Start a JetStream-enabled nats-server on a free port of 127.0.0.1 with a fresh store directory. */
export async function startNats(options: StartNatsOptions = {}): Promise<NatsServer> {
  const binary = natsBinary();
  if (!binary) throw new Error("nats-server not found; check natsSkip() first");
  const storeDir = await mkdtemp(join(tmpdir(), "aftercall-nats-"));
  const port = await freePort();
  const process = new ServiceProcess({
    name: "nats-server",
    command: binary,
    args: [
      "-js",
      "-a",
      "127.0.0.1",
      "-p",
      String(port),
      "-sd",
      storeDir,
      ...(options.token ? ["--auth", options.token] : []),
    ],
    port,
    // JetStream recovers its streams before this line; publishing earlier gets "no responders".
    readyLine: /Server is ready/,
  });
  try {
    await process.start();
  } catch (error) {
    await rm(storeDir, { recursive: true, force: true });
    throw error;
  }
  const url = `nats://127.0.0.1:${port}`;
  let disposed = false;
  return {
    url,
    port,
    storeDir,
    process,
    createStream: (name, subjects = ["aftercall.>"]) => createStream(url, options.token, name, subjects),
    messages: (stream) => readMessages(url, options.token, stream),
    async dispose() {
      if (disposed) return;
      disposed = true;
      await process.stop();
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}

async function createStream(
  url: string,
  token: string | undefined,
  name: string,
  subjects: string[],
): Promise<void> {
  const nc = await connect({ servers: url, ...(token ? { token } : {}) });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name, subjects, duplicate_window: 120_000_000_000 });
  } finally {
    await nc.close();
  }
}

async function readMessages(url: string, token: string | undefined, stream: string): Promise<NatsMessage[]> {
  const nc = await connect({ servers: url, ...(token ? { token } : {}) });
  try {
    const jsm = await jetstreamManager(nc);
    const { state } = await jsm.streams.info(stream);
    const messages: NatsMessage[] = [];
    for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq++) {
      const stored: StoredMsg | null = await jsm.streams.getMessage(stream, { seq });
      if (!stored) continue;
      const headers: Record<string, string> = {};
      for (const [key, values] of stored.header ?? []) headers[key] = values.join(",");
      messages.push({ seq, subject: stored.subject, headers, data: stored.string() });
    }
    return messages;
  } finally {
    await nc.close();
  }
}
