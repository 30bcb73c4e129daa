/**
 * The whole view lives in the URL hash (`#view=overview&project=demo&range=7d…`), so any view can be
 * shared, bookmarked and restored by a reload. The token is the one thing that never goes there.
 *
 * @module
 */
import {
  CATEGORIES,
  type Category,
  CONTEXT_FIELDS,
  type Filters,
  NETWORK_BANDS,
  type NetworkBand,
} from "./api.js";

export const VIEWS = ["overview", "quality", "compare", "explorer", "survey", "alerts"] as const;
export type View = (typeof VIEWS)[number];
export const RANGES = ["24h", "7d", "30d", "custom"] as const;
export type Range = (typeof RANGES)[number];
/** Compare two values of a context field or of a custom dimension (`dim`), two periods, or two projects. */
export const COMPARE_MODES = [
  "appVersion",
  "platform",
  "browser",
  "sdkVersion",
  "dimension",
  "period",
  "project",
] as const;
export type CompareMode = (typeof COMPARE_MODES)[number];

export interface ViewState {
  view: View;
  project?: string;
  range: Range;
  /** Custom range, as `YYYY-MM-DD` dates in `tz` (from inclusive, to inclusive). */
  from?: string;
  to?: string;
  tz: string;
  category: Category;
  /** Explorer filters (the context fields are exact values, set by a breakdown row's drill-down). */
  poor?: string;
  tag?: string;
  q?: string;
  callId?: string;
  appVersion?: string;
  platform?: string;
  browser?: string;
  sdkVersion?: string;
  /** Explorer filter on the network band (`none`: surveys without a measured metric). */
  networkBand?: NetworkBand;
  /** Explorer filters on custom dimensions (`dimension.<key>=value` in the hash). */
  dimensions?: Record<string, string>;
  cursor?: string;
  /** The survey shown in the detail view. */
  survey?: string;
  /** The alert (its rule id) whose explanation and history the alerts view shows. */
  alert?: string;
  /** The custom dimension key the overview breaks down by and a `dimension` comparison compares. */
  dim?: string;
  /** Comparison: mode and the two cohorts (dimension values, `from..to` date periods or project ids). */
  cmp: CompareMode;
  a?: string;
  b?: string;
}

const KEYS = [
  "view",
  "project",
  "range",
  "from",
  "to",
  "tz",
  "category",
  "poor",
  "tag",
  "q",
  "callId",
  ...CONTEXT_FIELDS,
  "networkBand",
] as const;
const MORE = ["cursor", "survey", "alert", "dim", "cmp", "a", "b"] as const;
const DIMENSION_PREFIX = "dimension.";
/** The keys taken as they are (the others are one of a list). */
const TEXT_KEYS = [
  "project",
  "from",
  "to",
  "poor",
  "tag",
  "q",
  "callId",
  ...CONTEXT_FIELDS,
  "cursor",
  "survey",
  "alert",
  "dim",
  "a",
  "b",
] as const;

function oneOf<T extends string>(list: readonly T[], raw: string | null, fallback: T): T {
  return raw !== null && (list as readonly string[]).includes(raw) ? (raw as T) : fallback;
}

export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/**
 * `raw` when the browser knows it as an IANA time zone, else the browser's own: a mistyped or hostile
 * `tz=` in a shared link would otherwise make every date formatter throw and blank the page.
 */
export function knownTimeZone(raw: string | null): string {
  if (!raw || raw.length > 64) return browserTimeZone();
  try {
    new Intl.DateTimeFormat("en", { timeZone: raw });
    return raw;
  } catch {
    return browserTimeZone();
  }
}

