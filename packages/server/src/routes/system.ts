import type { FastifyInstance } from "fastify";
import type { AppContext } from "../http/context.js";
import { openApiDocument } from "../openapi.js";

/** Liveness, readiness and the API description (`/` is the dashboard, see routes/dashboard.ts). */
export function systemRoutes(app: FastifyInstance, ctx: AppContext, state: { closing: boolean }): void {
  app.get("/healthz", async () => ({ status: "ok" }));

  app.get("/readyz", async (_request, reply) => {
    if (state.closing) return reply.code(503).send({ status: "shutting-down" });
    try {
      await ctx.store.ping();
      return { status: "ready", store: ctx.store.engine };
    } catch {
      return reply.code(503).send({ status: "store-unavailable", store: ctx.store.engine });
    }
  });

  const document = openApiDocument();
  app.get("/openapi.json", async () => document);
}
