import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createLogger } from "../../packages/server/src/logger.js";
import { type RunningServer, startServer } from "../../packages/server/src/server.js";

/** Where tests write screenshots (gitignored); look at them. */
export const SCREENSHOT_DIR = resolve(fileURLToPath(new URL("../../artifacts/screenshots", import.meta.url)));

export async function screenshotDir(): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  return SCREENSHOT_DIR;
}

/**
 * A real Aftercall server on 127.0.0.1 with a fresh SQLite store and its first project "demo"; with an
 * `operatorToken` (at least 24 characters) it also accepts that token for every project. With
 * `alertIntervalSeconds: 0` it evaluates no alert rule itself (a test ticks an evaluator at chosen times).
 */
export async function startDemoServer(
  options: { operatorToken?: string; alertIntervalSeconds?: number } = {},
): Promise<{
  server: RunningServer;
  ingestKey: string;
  adminToken: string;
  stop(): Promise<void>;
}> {
  const dataDir = await mkdtemp(join(tmpdir(), "aftercall-e2e-"));
  const server = await startServer(
    {
      host: "127.0.0.1",
      port: 0,
      store: { engine: "sqlite", dataDir },
      logLevel: "silent",
      keyCacheSeconds: 0,
      ...(options.operatorToken ? { operatorToken: options.operatorToken } : {}),
      ...(options.alertIntervalSeconds === undefined
        ? {}
        : { alertIntervalSeconds: options.alertIntervalSeconds }),
    },
    createLogger("silent"),
  );
  const first = server.firstProject;
  if (!first) throw new Error("expected a first project on an empty store");
  return {
    server,
    ingestKey: first.ingestKey.token,
    adminToken: first.adminToken.token,
    async stop() {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
