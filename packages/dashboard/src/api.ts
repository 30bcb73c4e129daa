/**
 * Every call the dashboard makes to the Aftercall admin API, in one place. The shapes come from the API
 * contract (`@aftercall/api`, type-only imports: nothing of it is bundled), so a field the server stops
 * sending breaks this build. The admin token travels only as an `Authorization` header (never in a
 * URL), so exports are fetched and saved as a Blob.
 *
 * @module
 */
import type {
  AlertRecord,
  AlertRuleInput,
  AlertRulePatch,
  analyticsBreakdown,
  analyticsCallQuality,
  analyticsCompare,
  analyticsDimensions,
  analyticsSummary,
  analyticsTags,
  analyticsTimeseries,
  createAlertRule,
  ErrorBody,
  eventSummary,
  getSurvey,
  listAlertHistory,
  listAlertRules,
  listAlerts,
  listProjects,
  listSurveys,
  RouteReply,
  SurveyFilters,
  updateAlertRule,
} from "@aftercall/api";
import { RATING_CATEGORIES, type RatingCategory } from "@aftercall/schema";

export { CONTEXT_FIELDS, type ContextField } from "@aftercall/schema";

export const CATEGORIES = RATING_CATEGORIES.map((c) => c.key) as readonly RatingCategory[];
export type Category = RatingCategory;

export type Summary = RouteReply<typeof analyticsSummary>;
export type CategoryStats = NonNullable<Summary["categories"]["overall"]>;
export type Distribution = CategoryStats["distribution"][number];
export type ResponseRate = Summary["responseRate"];
export type Interval = NonNullable<CategoryStats["poorRateCi95"]>;
export type TagRow = NonNullable<RouteReply<typeof analyticsTags>["categories"]["overall"]>[number];
export type TimeseriesPoint = RouteReply<typeof analyticsTimeseries>["points"][number];
export type BreakdownRow = RouteReply<typeof analyticsBreakdown>["rows"][number];
/** Counts and rates shared by time-series points and breakdown rows. */
export type Rates = Omit<BreakdownRow, "value">;
export type Comparison = RouteReply<typeof analyticsCompare>;
/** One cohort of a comparison: its project and its poor-rate in the compared category. */
export type CohortRates = Comparison["a"];
export type EventSummary = RouteReply<typeof eventSummary>;
export type Project = RouteReply<typeof listProjects>["items"][number];
export type SurveyRecord = RouteReply<typeof getSurvey>;
export type RecordedRating = NonNullable<SurveyRecord["ratings"]["overall"]>;
export type SurveyPage = RouteReply<typeof listSurveys>;
/** A custom dimension key and how many surveys of the range carry it. */
export type DimensionKey = RouteReply<typeof analyticsDimensions>["dimensions"][number];

export type CallQuality = RouteReply<typeof analyticsCallQuality>;
/** A network band as the filters and the call-quality answer name it; `none`: no measured metric. */
export type NetworkBand = NonNullable<SurveyFilters["networkBand"]>;
export const NETWORK_BANDS = ["good", "fair", "poor", "none"] as const satisfies readonly NetworkBand[];
/** What the device measured during a call, as stored with its survey. */
export type CallQualitySummary = NonNullable<SurveyRecord["callQuality"]>;

/** A rule's alert: its status, since when, and its latest firing or resolving transition. */
export type Alert = RouteReply<typeof listAlerts>["items"][number];
/** A rule with its state as the evaluator last left it (the current window's rate among it). */
export type AlertRule = RouteReply<typeof listAlertRules>["items"][number];
export type AlertStatus = Alert["status"];
/** One transition of a rule; firing and resolving ones carry their `CallSurveyAlert` record. */
export type AlertTransition = RouteReply<typeof listAlertHistory>["items"][number];
export type { AlertRecord, AlertRuleInput, AlertRulePatch };
/** One problem of a refused body: its stable code, the dotted path of the field, the server's message. */
export type ValidationIssue = NonNullable<ErrorBody["errors"]>[number];
export type AlertExplanation = AlertRecord["explanations"][number];
export type AlertContribution = AlertExplanation["contributions"][number];

/** Filters understood by the list, export and analytics endpoints (`dimension.<key>` among them). */
export type Filters = Omit<SurveyFilters, "participantId"> & {
  [dimension: `dimension.${string}`]: string | undefined;
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** On `400 VALIDATION_FAILED`, every problem with the path of its field. */
    readonly issues: ValidationIssue[] = [],
  ) {
    super(message);
  }
}

type Params = Record<string, string | undefined>;

function url(path: string, params: Params): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") search.set(k, v);
  const qs = search.toString();
  return qs ? `${path}?${qs}` : path;
}

async function request(
  token: string,
  path: string,
  params: Params,
  init: { method?: string; body?: unknown } = {},
): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(url(path, params), {
    method: init.method ?? "GET",
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as Partial<ErrorBody>;
    throw new ApiError(
      response.status,
      body.code ?? "HTTP_ERROR",
      body.message ?? response.statusText,
      body.errors ?? [],
    );
  }
  return response;
}

