import { RATING_CATEGORIES, type RatingCategory } from "@aftercall/schema";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { twoProportionTest, wilsonInterval } from "../analytics/statistics.js";
import { AftercallError } from "../errors.js";
import { type Caller, projectInScope, requireAdmin } from "../http/auth.js";
import type { AppContext } from "../http/context.js";
import { parseSurveyQuery } from "../http/survey-query.js";
import type { Project, SurveyQuery, SurveySummary } from "../store/store.js";

type Query = Record<string, unknown>;

const CATEGORIES = RATING_CATEGORIES.map((c) => c.key) as readonly string[];

/**
 * Filters a cohort of GET /v1/analytics/compare may use, as `a.<filter>` and `b.<filter>`. `projectId`
 * lets the cohorts come from two projects (a controlled experiment across two apps or tenants).
 */
const COHORT_FILTERS = new Set([
  "projectId",
  "from",
  "to",
  "poor",
  "tag",
  "q",
  "appVersion",
  "platform",
  "browser",
  "sdkVersion",
]);

interface Cohort {
  projectId: string | undefined;
  query: SurveyQuery;
}

/** Split `a.<filter>` / `b.<filter>` parameters into two cohorts; anything else is refused. */
export function cohorts(params: Query): { a: Cohort; b: Cohort } {
  const split: { a: Query; b: Query } = { a: {}, b: {} };
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    const match = /^([ab])\.(.+)$/.exec(key);
    const filter = match?.[2] as string;
    if (!match || !(COHORT_FILTERS.has(filter) || filter.startsWith("dimension."))) {
      throw new AftercallError(
        "INVALID_PARAMETER",
        `Unknown parameter "${key}"; use category, projectId and a.<filter>, b.<filter> with filters ${[...COHORT_FILTERS].join(", ")}, dimension.<key>.`,
      );
    }
    split[match[1] as "a" | "b"][match[2] as string] = value;
  }
  const parse = (side: "a" | "b"): Cohort => {
    const { projectId, ...filters } = split[side];
    if (projectId !== undefined && (typeof projectId !== "string" || projectId.length === 0)) {
      throw new AftercallError("INVALID_PARAMETER", `${side}.projectId must be a single project id.`);
    }
    try {
      return { projectId, query: parseSurveyQuery(filters) };
    } catch (error) {
      // Name the prefixed parameter, as the client sent it.
      if (error instanceof AftercallError)
        throw new AftercallError("INVALID_PARAMETER", `${side}.${error.message}`);
      throw error;
    }
  };
  return { a: parse("a"), b: parse("b") };
}

export function cohortCategory(raw: unknown): RatingCategory {
  if (raw === undefined) return "overall";
  if (typeof raw !== "string" || !CATEGORIES.includes(raw)) {
    throw new AftercallError(
      "INVALID_PARAMETER",
      `category must be one of ${CATEGORIES.join(", ")}, got "${String(raw)}".`,
    );
  }
  return raw as RatingCategory;
}

/**
 * The project of a cohort: its own `a.projectId`/`b.projectId`, else the request's `projectId`, else the
 * admin token's project. An admin token reaches only its own project (another answers NOT_FOUND, as
 * everywhere), so comparing two projects takes the operator token.
 */
async function cohortProject(
  ctx: AppContext,
  caller: Exclude<Caller, { role: "ingest" }>,
  side: "a" | "b",
  own: string | undefined,
  shared: string | undefined,
): Promise<Project> {
  try {
    return await projectInScope(ctx.store, caller, own ?? shared);
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

function pick(summary: SurveySummary, category: RatingCategory, projectId: string) {
  const c = summary.categories.find((x) => x.category === category);
  const n = c?.surveys ?? 0;
  const poor = c?.poor ?? 0;
  return {
    projectId,
    surveys: n,
    poor,
    poorRate: n > 0 ? poor / n : null,
    poorRateCi95: n > 0 ? wilsonInterval(poor, n) : null,
  };
}

/** GET /v1/analytics/compare: the poor-rate of two cohorts, within one project or across two. */
export function compareRoute(app: FastifyInstance, ctx: AppContext): void {
  app.get("/v1/analytics/compare", async (request: FastifyRequest<{ Querystring: Query }>) => {
    const caller = await requireAdmin(ctx.resolver, request);
    const { projectId: rawProjectId, category: rawCategory, ...rest } = request.query;
    const category = cohortCategory(rawCategory);
    const { a, b } = cohorts(rest);
    const shared = typeof rawProjectId === "string" ? rawProjectId : undefined;
    const projectA = await cohortProject(ctx, caller, "a", a.projectId, shared);
    const projectB = await cohortProject(ctx, caller, "b", b.projectId, shared);
    request.projectId = projectA.id;
    const [sa, sb] = await Promise.all([
      ctx.store.summarizeSurveys(projectA.id, a.query),
      ctx.store.summarizeSurveys(projectB.id, b.query),
    ]);
    const ca = pick(sa, category, projectA.id);
    const cb = pick(sb, category, projectB.id);
    const test =
      ca.surveys > 0 && cb.surveys > 0
        ? twoProportionTest({ poor: ca.poor, n: ca.surveys }, { poor: cb.poor, n: cb.surveys })
        : undefined;
    return {
      category,
      a: ca,
      b: cb,
      difference: test?.difference ?? null,
      differenceCi95: test?.ci95 ?? null,
      z: test?.z ?? null,
      pValue: test?.pValue ?? null,
      method: {
        interval: "Newcombe hybrid score (Wilson), 95 %",
        test: "pooled two-proportion z-test, two-sided",
      },
    };
  });
}
