/**
 * `aftercall demo-data`: the generator is deterministic, and what it stores (through the Store interface,
 * on both engines) has the promised shape: the counts, a weekly rhythm, a visibly bad release and lifecycle
 * events that give a response rate. Every rate is recomputed here from the stored rows.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { defaultResourceId, type SurveyRecord } from "@aftercall/schema";
import { insertDemoData } from "../../src/cli/demo-data.js";
import { BAD_RELEASE, BAD_RELEASE_DAYS_AGO, generateDemoData } from "../../src/demo/generate-surveys.js";
import { countEvents } from "../../src/events/survey-events.js";
import { insertProject } from "../../src/projects/project-store.js";
import type { Database } from "../../src/store/database.js";
import { countSurveys, exportSurveys } from "../../src/surveys/survey-reads.js";
import { onEveryEngine } from "../support/engines.js";
import { startServerProcess } from "../support/server-process.js";

const DAY_MS = 86_400_000;
/** A fixed clock: Monday 2026-11-23 12:00 UTC. */
const NOW = Date.parse("2026-11-23T12:00:00.000Z");

async function demoProject(db: Database) {
  return insertProject(db, {
    id: "demo",
    name: "Demo",
    allowedOrigins: [],
    requireOverallRating: true,
    resourceId: defaultResourceId("demo"),
  });
}

async function allSurveys(db: Database): Promise<SurveyRecord[]> {
  const rows: SurveyRecord[] = [];
  for await (const r of exportSurveys(db, "demo", {})) rows.push(r);
  return rows;
}

