/**
 * Survey outcome series on `/metrics`, scraped from a real server process on each engine and read back
 * from the Prometheus text exposition: surveys and poor ratings per project, category and window (whole
 * 15-minute slots), lifecycle events and the response rate, a 0/1 firing gauge per alert rule, and labels
 * bounded to the first 100 projects by id (the rest summed as `_other`).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { SurveyEvent, SurveySubmission } from "@aftercall/schema";
import { AlertEvaluator } from "../../src/alerts/evaluator.js";
import { createRule } from "../../src/alerts/rule-store.js";
import { TIME_SLOT_MS } from "../../src/analytics/aggregates.js";
import { analyticsReads } from "../../src/analytics/analytics-reads.js";
import { SURVEY_METRICS_PROJECT_CAP } from "../../src/analytics/survey-metrics.js";
import { recordEvents } from "../../src/events/survey-events.js";
import type { Database } from "../../src/store/database.js";
import {
  AUDIO_RULE,
  HOUR_MS,
  REGRESSION_AT,
  seedBaselineDay,
  seedRegression,
  tickThroughRegression,
} from "../support/alert-scenario.js";
import { onEveryEngine } from "../support/engines.js";
import { seedProject, seedProjects, seedSurveys, survey } from "../support/seed.js";
import { killAllServerProcesses, type ServerProcess, startServerProcess } from "../support/server-process.js";

const OPERATOR = "operator-token-for-metrics-0123456789";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (version 0.0.4): `name{a="b",…} value` lines. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[key as string] = (value as string).replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

const submission = (poorAudio: boolean): SurveySubmission =>
  survey({
    overallRating: { score: poorAudio ? 2 : 4 },
    audioRating: { score: poorAudio ? 1 : 5 },
  }) as unknown as SurveySubmission;

const events = (type: SurveyEvent["type"], n: number): SurveyEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    id: crypto.randomUUID(),
    type,
    callId: `call-${i}`,
    participantId: `participant-${i}`,
    clientTime: new Date().toISOString(),
  }));

/**
 * What the test stores, relative to the start `end` of the current slot: 40 surveys (10 with poor audio,
 * and poor overall) 20–40 minutes before it (in both windows, even if a slot boundary passes during the
 * test), 20 good ones 5 hours before (the day only); events likewise; an alert rule that fired on the
 * regression scenario (days ago) and one that did not.
 */
async function seed(db: Database, end: number): Promise<void> {
  await seedProject(db, "a-calls");
  await seedProject(db, "a-quiet");
  await seedProjects(
    db,
    Array.from({ length: SURVEY_METRICS_PROJECT_CAP - 2 }, (_, i) => `p${String(i).padStart(3, "0")}`),
  );
  await seedProject(db, "z-other");
  const hour = Array.from({ length: 40 }, (_, i) => submission(i < 10));
  await seedSurveys(db, "a-calls", hour, (i) => end - 40 * 60_000 + i * 30_000);
  await seedSurveys(
    db,
    "a-calls",
    Array.from({ length: 20 }, () => submission(false)),
    () => end - 5 * HOUR_MS,
  );
  await seedSurveys(db, "z-other", [submission(true), submission(false)], () => end - 30 * 60_000);
  await recordEvents(db, "a-calls", [...events("shown", 10), ...events("submitted", 4)], end - 30 * 60_000);
  await recordEvents(db, "a-calls", events("shown", 10), end - 3 * HOUR_MS);

  // The scenario's surveys are in November, far outside both windows.
  await seedBaselineDay(db, "a-calls");
  const firing = await createRule(db, "a-calls", AUDIO_RULE, REGRESSION_AT);
  await createRule(db, "a-quiet", { ...AUDIO_RULE, category: "video" }, REGRESSION_AT);
  await seedRegression(db, "a-calls");
  const evaluator = new AlertEvaluator({ db, reads: analyticsReads(db) });
  await tickThroughRegression(evaluator);
  const [state] = await db.all<{ status: string }>("SELECT status FROM alert_state WHERE rule_id = ?", [
    firing.id,
  ]);
  assert.equal(state?.status, "firing", "the scenario's rule fired");
}

after(() => killAllServerProcesses());

