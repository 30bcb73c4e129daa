import { DIMENSION_KEY_PATTERN, RATING_CATEGORIES } from "@aftercall/schema";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { BUCKETS, type Bucket, foldBuckets, resolveTimeZone } from "../analytics/buckets.js";
import { wilsonInterval } from "../analytics/statistics.js";
import { AftercallError } from "../errors.js";
import { projectInScope, requireAdmin } from "../http/auth.js";
import type { AppContext } from "../http/context.js";
import { parseSurveyQuery } from "../http/survey-query.js";
import type { BreakdownBy, CategorySummary, IssueTagCount, RatingAggregate } from "../store/store.js";
import { cohortCategory, compareRoute } from "./analytics-compare.js";

type Query = Record<string, unknown>;

const CATEGORIES = RATING_CATEGORIES.map((c) => c.key) as readonly string[];

interface Distribution {
  scale: { lowerBound: number; upperBound: number };
  counts: Record<string, number>;
}

/** `{"lower-upper:score": n}` → one entry per scale, every score of the scale present (0 when unused). */
function distribution(counts: Record<string, number>): Distribution[] {
  const scales = new Map<string, Distribution>();
  for (const [key, n] of Object.entries(counts)) {
    const match = /^(\d+)-(\d+):(\d+)$/.exec(key);
    if (!match) continue;
    const lowerBound = Number(match[1]);
    const upperBound = Number(match[2]);
    const scaleKey = `${lowerBound}-${upperBound}`;
    let entry = scales.get(scaleKey);
    if (!entry) {
      entry = { scale: { lowerBound, upperBound }, counts: {} };
      for (let s = lowerBound; s <= upperBound; s++) entry.counts[String(s)] = 0;
      scales.set(scaleKey, entry);
    }
    entry.counts[String(Number(match[3]))] = n;
  }
  return [...scales.values()].sort(
    (a, b) => a.scale.lowerBound - b.scale.lowerBound || a.scale.upperBound - b.scale.upperBound,
  );
}

function categorySummary(c: CategorySummary) {
  return {
    surveys: c.surveys,
    poor: c.poor,
    meanNormalizedScore: c.surveys > 0 ? c.normalizedScoreSum / c.surveys : null,
    poorRate: c.surveys > 0 ? c.poor / c.surveys : null,
    poorRateCi95: c.surveys > 0 ? wilsonInterval(c.poor, c.surveys) : null,
    distribution: distribution(c.distribution),
  };
}

/**
 * Submitted over shown lifecycle events of the time range (events carry no ratings or context, so only
 * `from`/`to` apply), with its Wilson 95 % interval. Events are counted as received: when more
 * submissions than showings arrived (lost `shown` events), the rate is above 1 and has no interval.
 */
export function responseRate(events: { shown: number; submitted: number; dismissed: number }) {
  const { shown, submitted, dismissed } = events;
  const interval = shown > 0 && submitted <= shown ? wilsonInterval(submitted, shown) : null;
  return {
    shown,
    submitted,
    dismissed,
    rate: shown > 0 ? submitted / shown : null,
    low: interval ? interval[0] : null,
    high: interval ? interval[1] : null,
  };
}

