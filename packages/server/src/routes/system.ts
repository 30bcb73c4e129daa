import { healthz, metrics, openApi, openApiDocument, ROUTES, readyz } from "@aftercall/api";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../http/context.js";
import { handle } from "../http/route.js";

/** Liveness, readiness, the API description and `/metrics` (`/` is the dashboard, see routes/dashboard.ts). */
export function systemRoutes(app: FastifyInstance, ctx: AppContext, state: { closing: boolean }): void {
  handle(app, ctx, healthz, async () => ({ status: "ok" as const }));

  // Ready only while the store commits (a probe write, cached briefly; see StoreHealth), not merely answers.
  handle(app, ctx, readyz, async ({ reply }) => {
    if (state.closing) return reply.code(503).header("retry-after", "1").send({ status: "shutting-down" });
    const readiness = await ctx.storeHealth.readiness();
    if (readiness.ready) return { status: "ready" as const, store: ctx.db.engine };
    return reply
      .code(503)
      .header("retry-after", "5")
      .send({ status: "store-unavailable", store: ctx.db.engine, reason: readiness.reason });
  });

  const document = openApiDocument(ROUTES, {
    title: "Aftercall API",
    version: "1.0.0",
    description:
      "End-of-call surveys: ingest (publishable ingest key), read and manage (secret admin token or operator token). Errors answer {code, message, requestId, errors?} with a code from x-error-codes.",
  });
  handle(app, ctx, openApi, async () => document);

  handle(app, ctx, metrics, async ({ reply }) => {
    const registry = ctx.metrics.registry;
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}
