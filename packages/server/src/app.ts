import { randomUUID } from "node:crypto";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { Logger } from "pino";
import { registerAlertMetrics } from "./alerts/alert-metrics.js";
import { AlertEvaluator, type EvaluatorOptions } from "./alerts/evaluator.js";
import { analyticsReads, WatermarkHints } from "./analytics/analytics-reads.js";
import { RollupFolder } from "./analytics/rollup-folder.js";
import { registerRollupMetrics } from "./analytics/rollup-metrics.js";
import type { AnalyticsSource } from "./analytics/rollup-split.js";
import { registerSurveyMetrics } from "./analytics/survey-metrics.js";
import { DeliveryEngine, type DeliveryEngineOptions } from "./delivery/delivery-engine.js";
import { DeliveryMetrics, processRegistry } from "./delivery/delivery-metrics.js";
import { SqlDeliveryStore } from "./delivery/delivery-store.js";
import { type OutboundPolicy, STRICT_OUTBOUND } from "./delivery/outbound-policy.js";
import { AftercallError } from "./errors.js";
import { KeyResolver } from "./http/auth.js";
import { installBodyParsers } from "./http/body-parsers.js";
import type { AppContext } from "./http/context.js";
import { logRequest, sendError } from "./http/errors.js";
import {
  capConnectionsPerAddress,
  DEFAULT_INGRESS,
  decodeBody,
  type IngressOptions,
  timeBodies,
} from "./http/ingress.js";
import { type ClientTimeWindow, DEFAULT_CLIENT_TIME_WINDOW } from "./ingest/client-time.js";
import { commitSurveyGroups } from "./ingest/commit.js";
import { type CommitGroups, GroupCommitter } from "./ingest/group-commit.js";
import { RetentionSweeper, type RetentionSweeperOptions } from "./lifecycle/retention.js";
import { DimensionCapper } from "./limits/dimension-caps.js";
import { effectiveLimits } from "./limits/project-limits.js";
import {
  DEFAULT_RATE_LIMITS,
  type RateLimitSettings,
  RateLimits,
  registerLimitMetrics,
} from "./limits/rate-limits.js";
import { getProject } from "./projects/project-store.js";
import { alertRoutes } from "./routes/alerts.js";
import { analyticsRoutes } from "./routes/analytics.js";
import { clientRoutes } from "./routes/client.js";
import { dashboardRoutes } from "./routes/dashboard.js";
import { deliveryRoutes } from "./routes/delivery.js";
import { demoRoutes } from "./routes/demo.js";
import { lifecycleRoutes } from "./routes/lifecycle.js";
import { projectRoutes } from "./routes/projects.js";
import { surveyRoutes } from "./routes/surveys.js";
import { systemRoutes } from "./routes/system.js";
import type { SecretBox } from "./secrets/secret-box.js";
import type { Database } from "./store/database.js";
import { StoreHealth, type StoreHealthOptions } from "./store/store-health.js";

export interface AppOptions {
  db: Database;
  logger: Logger;
  operatorToken?: string;
  keyCacheSeconds?: number;
  /** Server clock, injectable for tests. */
  now?: () => Date;
  /** Survey transactions in flight at once; default {@link defaultCommitConcurrency}. */
  commitConcurrency?: number;
  /**
   * Run the delivery engine in this process (default true), with these settings. Several servers may
   * share a store with delivery on: leases keep them from delivering a destination at once.
   */
  delivery?:
    | boolean
    | Omit<DeliveryEngineOptions, "store" | "getProject" | "logger" | "metrics" | "outbound">;
  /**
   * Which addresses destinations may connect to (delivery and `…/test`); default the strict policy:
   * loopback, private, link-local and similar addresses refused, no allow-list.
   */
  outbound?: OutboundPolicy;
  /**
   * The key destination configurations are sealed with at rest (see `secrets/`). `aftercall serve` always
   * has one; without it (in-process tests) configurations are stored in clear.
   */
  secrets?: SecretBox;
  /** Where the built dashboard is; default: the @aftercall/dashboard package's dist. */
  dashboardDir?: string;
  /** Where analytics come from; default rollups where they can answer (`raw` for comparisons in tests). */
  analytics?: AnalyticsSource;
  /** How groups of surveys are committed; default the database's commit (the ingest bench swaps it). */
  commitGroups?: CommitGroups;
  /**
   * Fold committed surveys into the rollups in this process (default true). Several servers may fold at
   * once (a project at a time each); a server with it off leaves folding to the others.
   */
  folding?: boolean | { intervalMs?: number; batchSize?: number };
  /**
   * Apply the projects' retention in this process (default true; several servers may sweep at once).
   * Tests turn it off or drive it with their own clock.
   */
  retention?: boolean | Omit<RetentionSweeperOptions, "logger">;
  /** Body timeout and connection cap; default {@link DEFAULT_INGRESS}. */
  ingress?: Partial<IngressOptions>;
  /**
   * Evaluate the projects' alert rules in this process (default true, every minute). Several servers
   * may evaluate at once: each rule's tick is committed once (see alerts/evaluator.ts).
   */
  alerts?: boolean | Pick<EvaluatorOptions, "intervalMs" | "now" | "dashboardUrl">;
  /** Rate limits and daily quotas of the public routes; default {@link DEFAULT_RATE_LIMITS}. */
  rateLimits?: RateLimitSettings;
  /**
   * How far a submitted `clientTime` may be from the receive time; default
   * {@link DEFAULT_CLIENT_TIME_WINDOW}, `false` accepts any (test fixtures with fixed times).
   */
  clientTimeWindow?: ClientTimeWindow | false;
  /** How `/readyz` probes the store and how often refused commits are logged; see StoreHealth. */
  storeHealth?: StoreHealthOptions;
}

