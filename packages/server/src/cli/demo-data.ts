import type { SurveyEvent } from "@aftercall/schema";
import { generateDemoData } from "../demo/generate-surveys.js";
import { AftercallError } from "../errors.js";
import { MAX_EVENTS_PER_COMMIT, recordEvents } from "../events/survey-events.js";
import { commitSurveyGroups } from "../ingest/commit.js";
import { type PendingSurvey, toPendingSurvey } from "../ingest/pending-survey.js";
import type { Project } from "../projects/project.js";
import type { Database } from "../store/database.js";

/**
 * Surveys per `commitSurveyGroups` call: large enough to amortise the transaction and its fsync, small
 * enough that a server ingesting into the same SQLite file waits well under a second for the write lock.
 */
const CHUNK = 1000;
const HOUR_MS = 3_600_000;

export interface DemoDataOptions {
  surveys: number;
  /** Days back from `nowMs` the surveys are spread over. */
  days: number;
  seed: number;
  /** Default: the current time. */
  nowMs?: number;
}

export interface DemoDataTotals {
  created: number;
  /** Already stored with the same content (the same seed and clock run twice). */
  duplicates: number;
  /** Ids already stored with other content (the same seed at another time); those surveys were skipped. */
  conflicts: number;
  events: number;
}

/**
 * Generate demo surveys (see {@link generateDemoData}) and store them with their lifecycle events through
 * the same commit as ingestion, so it works on every engine. Each survey is its own group, so one
 * conflicting id skips only that survey.
 */
export async function insertDemoData(
  db: Database,
  project: Project,
  options: DemoDataOptions,
): Promise<DemoDataTotals> {
  const nowMs = options.nowMs ?? Date.now();
  const { surveys, nonResponses } = generateDemoData({ ...options, nowMs });
  const totals: DemoDataTotals = { created: 0, duplicates: 0, conflicts: 0, events: 0 };
  for (let i = 0; i < surveys.length; i += CHUNK) {
    const groups: PendingSurvey[][] = surveys
      .slice(i, i + CHUNK)
      .map((s) => [
        toPendingSurvey(
          s.submission,
          { projectId: project.id, receivedAt: new Date(s.receivedAtMs) },
          undefined,
          project.surveyConfig.networkBands,
        ),
      ]);
    for (const outcome of await commitSurveyGroups(db, groups)) {
      if (outcome.status === "conflict") totals.conflicts++;
      else if (outcome.surveys[0]?.created) totals.created++;
      else totals.duplicates++;
    }
  }
  // recordEvents stamps one receive time per call: group the events by hour, which is all a response rate
  // over days needs.
  const byHour = new Map<number, SurveyEvent[]>();
  const add = (atMs: number, events: readonly SurveyEvent[]) => {
    const hour = Math.floor(atMs / HOUR_MS) * HOUR_MS;
    const list = byHour.get(hour) ?? [];
    byHour.set(hour, list);
    list.push(...events);
  };
  for (const s of surveys) add(s.receivedAtMs, s.events);
  for (const n of nonResponses) add(n.atMs, n.events);
  for (const [hour, events] of [...byHour].sort(([a], [b]) => a - b)) {
    for (let i = 0; i < events.length; i += MAX_EVENTS_PER_COMMIT)
      totals.events += await recordEvents(db, project.id, events.slice(i, i + MAX_EVENTS_PER_COMMIT), hour);
  }
  return totals;
}

/** Parse a positive whole-number CLI option, naming it in the error. */
export function wholeNumber(name: string, raw: string, max: number): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > max)
    throw new AftercallError(
      "INVALID_PARAMETER",
      `${name} must be a whole number from 1 to ${max}, got "${raw}".`,
    );
  return n;
}