/** Read a view from a location hash; anything missing or unknown gets its default. */
export function parseHash(hash: string): ViewState {
  const p = new URLSearchParams(hash.replace(/^#/, ""));
  const state: ViewState = {
    view: oneOf(VIEWS, p.get("view"), "overview"),
    range: oneOf(RANGES, p.get("range"), "7d"),
    tz: knownTimeZone(p.get("tz")),
    category: oneOf(CATEGORIES, p.get("category"), "overall"),
    cmp: oneOf(COMPARE_MODES, p.get("cmp"), "appVersion"),
  };
  const band = p.get("networkBand");
  if (band !== null && (NETWORK_BANDS as readonly string[]).includes(band))
    state.networkBand = band as NetworkBand;
  for (const key of TEXT_KEYS) {
    const value = p.get(key);
    if (value) state[key] = value;
  }
  for (const [key, value] of p) {
    if (!key.startsWith(DIMENSION_PREFIX) || key.length === DIMENSION_PREFIX.length || !value) continue;
    state.dimensions = { ...state.dimensions, [key.slice(DIMENSION_PREFIX.length)]: value };
  }
  return state;
}

/** The hash of a view: only non-default values, in a stable order. */
export function toHash(state: ViewState): string {
  const p = new URLSearchParams();
  for (const key of [...KEYS, ...MORE]) {
    const value = state[key];
    if (value !== undefined && value !== "") p.set(key, value);
  }
  const dimensions = Object.entries(state.dimensions ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  for (const [key, value] of dimensions) if (value) p.set(`${DIMENSION_PREFIX}${key}`, value);
  return `#${p.toString()}`;
}

const HOUR_MS = 3_600_000;

/**
 * The instant `YYYY-MM-DD 00:00` in a time zone, found by correcting a UTC guess with the zone's offset
 * (twice, so a day that starts in another offset than its noon still lands on midnight).
 */
export function zonedMidnight(date: string, tz: string): Date {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  let guess = Date.UTC(y, m - 1, d);
  for (let i = 0; i < 2; i++) {
    const parts = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    }).formatToParts(new Date(guess));
    const get = (t: string) => Number(parts.find((x) => x.type === t)?.value);
    const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"));
    guess -= asUtc - Date.UTC(y, m - 1, d);
  }
  return new Date(guess);
}

/** The `from`/`to` filter of a view's time range, and the bucket its trend uses. */
export function timeWindow(state: ViewState, nowMs = Date.now()): { filters: Filters; bucket: string } {
  if (state.range === "custom" && state.from && state.to) {
    const from = zonedMidnight(state.from, state.tz);
    const to = new Date(zonedMidnight(state.to, state.tz).getTime() + 24 * HOUR_MS);
    const days = (to.getTime() - from.getTime()) / (24 * HOUR_MS);
    return {
      filters: { from: from.toISOString(), to: to.toISOString() },
      // Calendar days (a DST change makes one 23 or 25 hours long).
      bucket: Math.round(days) <= 2 ? "hour" : days > 120 ? "week" : "day",
    };
  }
  // Whole buckets: the last 24 hours from the start of the current hour, or the last 7 / 30 days from
  // midnight in the view's time zone, so the first bucket of the trend is not a sliver with a few surveys.
  // Rounded to the minute, so the URL-derived queries are stable between renders.
  const end = Math.ceil(nowMs / 60_000) * 60_000;
  if (state.range === "24h") {
    const start = Math.floor(nowMs / HOUR_MS) * HOUR_MS - 23 * HOUR_MS;
    return {
      filters: { from: new Date(start).toISOString(), to: new Date(end).toISOString() },
      bucket: "hour",
    };
  }
  const days = state.range === "30d" ? 30 : 7;
  const today = new Intl.DateTimeFormat("en-CA", { timeZone: state.tz }).format(new Date(nowMs));
  const first = new Date(Date.parse(`${today}T12:00:00Z`) - (days - 1) * 24 * HOUR_MS)
    .toISOString()
    .slice(0, 10);
  return {
    filters: { from: zonedMidnight(first, state.tz).toISOString(), to: new Date(end).toISOString() },
    bucket: "day",
  };
}

/** The explorer's filters on top of the time window. */
export function explorerFilters(state: ViewState, window: Filters): Filters {
  const f: Filters = { ...window };
  if (state.poor) f.poor = state.poor;
  if (state.tag) f.tag = state.tag;
  if (state.q) f.q = state.q;
  if (state.callId) f.callId = state.callId;
  if (state.networkBand) f.networkBand = state.networkBand;
  for (const field of CONTEXT_FIELDS) if (state[field]) f[field] = state[field];
  for (const [key, value] of Object.entries(state.dimensions ?? {})) f[`dimension.${key}`] = value;
  return f;
}
