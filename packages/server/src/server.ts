import type { Logger } from "pino";
import { type App, createApp } from "./app.js";
import { describeStore, type ServerConfig } from "./config.js";
import { createLogger } from "./logger.js";
import { openStore } from "./open-store.js";
import { createProject, type IssuedKey } from "./projects/manage-projects.js";
import type { Project } from "./projects/project.js";
import { listProjects } from "./projects/project-store.js";
import type { Database } from "./store/database.js";

export interface RunningServer {
  app: App;
  db: Database;
  logger: Logger;
  /** Base URL, e.g. http://127.0.0.1:8787 */
  url: string;
  /** Set when this start created the first project (empty store). */
  firstProject?: { project: Project; ingestKey: IssuedKey; adminToken: IssuedKey };
  /** Graceful stop: refuse new requests, finish in-flight commits, close the store. */
  stop(): Promise<void>;
}

/**
 * Open the store, create a first project when the store is empty (so a newcomer can submit at once),
 * and listen.
 */
export async function startServer(
  config: ServerConfig,
  logger = createLogger(config.logLevel),
): Promise<RunningServer> {
  const db = await openStore(
    config.store,
    config.analyticsSharePercent === undefined ? {} : { analyticsShare: config.analyticsSharePercent / 100 },
  );
  let firstProject: RunningServer["firstProject"];
  if ((await listProjects(db)).length === 0) {
    firstProject = await createProject(db, { id: "demo", name: "Demo" });
  }
  const app = createApp({
    db,
    logger,
    keyCacheSeconds: config.keyCacheSeconds,
    ...(config.rateLimits ? { rateLimits: config.rateLimits } : {}),
    ingress: {
      ...(config.bodyTimeoutMs === undefined ? {} : { bodyTimeoutMs: config.bodyTimeoutMs }),
      ...(config.maxConnectionsPerAddress === undefined
        ? {}
        : { maxConnectionsPerAddress: config.maxConnectionsPerAddress }),
    },
    delivery: (config.delivery ?? true) && { pollIntervalMs: config.deliveryPollMs ?? 250 },
    ...(config.operatorToken ? { operatorToken: config.operatorToken } : {}),
  });
  await app.fastify.listen({ host: config.host, port: config.port });
  const address = app.fastify.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
  logger.info({ url, store: describeStore(config.store) }, "listening");
  let stopping: Promise<void> | undefined;
  const server: RunningServer = {
    app,
    db,
    logger,
    url,
    stop() {
      stopping ??= (async () => {
        await app.close();
        await db.close();
        logger.info("stopped");
      })();
      return stopping;
    },
  };
  if (firstProject) server.firstProject = firstProject;
  return server;
}
