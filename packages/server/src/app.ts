import { randomUUID } from "node:crypto";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from "fastify";
import type { Logger } from "pino";
import { DeliveryEngine, type DeliveryEngineOptions } from "./delivery/delivery-engine.js";
import { DeliveryMetrics } from "./delivery/delivery-metrics.js";
import { AftercallError, type ErrorBody } from "./errors.js";
import { KeyResolver } from "./http/auth.js";
import type { AppContext } from "./http/context.js";
import { GroupCommitter } from "./ingest/group-commit.js";
import { analyticsRoutes } from "./routes/analytics.js";
import { clientConfigRoutes } from "./routes/client-config.js";
import { dashboardRoutes } from "./routes/dashboard.js";
import { demoRoutes } from "./routes/demo.js";
import { diagnosticSettingRoutes } from "./routes/diagnostic-settings.js";
import { projectRoutes } from "./routes/projects.js";
import { surveyRoutes } from "./routes/surveys.js";
import { systemRoutes } from "./routes/system.js";
import type { Store } from "./store/store.js";

export interface AppOptions {
  store: Store;
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
  delivery?: boolean | Omit<DeliveryEngineOptions, "store" | "logger" | "metrics">;
  /** Where the built dashboard is; default: the @aftercall/dashboard package's dist. */
  dashboardDir?: string;
}

/**
 * SQLite commits run synchronously on this thread, so one at a time. A PostgreSQL commit mostly waits on
 * round trips and the database's WAL flush, during which a second transaction can proceed. Measured
 * (docs/benchmarks.md): with PostgreSQL on its own CPU, 2 in flight gave 16–22 % more than 1 and 4 no more
 * than 2; with Node and PostgreSQL sharing one core, 1 and 2 were equal and 4 or 8 slower (smaller
 * transactions, each with its own round trips and WAL flush).
 */
export function defaultCommitConcurrency(store: Pick<Store, "engine">): number {
  return store.engine === "postgres" ? POSTGRES_COMMIT_CONCURRENCY : 1;
}

const POSTGRES_COMMIT_CONCURRENCY = 2;

/** A built app: the Fastify instance plus a shutdown that finishes in-flight commits first. */
export interface App {
  fastify: FastifyInstance;
  context: AppContext;
  /** Stop accepting requests, answer the in-flight ones, wait for their commits. Does not close the store. */
  close(): Promise<void>;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Build the HTTP app around a store. Exported for in-process tests (`app.fastify.inject`) and used by
 * `aftercall serve`.
 */
export function createApp(options: AppOptions): App {
  const { store, logger } = options;
  const state = { closing: false };
  const fastify = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast keeps Fastify's default generic so routes type-check.
    loggerInstance: logger as FastifyBaseLogger,
    // One line per request is written by logRequest below, with ids only; Fastify's own lines would log URLs.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: "requestId" }),
    bodyLimit: 64 * 1024,
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    },
    forceCloseConnections: "idle",
    return503OnClosing: false,
  });
  const committer = new GroupCommitter(store, {
    concurrency: options.commitConcurrency ?? defaultCommitConcurrency(store),
  });
  const metrics = new DeliveryMetrics();
  metrics.watch(store);
  const deliveryOptions = options.delivery ?? true;
  const delivery = deliveryOptions
    ? new DeliveryEngine({ ...(deliveryOptions === true ? {} : deliveryOptions), store, logger, metrics })
    : undefined;
  const context: AppContext = {
    store,
    resolver: new KeyResolver(store, options.operatorToken, options.keyCacheSeconds ?? 5),
    ingest: { committer, now: options.now ?? (() => new Date()), onCommitted: () => delivery?.notify() },
    metrics,
  };
  if (delivery) context.delivery = delivery;

  installBodyParsers(fastify);
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
  fastify.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  fastify.setNotFoundHandler((request, reply) =>
    sendError(
      new AftercallError(
        "NOT_FOUND",
        `No route ${request.method} ${request.routeOptions.url ?? request.url.split("?")[0]}.`,
      ),
      request,
      reply,
    ),
  );

  systemRoutes(fastify, context, state);
  surveyRoutes(fastify, context);
  projectRoutes(fastify, context);
  clientConfigRoutes(fastify, context);
  demoRoutes(fastify, context);
  analyticsRoutes(fastify, context);
  diagnosticSettingRoutes(fastify, context);
  delivery?.start();
  dashboardRoutes(fastify, options.dashboardDir);

  return {
    fastify,
    context,
    async close() {
      state.closing = true;
      const closing = fastify.close();
      // In-flight requests get this long to finish; then their sockets are cut.
      const deadline = setTimeout(() => fastify.server.closeAllConnections(), 10_000).unref();
      await closing;
      clearTimeout(deadline);
      await committer.drain();
      await delivery?.stop();
    },
  };
}

/** JSON bodies as application/json or text/plain (what navigator.sendBeacon sends). */
function installBodyParsers(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  const parse = (
    _req: FastifyRequest,
    body: string | Buffer,
    done: (err: Error | null, value?: unknown) => void,
  ) => {
    const text = body.toString();
    if (text.trim() === "")
      return done(new AftercallError("INVALID_JSON", "The request body is empty; send a JSON survey."));
    try {
      done(null, JSON.parse(text));
    } catch (e) {
      done(new AftercallError("INVALID_JSON", `The request body is not valid JSON: ${(e as Error).message}`));
    }
  };
  fastify.addContentTypeParser(["application/json", "text/plain"], { parseAs: "string" }, parse);
}

function toAftercallError(error: unknown): AftercallError {
  if (error instanceof AftercallError) return error;
  const e = error as FastifyError;
  switch (e.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new AftercallError(
        "PAYLOAD_TOO_LARGE",
        "The request body is larger than this endpoint accepts.",
      );
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new AftercallError("UNSUPPORTED_MEDIA_TYPE", "Send the body as application/json or text/plain.");
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new AftercallError("INVALID_JSON", "The request body is empty; send a JSON survey.");
  }
  if (e.statusCode === 400) return new AftercallError("INVALID_JSON", "The request could not be read.");
  if (e.statusCode === 415)
    return new AftercallError("UNSUPPORTED_MEDIA_TYPE", "Send the body as application/json or text/plain.");
  if (e.statusCode === 413) return new AftercallError("PAYLOAD_TOO_LARGE", "The request body is too large.");
  return new AftercallError("INTERNAL", "Something went wrong on our side; the error was logged.");
}

function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const mapped = toAftercallError(error);
  if (mapped.status >= 500) {
    // Log the original error (stack, cause) but never the request body: surveys hold personal text.
    request.log.error(
      { err: error, cause: (mapped as { cause?: unknown }).cause, requestId: request.id },
      "request failed",
    );
  }
  request.errorCode = mapped.code;
  const body: ErrorBody = { code: mapped.code, message: mapped.message, requestId: request.id };
  if (mapped.errors) body.errors = mapped.errors;
  if (mapped.code === "SHUTTING_DOWN") reply.header("connection", "close").header("retry-after", "1");
  return reply.code(mapped.status).send(body);
}

/** One line per request: route pattern (never the raw URL, which may carry a key), status, timing, ids. */
function logRequest(request: FastifyRequest, reply: FastifyReply): void {
  if (request.routeOptions.url === "/healthz" || request.routeOptions.url === "/readyz") return;
  request.log.info(
    {
      method: request.method,
      route: request.routeOptions.url ?? "(unmatched)",
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 100) / 100,
      projectId: request.projectId,
      surveys: request.surveyCount,
      error: request.errorCode,
    },
    "request",
  );
}
