/**
 * A regression injected into a project's stored surveys, for the evaluator's tests: a quiet baseline day
 * (10 % poor audio on 2.3.0 and 2.4.0), then two hours in which 2.4.0's audio turns poor with Echo half
 * the time, then a recovery. Surveys are committed the way ingestion commits them.
 */
import type { SurveySubmission } from "@aftercall/schema";
import type { Database } from "../../src/store/database.js";
import { seedSurveys, survey } from "./seed.js";

export const HOUR_MS = 3_600_000;
/** Start of the regression (a Tuesday, 10:00 UTC). */
export const REGRESSION_AT = Date.UTC(2026, 10, 24, 10);

/** A rule that watches audio with a one-day trailing baseline, so that a test's data stay small. */
export const AUDIO_RULE = {
  name: "Audio complaints",
  category: "audio",
  windowMinutes: 60,
  baseline: { type: "trailing", days: 1, minimumSurveys: 100 },
  minimumSurveys: 30,
};

/** Deterministic pseudo-random stream (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function audioSurvey(poor: boolean, appVersion: string, echo: boolean): SurveySubmission {
  return survey({
    overallRating: { score: poor ? 2 : 4 },
    audioRating: poor ? { score: 1, ...(echo ? { issues: ["Echo"] } : {}) } : { score: 5 },
    appVersion,
    platform: "web",
  }) as unknown as SurveySubmission;
}

/** `count` surveys spread evenly over [fromMs, toMs); 2.4.0's poor-rate is `poorRate24`. */
export async function seedPeriod(
  db: Database,
  projectId: string,
  period: { fromMs: number; toMs: number; count: number; poorRate24: number; seed: number },
): Promise<void> {
  const rnd = random(period.seed);
  const submissions: SurveySubmission[] = [];
  for (let i = 0; i < period.count; i++) {
    const v24 = i % 2 === 0;
    const poor = rnd() < (v24 ? period.poorRate24 : 0.1);
    submissions.push(audioSurvey(poor, v24 ? "2.4.0" : "2.3.0", poor && (v24 ? rnd() < 0.8 : rnd() < 0.2)));
  }
  const step = (period.toMs - period.fromMs) / period.count;
  await seedSurveys(db, projectId, submissions, (i) => Math.floor(period.fromMs + i * step));
}

/** The baseline day before the regression: 300 surveys, 10 % poor. */
export const seedBaselineDay = (db: Database, projectId: string) =>
  seedPeriod(db, projectId, {
    fromMs: REGRESSION_AT - 24 * HOUR_MS,
    toMs: REGRESSION_AT,
    count: 300,
    poorRate24: 0.1,
    seed: 1,
  });

/** Two hours from REGRESSION_AT at 150 surveys/hour, 2.4.0 at 60 % poor (mostly Echo). */
export const seedRegression = (db: Database, projectId: string) =>
  seedPeriod(db, projectId, {
    fromMs: REGRESSION_AT,
    toMs: REGRESSION_AT + 2 * HOUR_MS,
    count: 300,
    poorRate24: 0.6,
    seed: 2,
  });

/** Three hours of recovery after the regression, 10 % poor again. */
export const seedRecovery = (db: Database, projectId: string) =>
  seedPeriod(db, projectId, {
    fromMs: REGRESSION_AT + 2 * HOUR_MS,
    toMs: REGRESSION_AT + 5 * HOUR_MS,
    count: 450,
    poorRate24: 0.1,
    seed: 3,
  });

/** Evaluate every 15 minutes through the regression's two hours, as a server would: the audio rule fires. */
export async function tickThroughRegression(evaluator: {
  tick(at: number): Promise<unknown>;
}): Promise<void> {
  for (let t = REGRESSION_AT + 15 * 60_000; t <= REGRESSION_AT + 2 * HOUR_MS; t += 15 * 60_000)
    await evaluator.tick(t);
}
