import {
  analyticsBreakdown,
  analyticsCallQuality,
  analyticsCompare,
  analyticsDimensions,
  analyticsFreshness,
  analyticsSummary,
  analyticsTags,
  analyticsTimeseries,
} from "@aftercall/api";
import type { FastifyInstance } from "fastify";
import type { BreakdownBy } from "../analytics/aggregates.js";
import { foldBuckets, resolveTimeZone } from "../analytics/buckets.js";
import { callQuality } from "../analytics/call-quality.js";
import { cohortRates, comparison, splitCohorts } from "../analytics/compare.js";
import { dimensionKeys } from "../analytics/dimension-rollup-query.js";
import { breakdownRows, dimensionKeyRows, rates, summaryReply, tagsReply } from "../analytics/responses.js";
import { rollupLag } from "../analytics/rollup-folder.js";
import { breakdown, summarize, tagCounts, timeSlots } from "../analytics/rollup-query.js";
import { AftercallError } from "../errors.js";
import { countEvents } from "../events/survey-events.js";
import { projectInScope, type Reader } from "../http/auth.js";
import type { AppContext } from "../http/context.js";
import { handle } from "../http/route.js";
import { toSurveyQuery } from "../http/survey-query.js";
import type { Project } from "../projects/project.js";

function timeZone(raw: string | undefined): string {
  if (raw === undefined) return "UTC";
  const tz = resolveTimeZone(raw);
  if (!tz)
    throw new AftercallError(
      "INVALID_PARAMETER",
      `tz must be an IANA time zone such as Europe/Berlin, got "${raw}".`,
    );
  return tz;
}

/** Analytics of a project's surveys (admin token). */
export function analyticsRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db, analytics: reads } = ctx;

  handle(app, ctx, analyticsFreshness, async ({ project }) => {
    const lag = (await rollupLag(db)).find((l) => l.projectId === project.id);
    return {
      unfoldedSurveys: lag?.unfolded ?? 0,
      lagSeconds: lag ? Math.max(0, Date.now() - lag.oldestUnfoldedAtMs) / 1000 : 0,
    };
  });

  handle(app, ctx, analyticsSummary, async ({ project, query }) => {
    const q = toSurveyQuery(query);
    const [summary, events] = await Promise.all([
      summarize(reads, project.id, q),
      countEvents(db, project.id, {
        ...(q.fromMs === undefined ? {} : { fromMs: q.fromMs }),
        ...(q.toMs === undefined ? {} : { toMs: q.toMs }),
      }),
    ]);
    return summaryReply(summary, events);
  });

  handle(app, ctx, analyticsCallQuality, async ({ project, query }) => {
    const { bandMix, ...rest } = await callQuality(reads, project.id, toSurveyQuery(query));
    return {
      ...rest,
      bandMix: bandMix.map(({ startMs, ...mix }) => ({ start: new Date(startMs).toISOString(), ...mix })),
    };
  });

  handle(app, ctx, analyticsTags, async ({ project, query }) => {
    const q = toSurveyQuery(query);
    const [summary, tags] = await Promise.all([
      summarize(reads, project.id, q),
      tagCounts(reads, project.id, q),
    ]);
    return tagsReply(tags, summary);
  });

  handle(app, ctx, analyticsTimeseries, async ({ project, query }) => {
    const { category = "overall", bucket = "day", tz: rawTz, ...filters } = query;
    const tz = timeZone(rawTz);
    const slots = await timeSlots(reads, project.id, toSurveyQuery(filters), category);
    return {
      category,
      bucket,
      tz,
      points: foldBuckets(slots, bucket, tz).map((b) => ({
        start: new Date(b.startMs).toISOString(),
        ...rates(b),
      })),
    };
  });

  handle(app, ctx, analyticsBreakdown, async ({ project, query }) => {
    const { category = "overall", by, ...filters } = query;
    const rows = await breakdown(reads, project.id, toSurveyQuery(filters), category, by as BreakdownBy);
    return { category, by, rows: breakdownRows(rows) };
  });

  handle(app, ctx, analyticsDimensions, async ({ project, query }) => ({
    dimensions: dimensionKeyRows(await dimensionKeys(reads, project.id, toSurveyQuery(query))),
  }));

  handle(app, ctx, analyticsCompare, async ({ caller, params, query, request }) => {
    const { category = "overall", ...rest } = query;
    const sides = splitCohorts(rest);
    const cohort = async (side: "a" | "b") => {
      const { projectId: own, ...filters } = sides[side];
      const project = await cohortProject(ctx, caller, side, own, params.projectId);
      return { project, query: toSurveyQuery(filters, `${side}.`) };
    };
    const [a, b] = [await cohort("a"), await cohort("b")];
    request.projectId = a.project.id;
    const [sa, sb] = await Promise.all([
      summarize(reads, a.project.id, a.query),
      summarize(reads, b.project.id, b.query),
    ]);
    return comparison(
      category,
      cohortRates(sa, category, a.project.id),
      cohortRates(sb, category, b.project.id),
    );
  });
}

/**
 * The project of a cohort: its own `a.projectId`/`b.projectId`, else the request's project, else the
 * admin token's project. An admin token reaches only its own project (another answers NOT_FOUND, as
 * everywhere), so comparing two projects takes the operator token.
 */
async function cohortProject(
  ctx: AppContext,
  caller: Reader,
  side: "a" | "b",
  own: string | undefined,
  shared: string | undefined,
): Promise<Project> {
  try {
    return await projectInScope(ctx.db, caller, own ?? shared);
  } catch (error) {
    if (!(error instanceof AftercallError)) throw error;
    if (error.code === "INVALID_PARAMETER")
      throw new AftercallError(
        "INVALID_PARAMETER",
        `${side}.projectId or projectId is required with the operator token.`,
      );
    const hint =
      caller.role === "admin"
        ? " An admin token reaches only its own project; compare two projects with the operator token."
        : "";
    throw new AftercallError(
      error.code,
      `${own !== undefined ? `${side}.projectId: ` : ""}${error.message}${hint}`,
    );
  }
}
