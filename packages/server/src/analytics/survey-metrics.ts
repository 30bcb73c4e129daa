/**
 * Survey outcome series on `/metrics`, so that Prometheus and Grafana users need no exporter of their own:
 * per project and rating category, the surveys and poor ratings of the last hour and the last day; per
 * project, the lifecycle events (shown, submitted, dismissed) and the response rate of the same windows;
 * per alert rule, whether it is firing.
 *
 * **Cheap.** Ratings come from the slot rollups without context (`rollup_ratings_total`), events from
 * their (project, received_at) index, rules from their tables: three statements, read at most once per
 * {@link SURVEY_METRICS_TTL_MS} whatever the number of scrapers, and shared by every series. The windows
 * are whole 15-minute slots ending at the start of the current one (`window="1h"`: the last 4 complete
 * slots, `window="24h"`: the last 96), so a scrape never waits for the open slot and every server reports
 * the same numbers. Surveys still waiting to be folded into the rollups (seconds, see
 * `aftercall_rollup_unfolded_surveys`) are counted once folded.
 *
 * **Bounded labels.** The first {@link SURVEY_METRICS_PROJECT_CAP} projects by id are labelled; ratings of
 * the others are summed as `project="_other"`, their events and rules are left out. At most
 * (cap + 1) × 4 categories × 2 windows series per rating gauge, cap × 3 types × 2 windows event series,
 * cap × 2 response rates and cap × 50 rules.
 */
import { RATING_CATEGORIES } from "@aftercall/schema";
import { Gauge, type Registry } from "prom-client";
import type { Database, SqlParam } from "../store/database.js";
import { TIME_SLOT_MS } from "./aggregates.js";

export const SURVEY_METRICS_PROJECT_CAP = 100;
/** How long one reading of the store serves scrapes. */
export const SURVEY_METRICS_TTL_MS = 30_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const CATEGORIES = RATING_CATEGORIES.map((c) => c.key);
const EVENT_TYPES = ["shown", "submitted", "dismissed"] as const;
/** Projects per statement (IN lists), well under both engines' parameter limits. */
const CHUNK = 500;

type Window = "1h" | "24h";
const WINDOWS: readonly Window[] = ["1h", "24h"];

interface Snapshot {
  ratings: Array<{ project: string; category: string; window: Window; surveys: number; poor: number }>;
  events: Array<{ project: string; type: string; window: Window; n: number }>;
  rules: Array<{ project: string; rule: string; category: string; firing: boolean }>;
}

/** On the store's own connection: `db.read` is paced behind dashboard work, and a scrape should not be. */
const query = <T>(db: Database, fragment: { sql: string; params: SqlParam[] }): Promise<T[]> =>
  db.all<T>(fragment.sql, fragment.params);

const chunks = <T>(list: readonly T[]): T[][] =>
  Array.from({ length: Math.ceil(list.length / CHUNK) }, (_, i) => list.slice(i * CHUNK, (i + 1) * CHUNK));
const marks = (n: number) => Array.from({ length: n }, () => "?").join(", ");

/** Ratings of every project in the two windows ending at `endMs` (a slot boundary), labelled or `_other`. */
async function readRatings(db: Database, projects: readonly string[], labelled: Set<string>, endMs: number) {
  const sums = new Map<string, Snapshot["ratings"][number]>();
  const add = (project: string, category: string, window: Window, surveys: number, poor: number) => {
    const key = `${project}\u0000${category}\u0000${window}`;
    const entry = sums.get(key) ?? { project, category, window, surveys: 0, poor: 0 };
    entry.surveys += surveys;
    entry.poor += poor;
    sums.set(key, entry);
  };
  for (const ids of chunks(projects)) {
    const rows = await query<{
      project_id: string;
      category: string;
      day: unknown;
      day_poor: unknown;
      hour: unknown;
      hour_poor: unknown;
    }>(db, {
      sql: `SELECT project_id, category, sum(n) AS day, sum(CASE WHEN score <= threshold THEN n ELSE 0 END) AS day_poor,
sum(CASE WHEN slot >= ? THEN n ELSE 0 END) AS hour, sum(CASE WHEN slot >= ? AND score <= threshold THEN n ELSE 0 END) AS hour_poor
FROM rollup_ratings_total WHERE project_id IN (${marks(ids.length)}) AND slot >= ? AND slot < ? AND category IN (${marks(CATEGORIES.length)})
GROUP BY project_id, category`,
      params: [endMs - HOUR_MS, endMs - HOUR_MS, ...ids, endMs - DAY_MS, endMs, ...CATEGORIES],
    });
    for (const r of rows) {
      const project = labelled.has(r.project_id) ? r.project_id : "_other";
      add(project, r.category, "24h", Number(r.day), Number(r.day_poor));
      add(project, r.category, "1h", Number(r.hour), Number(r.hour_poor));
    }
  }
  // Zeros for labelled projects without ratings, so that a quiet project reads 0 rather than vanishing.
  for (const project of labelled)
    for (const category of CATEGORIES) for (const window of WINDOWS) add(project, category, window, 0, 0);
  return [...sums.values()];
}

