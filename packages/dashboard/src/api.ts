/**
 * Every call the dashboard makes to the Aftercall admin API, in one place. The admin token travels only
 * as an `Authorization` header (never in a URL), so exports are fetched and saved as a Blob.
 *
 * @module
 */

export const CATEGORIES = ["overall", "audio", "video", "screenshare"] as const;
export type Category = (typeof CATEGORIES)[number];

export type Interval = [number, number];

export interface Project {
  id: string;
  name: string;
}

export interface Distribution {
  scale: { lowerBound: number; upperBound: number };
  counts: Record<string, number>;
}

export interface CategoryStats {
  surveys: number;
  poor: number;
  meanNormalizedScore: number | null;
  poorRate: number | null;
  poorRateCi95: Interval | null;
  distribution: Distribution[];
}

export interface Summary {
  surveys: number;
  categories: Partial<Record<Category, CategoryStats>>;
  /**
   * Submitted over shown lifecycle events of the range, with the rate's 95 % Wilson interval `[low, high]`.
   * Optional only because servers before it answered without; the overview then asks `/v1/events/summary`.
   */
  responseRate?: ResponseRate;
}

export interface ResponseRate {
  shown: number;
  submitted: number;
  dismissed: number;
  rate: number | null;
  low: number | null;
  high: number | null;
}

export interface TagRow {
  tag: string;
  count: number;
  poorCount: number;
  shareOfCategory: number | null;
  shareOfPoor: number | null;
}

export interface Rates {
  surveys: number;
  poor: number;
  poorRate: number | null;
  poorRateCi95: Interval | null;
  meanNormalizedScore?: number | null;
}

export interface TimeseriesPoint extends Rates {
  start: string;
}

export interface BreakdownRow extends Rates {
  value: string | null;
}

/** One cohort of a comparison: its project and its poor-rate in the compared category. */
export interface CohortRates extends Rates {
  projectId: string;
}

export interface Comparison {
  category: Category;
  a: CohortRates;
  b: CohortRates;
  difference: number | null;
  differenceCi95: Interval | null;
  z: number | null;
  pValue: number | null;
}

export interface EventSummary {
  shown: number;
  dismissed: number;
  submitted: number;
  responseRate: number | null;
}

export interface RecordedRating {
  score: number;
  scale: { lowerBound: number; upperBound: number; lowScoreThreshold: number };
  issues: string[];
  normalizedScore: number;
  poor: boolean;
  improvementSuggestion?: string;
}

export interface SurveyRecord {
  id: string;
  projectId: string;
  receivedAt: string;
  clientTime: string;
  callId: string;
  participantId: string;
  appVersion?: string;
  platform?: string;
  browser?: string;
  sdkVersion?: string;
  ratings: Partial<Record<Category, RecordedRating>>;
  dimensions: Record<string, string>;
}

export interface SurveyPage {
  items: SurveyRecord[];
  nextCursor?: string;
}

/** Filters understood by the list, export and analytics endpoints. */
export interface Filters {
  from?: string;
  to?: string;
  poor?: string;
  tag?: string;
  callId?: string;
  q?: string;
  appVersion?: string;
  platform?: string;
  browser?: string;
  sdkVersion?: string;
  /** Custom dimension filters, `dimension.region=eu-west`. */
  [dimension: `dimension.${string}`]: string | undefined;
}

/** A custom dimension key and how many surveys of the range carry it. */
export interface DimensionKey {
  key: string;
  surveys: number;
}

/** Survey fields the API filters on by exact value (and breaks analytics down by). */
export const CONTEXT_FIELDS = ["appVersion", "platform", "browser", "sdkVersion"] as const;
export type ContextField = (typeof CONTEXT_FIELDS)[number];

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
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

async function request(token: string, path: string, params: Params): Promise<Response> {
  const response = await fetch(url(path, params), { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
    throw new ApiError(response.status, body.code ?? "HTTP_ERROR", body.message ?? response.statusText);
  }
  return response;
}

async function get<T>(token: string, path: string, params: Params = {}): Promise<T> {
  return (await request(token, path, params)).json() as Promise<T>;
}

/** The API bound to one admin token. */
export function createApi(token: string) {
  return {
    projects: () => get<{ items: Project[] }>(token, "/v1/projects").then((r) => r.items),
    summary: (projectId: string, f: Filters) =>
      get<Summary>(token, "/v1/analytics/summary", { projectId, ...f }),
    tags: (projectId: string, f: Filters) =>
      get<{ categories: Partial<Record<Category, TagRow[]>> }>(token, "/v1/analytics/tags", {
        projectId,
        ...f,
      }),
    timeseries: (projectId: string, f: Filters, category: Category, bucket: string, tz: string) =>
      get<{ points: TimeseriesPoint[] }>(token, "/v1/analytics/timeseries", {
        projectId,
        ...f,
        category,
        bucket,
        tz,
      }).then((r) => r.points),
    breakdown: (projectId: string, f: Filters, category: Category, by: string) =>
      get<{ rows: BreakdownRow[] }>(token, "/v1/analytics/breakdown", { projectId, ...f, category, by }).then(
        (r) => r.rows,
      ),
    /** The custom dimension keys of the range, on the most surveys first. */
    dimensions: (projectId: string, f: Filters) =>
      get<{ dimensions: DimensionKey[] }>(token, "/v1/analytics/dimensions", { projectId, ...f }).then(
        (r) => r.dimensions,
      ),
    /** `cohorts` are `a.<filter>` / `b.<filter>` parameters (`a.projectId` among them). */
    compare: (projectId: string, category: Category, cohorts: Params) =>
      get<Comparison>(token, "/v1/analytics/compare", { projectId, category, ...cohorts }),
    events: (projectId: string, f: Pick<Filters, "from" | "to">) =>
      get<EventSummary>(token, "/v1/events/summary", { projectId, from: f.from, to: f.to }),
    surveys: (projectId: string, f: Filters, cursor?: string) =>
      get<SurveyPage>(token, "/v1/surveys", { projectId, ...f, cursor, limit: "25" }),
    survey: (projectId: string, id: string) =>
      get<SurveyRecord>(token, `/v1/surveys/${encodeURIComponent(id)}`, { projectId }),
    /** The filtered export as a Blob (NDJSON or CSV), to be saved by the browser. */
    exportBlob: async (projectId: string, f: Filters, format: "native" | "csv") =>
      (await request(token, "/v1/surveys/export", { projectId, ...f, format })).blob(),
  };
}

export type Api = ReturnType<typeof createApi>;
