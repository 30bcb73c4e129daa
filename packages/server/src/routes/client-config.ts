import {
  LIMITS,
  type SurveyEvent,
  type ValidationIssue,
  validateSurveyConfig,
  validateSurveyEvent,
} from "@aftercall/schema";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { AftercallError } from "../errors.js";
import { projectInScope, requireAdmin, requireSubmitter } from "../http/auth.js";
import type { AppContext } from "../http/context.js";
import { allowOrigin, answerPreflight, enforceOrigin } from "../http/cors.js";
import { parseSurveyQuery } from "../http/survey-query.js";

type ProjectParams = { Params: { projectId: string } };

/** Most lifecycle events per request. */
export const MAX_EVENTS = 100;

function parseEvents(body: unknown): SurveyEvent[] {
  const events = (body as { events?: unknown } | null)?.events;
  if (!Array.isArray(events) || events.length === 0 || events.length > MAX_EVENTS) {
    const message = `events must be an array of 1 to ${MAX_EVENTS} events.`;
    throw new AftercallError("VALIDATION_FAILED", message, [
      { code: "INVALID_TYPE", path: "events", message },
    ]);
  }
  const valid: SurveyEvent[] = [];
  const errors: ValidationIssue[] = [];
  events.forEach((input, i) => {
    const result = validateSurveyEvent(input);
    if (result.ok) valid.push(result.value);
    else
      for (const e of result.errors)
        errors.push({
          ...e,
          path: `events[${i}]${e.path ? `.${e.path}` : ""}`,
          message: `events[${i}]: ${e.message}`,
        });
  });
  if (errors.length > 0)
    throw new AftercallError(
      "VALIDATION_FAILED",
      (errors[0] as ValidationIssue).message,
      errors.slice(0, 100),
    );
  return valid;
}

/**
 * What browser clients need besides submitting: the project's survey configuration (sampling, fatigue,
 * categories, scales) and the lifecycle events that give response rates. Admins read and replace the
 * configuration.
 */
export function clientConfigRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.options("/v1/config", answerPreflight);
  app.options("/v1/events", answerPreflight);

  app.get("/v1/config", async (request, reply) => {
    allowOrigin(request, reply);
    const project = await requireSubmitter(ctx.resolver, request);
    request.projectId = project.id;
    enforceOrigin(request, project);
    reply.header("cache-control", "private, max-age=60");
    return {
      projectId: project.id,
      requireOverallRating: project.requireOverallRating,
      config: project.surveyConfig,
    };
  });

  app.post("/v1/events", { bodyLimit: LIMITS.batch * 1024 }, async (request, reply) => {
    allowOrigin(request, reply);
    const project = await requireSubmitter(ctx.resolver, request);
    request.projectId = project.id;
    enforceOrigin(request, project);
    const events = parseEvents(request.body);
    const created = await ctx.store
      .recordEvents(project.id, events, ctx.ingest.now().getTime())
      .catch((cause: unknown) => {
        throw Object.assign(
          new AftercallError(
            "STORE_UNAVAILABLE",
            "The events could not be stored; nothing was written. Please try again.",
          ),
          { cause },
        );
      });
    if (created > 0) ctx.ingest.onCommitted?.();
    return reply.code(200).send({ accepted: events.length, created });
  });

  app.get("/v1/projects/:projectId/config", async (request: FastifyRequest<ProjectParams>) => {
    const caller = await requireAdmin(ctx.resolver, request);
    return (await projectInScope(ctx.store, caller, request.params.projectId)).surveyConfig;
  });

  app.put("/v1/projects/:projectId/config", async (request: FastifyRequest<ProjectParams>) => {
    const caller = await requireAdmin(ctx.resolver, request);
    const project = await projectInScope(ctx.store, caller, request.params.projectId);
    const result = validateSurveyConfig(request.body);
    if (!result.ok)
      throw new AftercallError(
        "VALIDATION_FAILED",
        (result.errors[0] as ValidationIssue).message,
        result.errors,
      );
    await ctx.store.updateSurveyConfig(project.id, result.value);
    ctx.resolver.invalidate();
    return result.value;
  });

  app.get("/v1/events/summary", async (request: FastifyRequest<{ Querystring: Record<string, unknown> }>) => {
    const caller = await requireAdmin(ctx.resolver, request);
    const { projectId, from, to } = request.query;
    const project = await projectInScope(
      ctx.store,
      caller,
      typeof projectId === "string" ? projectId : undefined,
    );
    const range = parseSurveyQuery({ from, to });
    const counts = await ctx.store.countEvents(project.id, {
      ...(range.fromMs !== undefined ? { fromMs: range.fromMs } : {}),
      ...(range.toMs !== undefined ? { toMs: range.toMs } : {}),
    });
    return { ...counts, responseRate: counts.shown > 0 ? counts.submitted / counts.shown : null };
  });
}
