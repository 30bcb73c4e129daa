import { eventSummary, getClientConfig, MAX_EVENTS, recordEvents } from "@aftercall/api";
import { LIMITS, type SurveyEvent, type ValidationIssue, validateSurveyEvent } from "@aftercall/schema";
import type { FastifyInstance } from "fastify";
import { AftercallError } from "../errors.js";
import { countEvents, recordEvents as storeEvents } from "../events/survey-events.js";
import type { AppContext } from "../http/context.js";
import { answerPreflight } from "../http/cors.js";
import { handle } from "../http/route.js";
import { toSurveyQuery } from "../http/survey-query.js";
import { type ClientTimeWindow, clientTimeIssue } from "../ingest/client-time.js";

/**
 * The events of a request, each checked by the schema package's validator and its `clientTime` against
 * the window around the receive time; paths name the event.
 */
function parseEvents(body: unknown, receivedAtMs: number, window: ClientTimeWindow | false): SurveyEvent[] {
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
    const late = result.ok && clientTimeIssue(result.value.clientTime, receivedAtMs, window);
    if (result.ok && !late) valid.push(result.value);
    else
      for (const e of result.ok ? [late as ValidationIssue] : result.errors)
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
 * categories, scales) and the lifecycle events that give response rates, and their summary for admins.
 */
export function clientRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.options("/v1/config", answerPreflight);
  app.options("/v1/events", answerPreflight);

  handle(app, ctx, getClientConfig, async ({ project, reply }) => {
    reply.header("cache-control", "private, max-age=60");
    return {
      projectId: project.id,
      requireOverallRating: project.requireOverallRating,
      config: project.surveyConfig,
    };
  });

  handle(
    app,
    ctx,
    recordEvents,
    async ({ project, body, request, reply }) => {
      // The first event was charged before the body was read; the others now, before validating them:
      // a flood past its budget must not cost the validation of every event it sends.
      const sent = (body as { events?: unknown } | null)?.events;
      if (Array.isArray(sent) && sent.length <= MAX_EVENTS)
        await ctx.limits.chargeBatch(request, reply, "events", sent.length - 1);
      const events = parseEvents(body, ctx.ingest.now().getTime(), ctx.ingest.clientTimeWindow);
      const created = await storeEvents(ctx.db, project.id, events, ctx.ingest.now().getTime()).catch(
        (cause: unknown) => {
          throw Object.assign(
            new AftercallError(
              "STORE_UNAVAILABLE",
              "The events could not be stored; nothing was written. Please try again.",
            ),
            { cause },
          );
        },
      );
      if (created > 0) ctx.ingest.onCommitted?.();
      return { accepted: events.length, created };
    },
    { bodyLimit: LIMITS.batch * 1024 },
  );

  handle(app, ctx, eventSummary, async ({ project, query }) => {
    const { fromMs, toMs } = toSurveyQuery(query);
    const counts = await countEvents(ctx.db, project.id, {
      ...(fromMs === undefined ? {} : { fromMs }),
      ...(toMs === undefined ? {} : { toMs }),
    });
    return { ...counts, responseRate: counts.shown > 0 ? counts.submitted / counts.shown : null };
  });
}
