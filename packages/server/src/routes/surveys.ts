import { LIMITS, toSurveyResponse } from "@aftercall/schema";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AftercallError } from "../errors.js";
import { isExportFormat } from "../export-format.js";
import { projectInScope, requireAdmin, requireSubmitter } from "../http/auth.js";
import type { AppContext } from "../http/context.js";
import { allowOrigin, answerPreflight, enforceOrigin } from "../http/cors.js";
import { streamCsv } from "../http/csv-export.js";
import { streamExport } from "../http/stream-export.js";
import { parseLimit, parseSurveyQuery } from "../http/survey-query.js";
import { recordSurveys, validateAll } from "../ingest/record-surveys.js";
import { decodeCursor } from "../store/list-query.js";

const ONE_SURVEY_BYTES = 64 * 1024;
const BATCH_BYTES = 4 * 1024 * 1024;

type Query = Record<string, unknown>;

/** Survey ingestion (ingest key, browser-facing) and survey reads (admin token). */
export function surveyRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.options("/v1/surveys", answerPreflight);
  app.options("/v1/surveys/batch", answerPreflight);

  app.post("/v1/surveys", { bodyLimit: ONE_SURVEY_BYTES }, async (request, reply) => {
    allowOrigin(request, reply);
    const project = await requireSubmitter(ctx.resolver, request);
    request.projectId = project.id;
    enforceOrigin(request, project);
    const [submission] = validateAll(project, [request.body], () => "");
    const [stored] = await recordSurveys(ctx.ingest, project, submission ? [submission] : []);
    if (!stored) throw new AftercallError("INTERNAL", "Commit returned no survey.");
    request.surveyCount = 1;
    if (!stored.created) reply.header("aftercall-idempotent-replay", "true");
    return reply.code(stored.created ? 201 : 200).send(toSurveyResponse(stored.record));
  });

  app.post("/v1/surveys/batch", { bodyLimit: BATCH_BYTES }, async (request, reply) => {
    allowOrigin(request, reply);
    const project = await requireSubmitter(ctx.resolver, request);
    request.projectId = project.id;
    enforceOrigin(request, project);
    const surveys = (request.body as { surveys?: unknown } | null)?.surveys;
    if (!Array.isArray(surveys) || surveys.length === 0 || surveys.length > LIMITS.batch) {
      throw new AftercallError(
        "VALIDATION_FAILED",
        `surveys must be an array of 1 to ${LIMITS.batch} surveys.`,
        [
          {
            code: "INVALID_TYPE",
            path: "surveys",
            message: `surveys must be an array of 1 to ${LIMITS.batch} surveys.`,
          },
        ],
      );
    }
    const unknown = Object.keys(request.body as object).filter((k) => k !== "surveys");
    if (unknown.length > 0) {
      const message = `Unknown field "${unknown[0]}".`;
      throw new AftercallError("VALIDATION_FAILED", message, [
        { code: "UNKNOWN_FIELD", path: String(unknown[0]), message },
      ]);
    }
    const submissions = validateAll(project, surveys, (i) => `surveys[${i}]`);
    const stored = await recordSurveys(ctx.ingest, project, submissions);
    request.surveyCount = stored.length;
    return reply.code(200).send({
      results: stored.map((s) => ({
        id: s.record.id,
        created: s.created,
        survey: toSurveyResponse(s.record),
      })),
    });
  });

  app.get("/v1/surveys", async (request: FastifyRequest<{ Querystring: Query }>) => {
    const caller = await requireAdmin(ctx.resolver, request);
    const { projectId, limit, cursor, ...filters } = request.query;
    const project = await projectInScope(
      ctx.store,
      caller,
      typeof projectId === "string" ? projectId : undefined,
    );
    request.projectId = project.id;
    const query = parseSurveyQuery(filters);
    const page: { limit: number; cursor?: string } = { limit: parseLimit(limit) };
    if (cursor !== undefined) {
      if (typeof cursor !== "string" || !decodeCursor(cursor)) {
        throw new AftercallError("INVALID_PARAMETER", "cursor is not a cursor returned by this API.");
      }
      page.cursor = cursor;
    }
    const result = await ctx.store.listSurveys(project.id, query, page);
    request.surveyCount = result.items.length;
    return result;
  });

  app.get(
    "/v1/surveys/export",
    async (request: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply) => {
      const caller = await requireAdmin(ctx.resolver, request);
      const { projectId, format = "native", ...filters } = request.query;
      const project = await projectInScope(
        ctx.store,
        caller,
        typeof projectId === "string" ? projectId : undefined,
      );
      request.projectId = project.id;
      if (typeof format !== "string" || (format !== "csv" && !isExportFormat(format))) {
        throw new AftercallError(
          "INVALID_PARAMETER",
          `format must be "native", "acs" or "csv", got "${String(format)}".`,
        );
      }
      const query = parseSurveyQuery(filters);
      if (format === "csv") return streamCsv(reply, ctx.store.exportSurveys(project.id, query), project);
      return streamExport(reply, ctx.store.exportSurveys(project.id, query), format, project);
    },
  );

  app.get(
    "/v1/surveys/:id",
    async (request: FastifyRequest<{ Params: { id: string }; Querystring: Query }>) => {
      const caller = await requireAdmin(ctx.resolver, request);
      const projectId = request.query.projectId;
      const project = await projectInScope(
        ctx.store,
        caller,
        typeof projectId === "string" ? projectId : undefined,
      );
      request.projectId = project.id;
      const survey = await ctx.store.getSurvey(project.id, request.params.id.toLowerCase());
      if (!survey) throw new AftercallError("NOT_FOUND", `Survey ${request.params.id} was not found.`);
      return survey;
    },
  );
}
