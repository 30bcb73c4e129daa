import {
  exportSurveys,
  getSurvey,
  listSurveys,
  type RouteBody,
  SURVEY_WARNING_HEADER,
  submitSurvey,
  submitSurveyBatch,
} from "@aftercall/api";
import { LIMITS, toSurveyResponse } from "@aftercall/schema";
import type { FastifyInstance } from "fastify";
import { AftercallError } from "../errors.js";
import type { AppContext } from "../http/context.js";
import { answerPreflight } from "../http/cors.js";
import { streamCsv } from "../http/csv-export.js";
import { handle } from "../http/route.js";
import { streamExport } from "../http/stream-export.js";
import { toSurveyQuery } from "../http/survey-query.js";
import { recordSurveys, validateAll } from "../ingest/record-surveys.js";
import { decodeCursor } from "../surveys/survey-filter.js";
import * as surveys from "../surveys/survey-reads.js";

const ONE_SURVEY_BYTES = 64 * 1024;
const BATCH_BYTES = 4 * 1024 * 1024;

/** The batch body's envelope: `{"surveys": [...]}` and nothing else (each survey is checked on its own). */
function batchSurveys(body: RouteBody<typeof submitSurveyBatch>): unknown[] {
  const list = (body as { surveys?: unknown } | null)?.surveys;
  if (!Array.isArray(list) || list.length === 0 || list.length > LIMITS.batch) {
    const message = `surveys must be an array of 1 to ${LIMITS.batch} surveys.`;
    throw new AftercallError("VALIDATION_FAILED", message, [
      { code: "INVALID_TYPE", path: "surveys", message },
    ]);
  }
  const unknown = Object.keys(body as object).find((k) => k !== "surveys");
  if (unknown !== undefined) {
    const message = `Unknown field "${unknown}".`;
    throw new AftercallError("VALIDATION_FAILED", message, [
      { code: "UNKNOWN_FIELD", path: unknown, message },
    ]);
  }
  return list;
}

/** Now, and the window of `clientTime` around it, for a submission being received. */
const received = (ctx: AppContext) => ({
  atMs: ctx.ingest.now().getTime(),
  window: ctx.ingest.clientTimeWindow,
});

/** Survey ingestion (ingest key, browser-facing) and survey reads (admin token). */
export function surveyRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.options("/v1/surveys", answerPreflight);
  app.options("/v1/surveys/batch", answerPreflight);

  handle(
    app,
    ctx,
    submitSurvey,
    async ({ project, body, reply }) => {
      const [submission] = validateAll(project, [body], () => "", received(ctx));
      const [stored] = await recordSurveys(ctx.ingest, project, submission ? [submission] : []);
      if (!stored) throw new AftercallError("INTERNAL", "Commit returned no survey.");
      reply.request.surveyCount = 1;
      if (!stored.created) reply.header("aftercall-idempotent-replay", "true");
      if (stored.warnings.length > 0) reply.header(SURVEY_WARNING_HEADER, JSON.stringify(stored.warnings));
      return reply.code(stored.created ? 201 : 200).send(toSurveyResponse(stored.record));
    },
    { bodyLimit: ONE_SURVEY_BYTES },
  );

  handle(
    app,
    ctx,
    submitSurveyBatch,
    async ({ project, body, request, reply }) => {
      const sent = batchSurveys(body);
      // The first survey was charged before the body was read; the batch's others now, before validating
      // them: a flood past its budget must not cost the validation of every survey it sends.
      await ctx.limits.chargeBatch(request, reply, "surveys", sent.length - 1);
      const submissions = validateAll(project, sent, (i) => `surveys[${i}]`, received(ctx));
      const stored = await recordSurveys(ctx.ingest, project, submissions);
      request.surveyCount = stored.length;
      return {
        results: stored.map((s) => ({
          id: s.record.id,
          created: s.created,
          survey: toSurveyResponse(s.record),
          ...(s.warnings.length > 0 ? { warnings: s.warnings } : {}),
        })),
      };
    },
    { bodyLimit: BATCH_BYTES },
  );

  handle(app, ctx, listSurveys, async ({ project, query, request }) => {
    const { limit = "50", cursor, ...filters } = query;
    if (cursor !== undefined && !decodeCursor(cursor))
      throw new AftercallError("INVALID_PARAMETER", "cursor is not a cursor returned by this API.");
    const page = await surveys.listSurveys(ctx.db, project.id, toSurveyQuery(filters), {
      limit: Number(limit),
      ...(cursor === undefined ? {} : { cursor }),
    });
    request.surveyCount = page.items.length;
    return page;
  });

  handle(app, ctx, exportSurveys, async ({ project, query, reply }) => {
    const { format = "native", ...filters } = query;
    const records = surveys.exportSurveys(ctx.db, project.id, toSurveyQuery(filters));
    return format === "csv"
      ? streamCsv(reply, records, project)
      : streamExport(reply, records, format, project);
  });

  handle(app, ctx, getSurvey, async ({ project, params }) => {
    const survey = await surveys.getSurvey(ctx.db, project.id, params.surveyId.toLowerCase());
    if (!survey) throw new AftercallError("NOT_FOUND", `Survey ${params.surveyId} was not found.`);
    return survey;
  });
}