describe("demo data generator", () => {
  it("gives the same surveys for the same seed and clock, other surveys for another seed", () => {
    const options = { surveys: 300, days: 30, seed: 7, nowMs: NOW };
    const a = generateDemoData(options);
    assert.deepEqual(generateDemoData(options), a);
    const other = generateDemoData({ ...options, seed: 8 });
    assert.notEqual(other.surveys[0]?.submission.id, a.surveys[0]?.submission.id);
  });

  it("gives time-ordered ids (UUID version 7 of the receive time), so another clock gives other ids", () => {
    const options = { surveys: 500, days: 30, seed: 7, nowMs: NOW };
    const { surveys } = generateDemoData(options);
    for (const s of surveys) {
      assert.match(s.submission.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(Number.parseInt(s.submission.id.replace(/-/g, "").slice(0, 12), 16), s.receivedAtMs);
    }
    const ids = surveys.map((s) => s.submission.id);
    assert.deepEqual([...ids].sort(), ids, "oldest first is id order");
    const later = new Set(
      generateDemoData({ ...options, nowMs: NOW + 1000 }).surveys.map((s) => s.submission.id),
    );
    assert.equal(ids.filter((id) => later.has(id)).length, 0);
  });

  it("uses only ACS tag strings and valid surveys (the schema's validator accepts every one)", async () => {
    const { validateSurvey } = await import("@aftercall/schema");
    const { surveys } = generateDemoData({ surveys: 2000, days: 30, seed: 3, nowMs: NOW });
    for (const s of surveys) {
      const result = validateSurvey(s.submission, { requireOverallRating: true });
      assert.ok(result.ok, JSON.stringify(result.ok ? "" : result.errors));
    }
  });
});

onEveryEngine("demodata", (engine, makeDatabase) => {
  describe(`demo data stored on ${engine}`, () => {
    it("stores N surveys over the days, with a weekly rhythm, a bad release and response events", async () => {
      const { db, cleanup } = await makeDatabase();
      try {
        const project = await demoProject(db);
        const totals = await insertDemoData(db, project, { surveys: 4000, days: 28, seed: 1, nowMs: NOW });
        assert.equal(totals.created, 4000);
        assert.equal(await countSurveys(db, "demo"), 4000);
        const rows = await allSurveys(db);
        const times = rows.map((r) => Date.parse(r.receivedAt));
        assert.ok(Math.min(...times) >= NOW - 28 * DAY_MS && Math.max(...times) < NOW, "within the period");

        // 28 days = exactly 4 weeks, so every weekday occurs 4 times: a weekend day has far fewer calls.
        const perWeekday = Array.from({ length: 7 }, () => 0);
        for (const t of times) {
          const day = new Date(t).getUTCDay();
          perWeekday[day] = (perWeekday[day] ?? 0) + 1;
        }
        const weekend = ((perWeekday[0] ?? 0) + (perWeekday[6] ?? 0)) / 2;
        const weekday = perWeekday.slice(1, 6).reduce((s, n) => s + n, 0) / 5;
        assert.ok(weekend < 0.6 * weekday, `weekend ${weekend} vs weekday ${weekday}`);

        // The bad release: only after its release day, with a much higher poor audio rate and echo.
        const releaseMs = NOW - BAD_RELEASE_DAYS_AGO * DAY_MS;
        const bad = rows.filter((r) => r.appVersion === BAD_RELEASE);
        assert.ok(bad.length > 300, `${bad.length} surveys on ${BAD_RELEASE}`);
        assert.ok(bad.every((r) => Date.parse(r.receivedAt) >= releaseMs));
        const audioPoorRate = (list: SurveyRecord[]) => {
          const rated = list.filter((r) => r.ratings.audio);
          return rated.filter((r) => r.ratings.audio?.poor).length / rated.length;
        };
        const rest = rows.filter((r) => r.appVersion !== BAD_RELEASE);
        assert.ok(
          audioPoorRate(bad) > 3 * audioPoorRate(rest),
          `${audioPoorRate(bad)} vs ${audioPoorRate(rest)}`,
        );
        const echo = (list: SurveyRecord[]) =>
          list.filter((r) => r.ratings.audio?.issues.includes("Echo")).length / list.length;
        assert.ok(echo(bad) > 5 * echo(rest));

        // Poor video comes with video tags; some overall ratings use a 0–10 scale; some carry free text.
        const poorVideo = rows.filter((r) => r.ratings.video?.poor);
        assert.ok(poorVideo.every((r) => (r.ratings.video?.issues.length ?? 0) > 0));
        assert.ok(rows.some((r) => r.ratings.overall?.scale.upperBound === 10));
        assert.ok(rows.some((r) => r.ratings.overall?.improvementSuggestion));

        // Every survey was shown and submitted; unanswered ones were shown (and often dismissed).
        const events = await countEvents(db, "demo");
        assert.equal(events.submitted, 4000);
        const rate = events.submitted / events.shown;
        assert.ok(rate > 0.4 && rate < 0.5, `response rate ${rate}`);
        assert.ok(events.dismissed > 0 && events.dismissed < events.shown - events.submitted);

        // Running the same seed and clock again stores nothing new.
        const again = await insertDemoData(db, project, { surveys: 4000, days: 28, seed: 1, nowMs: NOW });
        assert.deepEqual([again.created, again.duplicates, again.events], [0, 4000, 0]);
      } finally {
        await cleanup();
      }
    });

    it("adds all N surveys to a store that has the first start's (same seed, a later clock)", async () => {
      const { db, cleanup } = await makeDatabase();
      try {
        const project = await demoProject(db);
        // What `serve` puts into a brand-new store, then `demo-data --seed 1` run ten minutes later.
        await insertDemoData(db, project, { surveys: 2000, days: 30, seed: 1, nowMs: NOW });
        const later = { surveys: 3000, days: 30, seed: 1, nowMs: NOW + 600_000 };
        const totals = await insertDemoData(db, project, later);
        assert.deepEqual([totals.created, totals.duplicates, totals.conflicts], [3000, 0, 0]);
        assert.equal(await countSurveys(db, "demo"), 5000);
      } finally {
        await cleanup();
      }
    });
  });
});

describe("aftercall demo-data (CLI)", () => {
  const root = resolve(fileURLToPath(new URL("../../../..", import.meta.url)));
  const cli = (args: string[]) =>
    promisify(execFile)(
      process.execPath,
      ["--conditions=source", "--import", "tsx", join(root, "packages/server/src/cli.ts"), ...args],
      { cwd: root, env: { ...process.env, DATABASE_URL: "" } },
    );

  it("fills an existing project and refuses a bad count with a message naming the option", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "aftercall-demo-cli-"));
    try {
      await cli(["projects", "create", "--name", "Demo", "--id", "demo", "--data-dir", dataDir]);
      const { stderr } = await cli([
        "demo-data",
        "--project",
        "demo",
        "--surveys",
        "250",
        "--data-dir",
        dataDir,
      ]);
      assert.match(stderr, /Generated 250 surveys/);
      const listed = await cli(["surveys", "export", "--project", "demo", "--data-dir", dataDir]);
      assert.equal(listed.stdout.trim().split("\n").length, 250);
      await assert.rejects(
        cli(["demo-data", "--project", "demo", "--surveys", "lots", "--data-dir", dataDir]),
        (e: { code: number; stderr: string }) =>
          e.code === 2 && /--surveys must be a whole number/.test(e.stderr),
      );
      const help = await cli(["demo-data", "--help"]);
      assert.match(help.stdout, /--surveys <n>/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("seeds the demo project of a brand-new store on the first `serve`, and only then", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "aftercall-demo-serve-"));
    try {
      const first = await startServerProcess({ dataDir, demoData: true, startTimeoutMs: 120_000 });
      const token = first.firstProject?.adminToken;
      assert.match(first.output(), /with 5000 generated demo surveys/);
      const summary = async (url: string) =>
        (
          (await (
            await fetch(`${url}/v1/analytics/summary`, { headers: { authorization: `Bearer ${token}` } })
          ).json()) as { surveys: number }
        ).surveys;
      assert.equal(await summary(first.url), 5000);
      await first.stop();
      const second = await startServerProcess({ dataDir, demoData: true, startTimeoutMs: 120_000 });
      assert.equal(second.firstProject, undefined);
      assert.equal(await summary(second.url), 5000);
      await second.stop();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