function tagList(tags: readonly IssueTagCount[], summary: CategorySummary | undefined) {
  const rated = summary?.surveys ?? 0;
  const poor = summary?.poor ?? 0;
  return tags
    .map((t) => ({
      tag: t.tag,
      count: t.count,
      poorCount: t.poorCount,
      shareOfCategory: rated > 0 ? t.count / rated : null,
      shareOfPoor: poor > 0 ? t.poorCount / poor : null,
    }))
    .sort((a, b) => b.count - a.count || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
}

/** Keys of GET /v1/analytics/dimensions: those on the most surveys. */
const DIMENSION_KEYS_LIMIT = 100;
/** Rows of GET /v1/analytics/breakdown: the values with the most surveys. */
const BREAKDOWN_LIMIT = 50;
const BREAKDOWN_FIELDS = ["appVersion", "platform", "browser", "sdkVersion"] as const;

function rates(a: RatingAggregate) {
  return {
    surveys: a.surveys,
    poor: a.poor,
    poorRate: a.surveys > 0 ? a.poor / a.surveys : null,
    poorRateCi95: a.surveys > 0 ? wilsonInterval(a.poor, a.surveys) : null,
    meanNormalizedScore: a.surveys > 0 ? a.normalizedScoreSum / a.surveys : null,
  };
}

function bucketParam(raw: unknown): Bucket {
  if (raw === undefined) return "day";
  if (typeof raw !== "string" || !(BUCKETS as readonly string[]).includes(raw)) {
    throw new AftercallError(
      "INVALID_PARAMETER",
      `bucket must be one of ${BUCKETS.join(", ")}, got "${String(raw)}".`,
    );
  }
  return raw as Bucket;
}

function timeZoneParam(raw: unknown): string {
  if (raw === undefined) return "UTC";
  const tz = typeof raw === "string" && raw.length <= 64 ? resolveTimeZone(raw) : undefined;
  if (!tz) {
    throw new AftercallError(
      "INVALID_PARAMETER",
      `tz must be an IANA time zone such as Europe/Berlin, got "${String(raw)}".`,
    );
  }
  return tz;
}

function breakdownParam(raw: unknown): BreakdownBy {
  if (typeof raw === "string") {
    if ((BREAKDOWN_FIELDS as readonly string[]).includes(raw)) return raw as BreakdownBy;
    const key = /^dimension:(.{1,64})$/.exec(raw)?.[1];
    if (key !== undefined && DIMENSION_KEY_PATTERN.test(key)) return `dimension:${key}`;
  }
  throw new AftercallError(
    "INVALID_PARAMETER",
    `by must be one of ${BREAKDOWN_FIELDS.join(", ")} or dimension:<key>, got "${String(raw)}".`,
  );
}

/** Analytics over the raw surveys (admin token). */
export function analyticsRoutes(app: FastifyInstance, ctx: AppContext): void {
  async function scope(request: FastifyRequest<{ Querystring: Query }>) {
    const caller = await requireAdmin(ctx.resolver, request);
    const { projectId } = request.query;
    const project = await projectInScope(
      ctx.store,
      caller,
      typeof projectId === "string" ? projectId : undefined,
    );
    request.projectId = project.id;
    return project;
  }

  app.get("/v1/analytics/summary", async (request: FastifyRequest<{ Querystring: Query }>) => {
    const project = await scope(request);
    const { projectId: _, ...filters } = request.query;
    const query = parseSurveyQuery(filters);
    const [summary, events] = await Promise.all([
      ctx.store.summarizeSurveys(project.id, query),
      ctx.store.countEvents(project.id, {
        ...(query.fromMs !== undefined ? { fromMs: query.fromMs } : {}),
        ...(query.toMs !== undefined ? { toMs: query.toMs } : {}),
      }),
    ]);
    return {
      surveys: summary.surveys,
      categories: Object.fromEntries(summary.categories.map((c) => [c.category, categorySummary(c)])),
      responseRate: responseRate(events),
    };
  });

  app.get("/v1/analytics/tags", async (request: FastifyRequest<{ Querystring: Query }>) => {
    const project = await scope(request);
    const { projectId: _, ...filters } = request.query;
    const query = parseSurveyQuery(filters);
    const [summary, tags] = await Promise.all([
      ctx.store.summarizeSurveys(project.id, query),
      ctx.store.issueTagCounts(project.id, query),
    ]);
    return {
      categories: Object.fromEntries(
        CATEGORIES.map((key) => [
          key,
          tagList(
            tags.filter((t) => t.category === key),
            summary.categories.find((c) => c.category === key),
          ),
        ]),
      ),
    };
  });

  app.get("/v1/analytics/timeseries", async (request: FastifyRequest<{ Querystring: Query }>) => {
    const project = await scope(request);
    const { projectId: _, category: rawCategory, bucket: rawBucket, tz: rawTz, ...filters } = request.query;
    const category = cohortCategory(rawCategory);
    const bucket = bucketParam(rawBucket);
    const tz = timeZoneParam(rawTz);
    const query = parseSurveyQuery(filters);
    const slots = await ctx.store.ratingTimeSlots(project.id, query, category);
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

  app.get("/v1/analytics/breakdown", async (request: FastifyRequest<{ Querystring: Query }>) => {
    const project = await scope(request);
    const { projectId: _, category: rawCategory, by: rawBy, ...filters } = request.query;
    const category = cohortCategory(rawCategory);
    const by = breakdownParam(rawBy);
    const query = parseSurveyQuery(filters);
    const rows = await ctx.store.ratingBreakdown(project.id, query, category, by);
    const order = (a: string | null, b: string | null) =>
      a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1;
    return {
      category,
      by,
      rows: rows
        .sort((a, b) => b.surveys - a.surveys || order(a.value, b.value))
        .slice(0, BREAKDOWN_LIMIT)
        .map((r) => ({ value: r.value, ...rates(r) })),
    };
  });

  app.get("/v1/analytics/dimensions", async (request: FastifyRequest<{ Querystring: Query }>) => {
    const project = await scope(request);
    const { projectId: _, ...filters } = request.query;
    const keys = await ctx.store.dimensionKeys(project.id, parseSurveyQuery(filters));
    return {
      dimensions: keys
        .sort((a, b) => b.surveys - a.surveys || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
        .slice(0, DIMENSION_KEYS_LIMIT),
    };
  });

  compareRoute(app, ctx);
}