/** A change (POST, PATCH, DELETE) with a JSON body; its JSON answer, or undefined for 204. */
async function send<T>(token: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await request(token, path, {}, { method, body });
  return (response.status === 204 ? undefined : await response.json()) as T;
}

async function get<T>(token: string, path: string, params: Params = {}): Promise<T> {
  return (await request(token, path, params)).json() as Promise<T>;
}

/** The path of a project's resource: `/v1/projects/<id>/<rest>`. */
const project = (id: string, rest: string) => `/v1/projects/${encodeURIComponent(id)}/${rest}`;

/** The API bound to one admin token. */
export function createApi(token: string) {
  return {
    projects: () => get<RouteReply<typeof listProjects>>(token, "/v1/projects").then((r) => r.items),
    summary: (projectId: string, f: Filters) =>
      get<Summary>(token, project(projectId, "analytics/summary"), f),
    tags: (projectId: string, f: Filters) =>
      get<RouteReply<typeof analyticsTags>>(token, project(projectId, "analytics/tags"), f),
    timeseries: (projectId: string, f: Filters, category: Category, bucket: string, tz: string) =>
      get<RouteReply<typeof analyticsTimeseries>>(token, project(projectId, "analytics/timeseries"), {
        ...f,
        category,
        bucket,
        tz,
      }).then((r) => r.points),
    breakdown: (projectId: string, f: Filters, category: Category, by: string) =>
      get<RouteReply<typeof analyticsBreakdown>>(token, project(projectId, "analytics/breakdown"), {
        ...f,
        category,
        by,
      }).then((r) => r.rows),
    /** The custom dimension keys of the range, on the most surveys first. */
    dimensions: (projectId: string, f: Filters) =>
      get<RouteReply<typeof analyticsDimensions>>(token, project(projectId, "analytics/dimensions"), f).then(
        (r) => r.dimensions,
      ),
    /** `cohorts` are `a.<filter>` / `b.<filter>` parameters (`a.projectId` among them). */
    compare: (projectId: string, category: Category, cohorts: Params) =>
      get<Comparison>(token, project(projectId, "analytics/compare"), { category, ...cohorts }),
    callQuality: (projectId: string, f: Filters) =>
      get<CallQuality>(token, project(projectId, "analytics/call-quality"), f),
    events: (projectId: string, f: Pick<Filters, "from" | "to">) =>
      get<EventSummary>(token, project(projectId, "events/summary"), { from: f.from, to: f.to }),
    surveys: (projectId: string, f: Filters, cursor?: string) =>
      get<SurveyPage>(token, project(projectId, "surveys"), { ...f, cursor, limit: "25" }),
    survey: (projectId: string, id: string) =>
      get<SurveyRecord>(token, project(projectId, `surveys/${encodeURIComponent(id)}`)),
    /** Every rule's alert, firing first. */
    alerts: (projectId: string) =>
      get<RouteReply<typeof listAlerts>>(token, project(projectId, "alerts")).then((r) => r.items),
    /** The rules with their current state (the window's rate, the evidence and its threshold). */
    alertRules: (projectId: string) =>
      get<RouteReply<typeof listAlertRules>>(token, project(projectId, "alert-rules")).then((r) => r.items),
    /** Create a rule; omitted fields take the server's defaults. Refused: ApiError with `issues`. */
    createAlertRule: (projectId: string, rule: AlertRuleInput) =>
      send<RouteReply<typeof createAlertRule>>(token, "POST", project(projectId, "alert-rules"), rule),
    /** Change a rule (`{ enabled }` switches it without restarting its detector). */
    updateAlertRule: (projectId: string, ruleId: string, patch: AlertRulePatch) =>
      send<RouteReply<typeof updateAlertRule>>(
        token,
        "PATCH",
        project(projectId, `alert-rules/${encodeURIComponent(ruleId)}`),
        patch,
      ),
    /** Delete a rule and its state (its history stays). */
    deleteAlertRule: (projectId: string, ruleId: string) =>
      send<void>(token, "DELETE", project(projectId, `alert-rules/${encodeURIComponent(ruleId)}`)),
    /** Transitions, newest first (one rule's with `ruleId`; older than `before` to page back). */
    alertHistory: (projectId: string, q: { ruleId?: string; before?: string; limit?: number } = {}) =>
      get<RouteReply<typeof listAlertHistory>>(token, project(projectId, "alerts/history"), {
        ruleId: q.ruleId,
        before: q.before,
        limit: String(q.limit ?? 100),
      }).then((r) => r.items),
    /** The filtered export as a Blob (NDJSON or CSV), to be saved by the browser. */
    exportBlob: async (projectId: string, f: Filters, format: "native" | "csv") =>
      (await request(token, project(projectId, "surveys/export"), { ...f, format })).blob(),
  };
}

export type Api = ReturnType<typeof createApi>;
