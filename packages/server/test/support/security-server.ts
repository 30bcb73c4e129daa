/**
 * A real `aftercall serve` process on each engine, for the security tests: the store is a fresh, migrated,
 * empty database (so the server creates the "demo" project and prints its keys), and raw sockets to talk
 * to it the way an attacker would (headers without a body, bodies that never finish).
 */
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after } from "node:test";
import { type MakeDatabase, onEveryEngine } from "./engines.js";
import { killAllServerProcesses, type ServerProcess, startServerProcess } from "./server-process.js";

export interface SecurityServer {
  server: ServerProcess;
  url: string;
  port: number;
  ingestKey: string;
  adminToken: string;
  stop(): Promise<void>;
}

after(() => killAllServerProcesses());

/** Declare `suite` once per engine with a way to start a server process (with extra env) on a fresh store. */
export function onEveryEngineServer(
  slug: string,
  suite: (engine: string, start: (env?: Record<string, string>) => Promise<SecurityServer>) => void,
): void {
  onEveryEngine(slug, (engine: string, makeDatabase: MakeDatabase) =>
    suite(engine, async (env = {}) => {
      const made = await makeDatabase();
      const location = made.location;
      const server = await startServerProcess({
        ...(location.engine === "sqlite" ? { dataDir: location.dataDir } : { databaseUrl: location.url }),
        env,
      });
      assert.ok(server.firstProject, `the server created no first project:\n${server.output()}`);
      const port = Number(new URL(server.url).port);
      return {
        server,
        url: server.url,
        port,
        ingestKey: server.firstProject.ingestKey,
        adminToken: server.firstProject.adminToken,
        async stop() {
          await server.stop();
          await made.cleanup();
        },
      };
    }),
  );
}

/** What came back on a raw connection: the response head and body as text, and whether it was closed. */
export interface RawAnswer {
  status: number;
  head: string;
  body: string;
  closed: boolean;
  ms: number;
}

/**
 * Send `head` (request line and headers, without the blank line) and then `body` on a raw socket from
 * `localAddress`, and wait for an answer: it resolves when the server has answered and either closed the
 * connection or `settleMs` passed after the answer.
 */
export function rawRequest(
  port: number,
  head: string,
  body: Buffer | string = "",
  options: { localAddress?: string; settleMs?: number; timeoutMs?: number } = {},
): Promise<RawAnswer> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({
      port,
      host: "127.0.0.1",
      localAddress: options.localAddress ?? "127.0.0.1",
    });
    let data = "";
    let settle: NodeJS.Timeout | undefined;
    const timeout = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${options.timeoutMs ?? 15_000} ms; got: ${data}`));
    }, options.timeoutMs ?? 15_000);
    const finish = (closed: boolean) => {
      clearTimeout(timeout);
      if (settle) clearTimeout(settle);
      const [headText = "", bodyText = ""] = data.split("\r\n\r\n", 2);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(headText)?.[1] ?? 0);
      if (!closed) socket.destroy();
      resolve({ status, head: headText, body: bodyText, closed, ms: Date.now() - started });
    };
    socket.on("data", (chunk) => {
      data += chunk.toString();
      if (settle === undefined && data.includes("\r\n\r\n"))
        settle = setTimeout(() => finish(false), options.settleMs ?? 1_000);
    });
    socket.on("error", () => {});
    socket.on("close", () => finish(true));
    socket.write(`${head}\r\n\r\n`);
    if (body.length > 0) socket.write(body);
  });
}
