import { join } from "node:path";
import type { Logger } from "pino";
import { type App, createApp } from "./app.js";
import { ConfigError, describeStore, type ServerConfig } from "./config.js";
import { OutboundPolicy } from "./delivery/outbound-policy.js";
import { createLogger } from "./logger.js";
import { openStore } from "./open-store.js";
import { createProject, type IssuedKey } from "./projects/manage-projects.js";
import type { Project } from "./projects/project.js";
import { listProjects } from "./projects/project-store.js";
import type { SecretBox } from "./secrets/secret-box.js";
import { loadSecretBox } from "./secrets/secret-key.js";
import { prepareStoredSecrets } from "./secrets/stored-secrets.js";
import type { Database } from "./store/database.js";

/**
 * The server's secret key, checked against the store (a store sealed with another key fails here, at
 * start, not at the first delivery); destination configurations older versions stored in clear are sealed.
 */
export async function openSecrets(
  db: Database,
  config: Pick<ServerConfig, "secretKey" | "store">,
  logger?: Logger,
): Promise<SecretBox> {
  const source =
    config.secretKey ??
    (config.store.engine === "sqlite" ? { file: join(config.store.dataDir, "secret.key") } : undefined);
  if (!source)
    throw new ConfigError(
      "A PostgreSQL store needs a secret key (AFTERCALL_SECRET_KEY or AFTERCALL_SECRET_KEY_FILE).",
    );
  const { box, origin, created } = loadSecretBox(source);
  if (created) logger?.warn({ file: origin }, "created a new secret key; back it up with the database");
  const { sealed } = await prepareStoredSecrets(db, box);
  if (sealed > 0) logger?.info({ sealed, keyId: box.keyId }, "sealed destination secrets stored in clear");
  return box;
}

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
  let secrets: SecretBox;
  try {
    secrets = await openSecrets(db, config, logger);
  } catch (error) {
    await db.close();
    throw error;
  }
  let firstProject: RunningServer["firstProject"];
  if ((await listProjects(db)).length === 0) {
    firstProject = await createProject(db, { id: "demo", name: "Demo" });
  }
  const app = createApp({
    db,
    logger,
    keyCacheSeconds: config.keyCacheSeconds,
    ...(config.rateLimits ? { rateLimits: config.rateLimits } : {}),
    ...(config.clientTimeWindow === undefined ? {} : { clientTimeWindow: config.clientTimeWindow }),
    storeHealth: { logEveryMs: (config.storeErrorLogSeconds ?? 30) * 1000 },
    ingress: {
      ...(config.bodyTimeoutMs === undefined ? {} : { bodyTimeoutMs: config.bodyTimeoutMs }),
      ...(config.maxConnectionsPerAddress === undefined
        ? {}
        : { maxConnectionsPerAddress: config.maxConnectionsPerAddress }),
    },
    delivery: (config.delivery ?? true) && { pollIntervalMs: config.deliveryPollMs ?? 250 },
    ...(config.backfillHorizonDays === undefined
      ? {}
      : { retention: { backfillHorizonDays: config.backfillHorizonDays } }),
    outbound: new OutboundPolicy(config.outboundAllow ? { allow: config.outboundAllow } : {}),
    secrets,
    alerts: config.alertIntervalSeconds !== 0 && {
      intervalMs: (config.alertIntervalSeconds ?? 60) * 1000,
      ...(config.publicUrl ? { dashboardUrl: config.publicUrl } : {}),
    },
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