async function readEvents(db: Database, labelled: readonly string[], endMs: number) {
  const out: Snapshot["events"] = [];
  const counts = new Map<string, { hour: number; day: number }>();
  for (const ids of chunks(labelled)) {
    const rows = await query<{ project_id: string; type: string; day: unknown; hour: unknown }>(db, {
      sql: `SELECT project_id, type, count(*) AS day, sum(CASE WHEN received_at >= ? THEN 1 ELSE 0 END) AS hour
FROM survey_events WHERE project_id IN (${marks(ids.length)}) AND received_at >= ? AND received_at < ? GROUP BY project_id, type`,
      params: [endMs - HOUR_MS, ...ids, endMs - DAY_MS, endMs],
    });
    for (const r of rows)
      counts.set(`${r.project_id}\u0000${r.type}`, { hour: Number(r.hour), day: Number(r.day) });
  }
  for (const project of labelled)
    for (const type of EVENT_TYPES) {
      const c = counts.get(`${project}\u0000${type}`) ?? { hour: 0, day: 0 };
      out.push({ project, type, window: "1h", n: c.hour }, { project, type, window: "24h", n: c.day });
    }
  return out;
}

async function readRules(db: Database, labelled: Set<string>) {
  const rows = await query<{ project_id: string; id: string; rule: string; status: string | null }>(db, {
    sql: `SELECT r.project_id, r.id, r.rule, s.status FROM alert_rules r
LEFT JOIN alert_state s ON s.project_id = r.project_id AND s.rule_id = r.id
WHERE r.enabled = 1 ORDER BY r.project_id, r.id`,
    params: [],
  });
  return rows
    .filter((r) => labelled.has(r.project_id))
    .map((r) => ({
      project: r.project_id,
      rule: r.id,
      category: String((JSON.parse(r.rule) as { category: string }).category),
      firing: r.status === "firing",
    }));
}

/** One reading of everything the series show. */
export async function readSurveyMetrics(db: Database, nowMs: number): Promise<Snapshot> {
  const endMs = Math.floor(nowMs / TIME_SLOT_MS) * TIME_SLOT_MS;
  const projects = (
    await query<{ id: string }>(db, { sql: "SELECT id FROM projects ORDER BY id", params: [] })
  ).map((p) => p.id);
  const labelled = projects.slice(0, SURVEY_METRICS_PROJECT_CAP);
  const shown = new Set(labelled);
  const [ratings, events, rules] = await Promise.all([
    readRatings(db, projects, shown, endMs),
    readEvents(db, labelled, endMs),
    readRules(db, shown),
  ]);
  return { ratings, events, rules };
}

/** Register the survey outcome gauges; `now` is injectable for tests. */
export function registerSurveyMetrics(registry: Registry, db: Database, now: () => number = Date.now): void {
  let cached: { at: number; snapshot: Promise<Snapshot> } | undefined;
  const snapshot = (): Promise<Snapshot> => {
    const at = now();
    if (!cached || at - cached.at >= SURVEY_METRICS_TTL_MS || at < cached.at) {
      const reading = readSurveyMetrics(db, at);
      // A failed reading is not kept: the next scrape tries again.
      reading.catch(() => {
        if (cached?.snapshot === reading) cached = undefined;
      });
      cached = { at, snapshot: reading };
    }
    return cached.snapshot;
  };
  const windowHelp = "window: the last 4 (1h) or 96 (24h) complete 15-minute slots";
  const gauge = (name: string, help: string, labelNames: string[], fill: (g: Gauge, s: Snapshot) => void) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const s = await snapshot();
        this.reset();
        fill(this, s);
      },
    });
  gauge(
    "aftercall_surveys",
    `Surveys rated in the category, per project (${SURVEY_METRICS_PROJECT_CAP} at most, the rest as _other); ${windowHelp}.`,
    ["project", "category", "window"],
    (g, s) => {
      for (const r of s.ratings)
        g.set({ project: r.project, category: r.category, window: r.window }, r.surveys);
    },
  );
  gauge(
    "aftercall_survey_poor_ratings",
    `Poor ratings (score at or below the threshold) in the category, per project; ${windowHelp}.`,
    ["project", "category", "window"],
    (g, s) => {
      for (const r of s.ratings)
        g.set({ project: r.project, category: r.category, window: r.window }, r.poor);
    },
  );
  gauge(
    "aftercall_survey_events",
    `Survey lifecycle events (shown, submitted, dismissed) per project; ${windowHelp}.`,
    ["project", "type", "window"],
    (g, s) => {
      for (const e of s.events) g.set({ project: e.project, type: e.type, window: e.window }, e.n);
    },
  );
  gauge(
    "aftercall_survey_response_rate",
    `Submitted over shown lifecycle events per project, absent without shown events; ${windowHelp}.`,
    ["project", "window"],
    (g, s) => {
      const of = (project: string, type: string, window: Window) =>
        s.events.find((e) => e.project === project && e.type === type && e.window === window)?.n ?? 0;
      for (const e of s.events) {
        if (e.type !== "shown" || e.n === 0) continue;
        g.set({ project: e.project, window: e.window }, of(e.project, "submitted", e.window) / e.n);
      }
    },
  );
  gauge(
    "aftercall_alert_rule_firing",
    "1 while an enabled alert rule is firing, else 0, per project, rule id and category.",
    ["project", "rule", "category"],
    (g, s) => {
      for (const r of s.rules)
        g.set({ project: r.project, rule: r.rule, category: r.category }, r.firing ? 1 : 0);
    },
  );
}