/**
 * Two transactions in flight on either engine. An SQLite transaction runs synchronously on this thread,
 * but its WAL's fsync does not (`store/sqlite/wal-sync.ts`): the next transaction commits while the last
 * one's fsync runs, and one fsync then covers it. A PostgreSQL commit mostly waits on round trips and
 * the database's WAL flush, during which a second transaction can proceed. Measured
 * (docs/benchmarks.md): with PostgreSQL on its own CPU, 2 in flight gave 16–22 % more than 1 and 4 no more
 * than 2; with Node and PostgreSQL sharing one core, 1 and 2 were equal and 4 or 8 slower (smaller
 * transactions, each with its own round trips and WAL flush).
 */
export function defaultCommitConcurrency(db: Pick<Database, "engine">): number {
  return db.engine === "postgres" ? POSTGRES_COMMIT_CONCURRENCY : SQLITE_COMMIT_CONCURRENCY;
}

const POSTGRES_COMMIT_CONCURRENCY = 2;
const SQLITE_COMMIT_CONCURRENCY = 2;

/** A built app: the Fastify instance plus a shutdown that finishes in-flight commits first. */
export interface App {
  fastify: FastifyInstance;
  context: AppContext;
  /** Every route registered, as `METHOD /url` (HEAD and CORS preflights left out). */
  routes: ReadonlySet<string>;
  /** Stop accepting requests, answer the in-flight ones, wait for their commits. Does not close the store. */
  close(): Promise<void>;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Build the HTTP app around a database. Exported for in-process tests (`app.fastify.inject`) and used by
 * `aftercall serve`.
 */
export function createApp(options: AppOptions): App {
  const { db, logger } = options;
  const state = { closing: false };
  const ingress = { ...DEFAULT_INGRESS, ...options.ingress };
  const fastify = Fastify({
    // A whole request (headers and body) must arrive within this, or Node answers 408 and closes the
    // connection: slow bodies cannot hold sockets open. Checked every quarter of it (Node's default, 30 s,
    // would let a slow body live that long).
    requestTimeout: ingress.bodyTimeoutMs,
    http: {
      headersTimeout: ingress.bodyTimeoutMs,
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(ingress.bodyTimeoutMs / 4))),
    },
    // pino's Logger is a FastifyBaseLogger; the cast keeps Fastify's default generic so routes type-check.
    loggerInstance: logger as FastifyBaseLogger,
    // One line per request is written by logRequest, with ids only; Fastify's own lines would log URLs.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: "requestId" }),
    bodyLimit: 64 * 1024,
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    },
    forceCloseConnections: "idle",
    return503OnClosing: false,
    // Declared parameters and bodies are checked as declared: unknown members are refused (never
    // silently dropped), query strings are coerced to the declared types, defaults filled in.
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: "array", useDefaults: true, verbose: true },
    },
  });
  const committer = new GroupCommitter(options.commitGroups ?? ((groups) => commitSurveyGroups(db, groups)), {
    concurrency: options.commitConcurrency ?? defaultCommitConcurrency(db),
  });
  const deliveryStore = new SqlDeliveryStore(db, options.secrets);
  const registry = processRegistry();
  const metrics = new DeliveryMetrics(registry);
  registerRollupMetrics(registry, db);
  registerAlertMetrics(registry, db);
  const clock = options.now;
  registerSurveyMetrics(registry, db, clock ? () => clock().getTime() : Date.now);
  metrics.watch(deliveryStore);
  const outbound = options.outbound ?? STRICT_OUTBOUND;
  const deliveryOptions = options.delivery ?? true;
  const delivery = deliveryOptions
    ? new DeliveryEngine({
        ...(deliveryOptions === true ? {} : deliveryOptions),
        store: deliveryStore,
        getProject: (id) => getProject(db, id),
        logger,
        metrics,
        outbound,
      })
    : undefined;
  const hints = new WatermarkHints();
  const foldingOptions = options.folding ?? true;
  const folder = foldingOptions
    ? new RollupFolder({ ...(foldingOptions === true ? {} : foldingOptions), db, logger, hints })
    : undefined;
  const retentionOptions = options.retention ?? true;
  const sweeper = retentionOptions
    ? new RetentionSweeper(db, { ...(retentionOptions === true ? {} : retentionOptions), logger })
    : undefined;
  const limits = new RateLimits(db, options.rateLimits ?? DEFAULT_RATE_LIMITS);
  registerLimitMetrics(registry, limits);
  const capper = new DimensionCapper(db);
  const context: AppContext = {
    db,
    resolver: new KeyResolver(db, options.operatorToken, options.keyCacheSeconds ?? 5),
    ingest: {
      committer,
      now: options.now ?? (() => new Date()),
      onCommitted: () => delivery?.notify(),
      clientTimeWindow: options.clientTimeWindow ?? DEFAULT_CLIENT_TIME_WINDOW,
      foldDimensions: (project, dimensions, receivedAt) => {
        const caps = effectiveLimits(limits.settings, project.limits);
        return capper.fold(project.id, dimensions, receivedAt, {
          keys: caps.dimensionKeys,
          valuesPerDay: caps.dimensionValuesPerDay,
        });
      },
    },
    deliveryStore,
    metrics,
    analytics: analyticsReads(db, options.analytics ?? "auto", hints),
    outbound,
    limits,
    storeHealth: new StoreHealth(db, logger, options.storeHealth),
  };
  if (delivery) context.delivery = delivery;
  const alertOptions = options.alerts ?? true;
  const evaluator = alertOptions
    ? new AlertEvaluator({
        ...(alertOptions === true ? {} : alertOptions),
        db,
        reads: context.analytics,
        logger,
        onAppended: () => delivery?.notify(),
      })
    : undefined;

  const routes = new Set<string>();
  fastify.addHook("onRoute", (route) => {
    for (const method of [route.method].flat())
      if (method !== "HEAD" && method !== "OPTIONS") routes.add(`${method} ${route.url}`);
  });
  installBodyParsers(fastify);
  capConnectionsPerAddress(fastify.server, ingress.maxConnectionsPerAddress);
  timeBodies(fastify.server, ingress.bodyTimeoutMs);
  fastify.addHook("preParsing", decodeBody);
  fastify.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
    if (state.closing)
      throw new AftercallError("SHUTTING_DOWN", "The server is shutting down; please retry.");
  });
  fastify.addHook("onSend", async (_request, reply) => {
    // While shutting down, close each keep-alive connection after its response, so close() need not
    // wait for clients' idle timeouts.
    if (state.closing) reply.header("connection", "close");
  });
  fastify.addHook("onResponse", async (request, reply) => logRequest(request, reply));
  const onStoreFailure = (cause: unknown) => context.storeHealth.noteFailure(cause);
  fastify.setErrorHandler((error, request, reply) => sendError(error, request, reply, onStoreFailure));
  fastify.setNotFoundHandler((request, reply) =>
    sendError(
      new AftercallError("NOT_FOUND", `No route ${request.method} ${request.url.split("?")[0]}.`),
      request,
      reply,
    ),
  );

  systemRoutes(fastify, context, state);
  surveyRoutes(fastify, context);
  projectRoutes(fastify, context);
  clientRoutes(fastify, context);
  demoRoutes(fastify, context);
  analyticsRoutes(fastify, context);
  deliveryRoutes(fastify, context);
  lifecycleRoutes(fastify, context);
  alertRoutes(fastify, context);
  dashboardRoutes(fastify, context, options.dashboardDir);
  delivery?.start();
  folder?.start();
  sweeper?.start();
  evaluator?.start();
  context.limits.start();

  return {
    fastify,
    context,
    routes,
    async close() {
      state.closing = true;
      const closing = fastify.close();
      // In-flight requests get this long to finish; then their sockets are cut.
      const deadline = setTimeout(() => fastify.server.closeAllConnections(), 10_000).unref();
      await closing;
      clearTimeout(deadline);
      await committer.drain();
      context.limits.stop();
      await Promise.all([delivery?.stop(), folder?.stop(), sweeper?.stop(), evaluator?.stop()]);
    },
  };
}