onEveryEngine("survey_metrics", (engine, makeDatabase) => {
  describe(`survey outcome metrics (${engine})`, () => {
    let env: Awaited<ReturnType<typeof makeDatabase>>;
    let server: ServerProcess;
    before(async () => {
      env = await makeDatabase();
      await seed(env.db, Math.floor(Date.now() / TIME_SLOT_MS) * TIME_SLOT_MS);
      const location =
        env.location.engine === "sqlite"
          ? { dataDir: env.location.dataDir }
          : { databaseUrl: env.location.url };
      server = await startServerProcess({
        ...location,
        env: { AFTERCALL_OPERATOR_TOKEN: OPERATOR, AFTERCALL_ALERT_INTERVAL_SECONDS: "0" },
      });
    });
    after(async () => {
      await server?.stop();
      await env.cleanup();
    });

    const scrape = async () => {
      const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${OPERATOR}` } });
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
      return parseExposition(await res.text());
    };
    const value = (samples: Sample[], name: string, labels: Record<string, string>) =>
      samples.find(
        (s) =>
          s.name === name &&
          Object.keys(labels).length === Object.keys(s.labels).length &&
          Object.entries(labels).every(([k, v]) => s.labels[k] === v),
      )?.value;

    it("reports surveys, poor ratings, events, response rate and firing rules with bounded labels", async () => {
      // The server folds the seeded surveys into the rollups after it starts; the series follow within
      // the cache's 30 s.
      let samples = await scrape();
      const deadline = Date.now() + 60_000;
      // Ready once the first project and the last one (folded last) read their surveys.
      const ready = (s: Sample[]) =>
        value(s, "aftercall_surveys", { project: "a-calls", category: "overall", window: "24h" }) === 60 &&
        value(s, "aftercall_surveys", { project: "_other", category: "audio", window: "1h" }) === 2;
      while (!ready(samples) && Date.now() < deadline) {
        await sleep(1000);
        samples = await scrape();
      }
      const calls = (name: string, category: string, window: string) =>
        value(samples, name, { project: "a-calls", category, window });
      assert.equal(calls("aftercall_surveys", "overall", "24h"), 60, server.output());
      assert.equal(calls("aftercall_surveys", "overall", "1h"), 40);
      assert.equal(calls("aftercall_surveys", "audio", "1h"), 40);
      assert.equal(calls("aftercall_surveys", "video", "24h"), 0, "a category without ratings reads 0");
      assert.equal(calls("aftercall_survey_poor_ratings", "audio", "1h"), 10);
      assert.equal(calls("aftercall_survey_poor_ratings", "audio", "24h"), 10);
      assert.equal(calls("aftercall_survey_poor_ratings", "overall", "1h"), 10);

      const event = (type: string, window: string) =>
        value(samples, "aftercall_survey_events", { project: "a-calls", type, window });
      assert.equal(event("shown", "1h"), 10);
      assert.equal(event("shown", "24h"), 20);
      assert.equal(event("submitted", "24h"), 4);
      assert.equal(event("dismissed", "24h"), 0);
      assert.equal(
        value(samples, "aftercall_survey_response_rate", { project: "a-calls", window: "1h" }),
        0.4,
      );
      assert.equal(
        value(samples, "aftercall_survey_response_rate", { project: "a-calls", window: "24h" }),
        0.2,
      );
      assert.equal(
        value(samples, "aftercall_survey_response_rate", { project: "a-quiet", window: "24h" }),
        undefined,
        "no rate without shown events",
      );

      const rules = samples.filter((s) => s.name === "aftercall_alert_rule_firing");
      assert.deepEqual(rules.map((s) => [s.labels.project, s.labels.category, s.value]).sort(), [
        ["a-calls", "audio", 1],
        ["a-quiet", "video", 0],
      ]);

      // Bounded: the first 100 projects by id, each with 4 categories × 2 windows, and _other.
      const surveys = samples.filter((s) => s.name === "aftercall_surveys");
      const projects = new Set(surveys.map((s) => s.labels.project));
      assert.equal(projects.size, SURVEY_METRICS_PROJECT_CAP + 1);
      assert.ok(!projects.has("z-other"));
      assert.equal(
        value(samples, "aftercall_surveys", { project: "_other", category: "audio", window: "1h" }),
        2,
      );
      assert.equal(
        value(samples, "aftercall_survey_poor_ratings", {
          project: "_other",
          category: "audio",
          window: "1h",
        }),
        1,
      );
      assert.ok(surveys.length <= (SURVEY_METRICS_PROJECT_CAP + 1) * 4 * 2);
      assert.ok(!samples.some((s) => s.name === "aftercall_survey_events" && s.labels.project === "_other"));
    });
  });
});
