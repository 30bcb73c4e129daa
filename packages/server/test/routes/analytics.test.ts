/**
 * Analytics over the raw surveys: the statistics module, the two store methods on both engines (SQLite
 * in a temp directory, PostgreSQL on a throwaway server; never skipped in CI) and the three HTTP
 * endpoints. Every expected value is computed by hand from the fixed data set below, which mixes scales
 * (overall on 1–5 and 0–10, audio on 0–1) and uses the tag Freezes in both video and screenshare.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { defaultResourceId, type SurveySubmission, toSurveyRecord } from "@aftercall/schema";
import type { IssueTagCount, SurveySummary } from "../../src/analytics/aggregates.js";
import { analyticsReads } from "../../src/analytics/analytics-reads.js";
import { summarize, tagCounts } from "../../src/analytics/rollup-query.js";
import { erf, normalCdf, twoProportionTest, wilsonInterval } from "../../src/analytics/statistics.js";
import { commitSurveyGroups } from "../../src/ingest/commit.js";
import { submissionHash } from "../../src/ingest/content-hash.js";
import { insertProject } from "../../src/projects/project-store.js";
import type { Database } from "../../src/store/database.js";
import { type MakeDatabase, onEveryEngine } from "../support/engines.js";
import { OPERATOR_TOKEN, startTestApp, type TestProject } from "../support/test-app.js";

const close = (actual: number, expected: number, digits = 4, message?: string) =>
  assert.ok(
    Math.abs(actual - expected) < 0.5 * 10 ** -digits,
    `${message ?? ""} expected ${expected}, got ${actual}`,
  );
const closePair = (actual: readonly number[] | null, expected: readonly [number, number], digits = 4) => {
  assert.ok(actual, "missing interval");
  close(actual[0] as number, expected[0], digits, "lower");
  close(actual[1] as number, expected[1], digits, "upper");
};

// ---------------------------------------------------------------------------------------------------
// Statistics

describe("statistics", () => {
  it("erf and the normal CDF match tabulated values", () => {
    close(erf(0), 0, 7);
    close(erf(1), 0.8427008, 6);
    close(erf(-1), -0.8427008, 6);
    close(normalCdf(1.96), 0.9750021, 6);
    close(normalCdf(-1), 0.1586553, 6);
    close(normalCdf(0), 0.5, 6);
  });

  it("Wilson intervals match published values", () => {
    // 5/10 by hand: centre 0.5, half-width 1.96/1.38415 * sqrt(0.025 + 0.0096040) = 0.26341.
    closePair(wilsonInterval(5, 10), [0.2366, 0.7634]);
    // Newcombe (1998), Stat Med 17:857, Table I: 0/10 → 0–0.2775; 81/263 → 0.2553–0.3662.
    closePair(wilsonInterval(0, 10), [0, 0.2775]);
    closePair(wilsonInterval(81, 263), [0.2553, 0.3662]);
    closePair(wilsonInterval(10, 10), [0.7225, 1]);
    // 2/5, the poor-rate of `overall` in the data set below.
    closePair(wilsonInterval(2, 5), [0.1176, 0.7693]);
    assert.throws(() => wilsonInterval(0, 0), RangeError);
    assert.throws(() => wilsonInterval(3, 2), RangeError);
  });

  it("two-proportion test: Newcombe's hybrid score interval and the pooled z-test", () => {
    // Newcombe (1998), Stat Med 17:873, Table II example (a): 56/70 vs 48/80, method 10: 0.0524–0.3339.
    const r = twoProportionTest({ poor: 56, n: 70 }, { poor: 48, n: 80 });
    close(r.difference, 0.2, 10);
    closePair(r.ci95, [0.0524, 0.3339]);
    // Pooled p = 104/150; se = sqrt(0.69333 * 0.30667 * (1/70 + 1/80)) = 0.075467; z = 2.6502;
    // two-sided p = 2 * (1 - Φ(2.6502)) = 0.00805 (scipy: 0.0080452).
    close(r.z, 2.6502, 4);
    close(r.pValue, 0.0080452, 6);
    // Equal rates: no difference, p = 1; all fine in both: z defined as 0.
    const same = twoProportionTest({ poor: 3, n: 10 }, { poor: 6, n: 20 });
    close(same.difference, 0, 12);
    close(same.z, 0, 12);
    close(same.pValue, 1, 6);
    const none = twoProportionTest({ poor: 0, n: 5 }, { poor: 0, n: 7 });
    assert.deepEqual([none.z, none.pValue], [0, 1]);
  });
});

// ---------------------------------------------------------------------------------------------------
// The data set

const T0 = Date.parse("2026-03-01T12:00:00.000Z");
const MINUTE = 60_000;
const S010 = { lowerBound: 0, upperBound: 10, lowScoreThreshold: 6 };
const S01 = { lowerBound: 0, upperBound: 1, lowScoreThreshold: 0 };

type Ratings = Omit<SurveySubmission, "id" | "callId" | "participantId" | "clientTime">;

/** Survey i is received at T0 + i minutes. Poor: score <= threshold (default 1–5, threshold 2). */
const DATA: Ratings[] = [
  /* 1 */ { overallRating: { score: 5 }, audioRating: { score: 1, scale: S01 } },
  /* 2 */ {
    overallRating: { score: 2 }, // poor
    videoRating: { score: 1, issues: ["Freezes", "LowQuality"] }, // poor
    screenshareRating: { score: 2, issues: ["Freezes"] }, // poor
  },
  /* 3 */ {
    overallRating: { score: 6, scale: S010 }, // poor
    audioRating: { score: 0, scale: S01, issues: ["Echo"] }, // poor
  },
  /* 4 */ {
    overallRating: { score: 9, scale: S010 },
    videoRating: { score: 4, issues: ["Freezes"] },
  },
  /* 5 */ {
    overallRating: { score: 4 },
    audioRating: { score: 0, scale: S01, issues: ["Echo", "AudioNoise"] }, // poor
    screenshareRating: { score: 5 },
  },
  /* 6 */ { audioRating: { score: 1, scale: S01 } }, // no overall rating
];

function submissions(): SurveySubmission[] {
  return DATA.map((ratings, i) => ({
    id: randomUUID(),
    callId: `call-${i + 1}`,
    participantId: `participant-${i + 1}`,
    clientTime: "2026-03-01T12:00:00.000Z",
    ...ratings,
  }));
}

/**
 * By hand, all six surveys:
 * overall  1–5: 5, 2, 4; 0–10: 6, 9 → n 5, poor 2 (2 and 6); normalized 1 + .25 + .75 + .6 + .9 = 3.5
 * audio    0–1: 1, 0, 0, 1         → n 4, poor 2;            normalized 1 + 0 + 0 + 1 = 2
 * video    1–5: 1, 4               → n 2, poor 1;            normalized 0 + .75 = .75
 * screen   1–5: 2, 5               → n 2, poor 1;            normalized .25 + 1 = 1.25
 */
const ALL: SurveySummary = {
  surveys: 6,
  categories: [
    {
      category: "overall",
      surveys: 5,
      poor: 2,
      normalizedScoreSum: 3.5,
      distribution: { "1-5:5": 1, "1-5:2": 1, "1-5:4": 1, "0-10:6": 1, "0-10:9": 1 },
    },
    {
      category: "audio",
      surveys: 4,
      poor: 2,
      normalizedScoreSum: 2,
      distribution: { "0-1:0": 2, "0-1:1": 2 },
    },
    {
      category: "video",
      surveys: 2,
      poor: 1,
      normalizedScoreSum: 0.75,
      distribution: { "1-5:1": 1, "1-5:4": 1 },
    },
    {
      category: "screenshare",
      surveys: 2,
      poor: 1,
      normalizedScoreSum: 1.25,
      distribution: { "1-5:2": 1, "1-5:5": 1 },
    },
  ],
};

/** Tags by hand: Freezes twice in video (once poor), once in screenshare (poor); Echo twice, both poor. */
const ALL_TAGS: IssueTagCount[] = [
  { category: "audio", tag: "AudioNoise", count: 1, poorCount: 1 },
  { category: "audio", tag: "Echo", count: 2, poorCount: 2 },
  { category: "screenshare", tag: "Freezes", count: 1, poorCount: 1 },
  { category: "video", tag: "Freezes", count: 2, poorCount: 1 },
  { category: "video", tag: "LowQuality", count: 1, poorCount: 1 },
];

const sortTags = (tags: IssueTagCount[]) =>
  [...tags].sort((a, b) => `${a.category}/${a.tag}`.localeCompare(`${b.category}/${b.tag}`));

/** Compare summaries, the float sums to 1e-9. */
function assertSummary(actual: SurveySummary, expected: SurveySummary): void {
  assert.equal(actual.surveys, expected.surveys);
  assert.deepEqual(
    actual.categories.map((c) => c.category),
    expected.categories.map((c) => c.category),
  );
  for (const [i, e] of expected.categories.entries()) {
    const a = actual.categories[i];
    assert.ok(a);
    assert.deepEqual({ ...a, normalizedScoreSum: 0 }, { ...e, normalizedScoreSum: 0 }, e.category);
    close(a.normalizedScoreSum, e.normalizedScoreSum, 9, e.category);
  }
}

// ---------------------------------------------------------------------------------------------------
// Store methods, on both engines

function analyticsContract(name: string, makeDatabase: MakeDatabase): void {
  describe(`${name}: summarizeSurveys and issueTagCounts`, () => {
    let db: Database;
    let cleanup: () => Promise<void>;

    before(async () => {
      ({ db, cleanup } = await makeDatabase());
      for (const id of ["p", "q"]) {
        await insertProject(db, {
          id,
          name: id,
          allowedOrigins: [],
          requireOverallRating: false,
          resourceId: defaultResourceId(id),
        });
      }
      const pending = submissions().map((sub, i) => ({
        record: toSurveyRecord(sub, { projectId: "p", receivedAt: new Date(T0 + (i + 1) * MINUTE) }),
        contentHash: submissionHash(sub),
      }));
      // Another project's poor survey with tags must never leak into p.
      const other: SurveySubmission = {
        ...(submissions()[0] as SurveySubmission),
        overallRating: { score: 1, issues: ["HadToRejoin"] },
        videoRating: { score: 1, issues: ["Freezes"] },
      };
      pending.push({
        record: toSurveyRecord(other, { projectId: "q", receivedAt: new Date(T0 + MINUTE) }),
        contentHash: submissionHash(other),
      });
      const outcomes = await commitSurveyGroups(
        db,
        pending.map((p) => [p]),
      );
      assert.ok(outcomes.every((o) => o.status === "committed"));
    });
    after(() => cleanup());

    it("summarizes every category with mixed scales, by hand", async () => {
      assertSummary(await summarize(analyticsReads(db, "auto"), "p", {}), ALL);
    });

    it("counts issue tags per category, same tag name kept apart", async () => {
      assert.deepEqual(sortTags(await tagCounts(analyticsReads(db, "auto"), "p", {})), ALL_TAGS);
    });

    it("applies the survey filters (time range, poor, tag)", async () => {
      // Up to survey 5 (to is exclusive): survey 6 (audio 1, not poor) drops out.
      const early = await summarize(analyticsReads(db, "auto"), "p", { toMs: T0 + 6 * MINUTE });
      assert.equal(early.surveys, 5);
      const audio = early.categories.find((c) => c.category === "audio");
      assert.deepEqual(audio, {
        category: "audio",
        surveys: 3,
        poor: 2,
        normalizedScoreSum: 1,
        distribution: { "0-1:0": 2, "0-1:1": 1 },
      });
      // From survey 3: surveys 3–6; overall 6 and 9 on 0–10.
      const late = await summarize(analyticsReads(db, "auto"), "p", { fromMs: T0 + 3 * MINUTE });
      assert.equal(late.surveys, 4);
      const overall = late.categories.find((c) => c.category === "overall");
      assert.ok(overall);
      assert.deepEqual(
        [overall.surveys, overall.poor, overall.distribution],
        [3, 1, { "0-10:6": 1, "0-10:9": 1, "1-5:4": 1 }],
      );
      close(overall.normalizedScoreSum, 0.6 + 0.9 + 0.75, 9);
      // Poor video: survey 2 only.
      const poorVideo = await summarize(analyticsReads(db, "auto"), "p", { poor: ["video"] });
      assert.equal(poorVideo.surveys, 1);
      assert.deepEqual(
        poorVideo.categories.map((c) => [c.category, c.surveys, c.poor]),
        [
          ["overall", 1, 1],
          ["audio", 0, 0],
          ["video", 1, 1],
          ["screenshare", 1, 1],
        ],
      );
      // video:Freezes: surveys 2 and 4; their tags.
      const freezes = { tag: { category: "video" as const, tag: "Freezes" } };
      assert.equal((await summarize(analyticsReads(db, "auto"), "p", freezes)).surveys, 2);
      assert.deepEqual(sortTags(await tagCounts(analyticsReads(db, "auto"), "p", freezes)), [
        { category: "screenshare", tag: "Freezes", count: 1, poorCount: 1 },
        { category: "video", tag: "Freezes", count: 2, poorCount: 1 },
        { category: "video", tag: "LowQuality", count: 1, poorCount: 1 },
      ]);
    });

    it("answers zeros for an empty selection and keeps projects apart", async () => {
      const empty = await summarize(analyticsReads(db, "auto"), "p", { fromMs: T0 + 100 * MINUTE });
      assert.equal(empty.surveys, 0);
      for (const c of empty.categories) assert.deepEqual([c.surveys, c.poor, c.distribution], [0, 0, {}]);
      assert.deepEqual(await tagCounts(analyticsReads(db, "auto"), "p", { fromMs: T0 + 100 * MINUTE }), []);
      assert.deepEqual(await tagCounts(analyticsReads(db, "auto"), "nobody", {}), []);
      const q = await summarize(analyticsReads(db, "auto"), "q", {});
      assert.equal(q.surveys, 1);
      assert.deepEqual(sortTags(await tagCounts(analyticsReads(db, "auto"), "q", {})), [
        { category: "overall", tag: "HadToRejoin", count: 1, poorCount: 1 },
        { category: "video", tag: "Freezes", count: 1, poorCount: 1 },
      ]);
    });
  });
}

onEveryEngine("analytics", analyticsContract);

// ---------------------------------------------------------------------------------------------------
// HTTP

describe("analytics endpoints", () => {
  type Ctx = Awaited<ReturnType<typeof startTestApp>>;
  let t: Ctx;
  let p: TestProject;
  let clock = T0;

  before(async () => {
    t = await startTestApp({ now: () => new Date(clock) });
    p = await t.addProject({ id: "pp", name: "P", requireOverallRating: false });
    for (const [i, sub] of submissions().entries()) {
      clock = T0 + (i + 1) * MINUTE;
      const res = await t.app.fastify.inject({
        method: "POST",
        url: "/v1/surveys",
        headers: { authorization: `Bearer ${p.ingestKey}` },
        payload: sub,
      });
      assert.equal(res.statusCode, 201, res.body);
    }
  });
  after(() => t.close());

  const get = (url: string, token = p.adminToken) =>
    t.app.fastify.inject({ method: "GET", url, headers: { authorization: `Bearer ${token}` } });
  const at = (minutes: number) => new Date(T0 + minutes * MINUTE).toISOString();

  it("GET /v1/analytics/summary: counts, means, Wilson intervals, distributions per scale", async () => {
    const res = await get("/v1/analytics/summary");
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.surveys, 6);
    assert.deepEqual(Object.keys(body.categories), ["overall", "audio", "video", "screenshare"]);
    const { overall, audio, video, screenshare } = body.categories;
    assert.equal(overall.surveys, 5);
    close(overall.meanNormalizedScore, 0.7, 9); // 3.5 / 5
    close(overall.poorRate, 0.4, 9);
    closePair(overall.poorRateCi95, [0.1176, 0.7693]); // Wilson 2/5
    assert.deepEqual(overall.distribution, [
      {
        scale: { lowerBound: 0, upperBound: 10 },
        counts: { "0": 0, "1": 0, "2": 0, "3": 0, "4": 0, "5": 0, "6": 1, "7": 0, "8": 0, "9": 1, "10": 0 },
      },
      { scale: { lowerBound: 1, upperBound: 5 }, counts: { "1": 0, "2": 1, "3": 0, "4": 1, "5": 1 } },
    ]);
    close(audio.meanNormalizedScore, 0.5, 9);
    close(audio.poorRate, 0.5, 9);
    closePair(audio.poorRateCi95, [0.15, 0.85]); // Wilson 2/4: 0.5 ± 0.35 (centre 0.5)
    assert.deepEqual(audio.distribution, [
      { scale: { lowerBound: 0, upperBound: 1 }, counts: { "0": 2, "1": 2 } },
    ]);
    close(video.meanNormalizedScore, 0.375, 9);
    close(screenshare.meanNormalizedScore, 0.625, 9);
    closePair(video.poorRateCi95, [0.0945, 0.9055]); // Wilson 1/2
  });

  it("summary of an empty range has null rates", async () => {
    const body = (await get(`/v1/analytics/summary?from=${at(100)}`)).json();
    assert.equal(body.surveys, 0);
    assert.deepEqual(body.categories.audio, {
      surveys: 0,
      poor: 0,
      meanNormalizedScore: null,
      poorRate: null,
      poorRateCi95: null,
      distribution: [],
    });
  });

  it("GET /v1/analytics/tags: shares of the category and of its poor ratings, by count", async () => {
    const res = await get("/v1/analytics/tags");
    assert.equal(res.statusCode, 200, res.body);
    const { categories } = res.json();
    assert.deepEqual(categories.overall, []);
    assert.deepEqual(categories.video, [
      // video: 2 rated, 1 poor
      { tag: "Freezes", count: 2, poorCount: 1, shareOfCategory: 1, shareOfPoor: 1 },
      { tag: "LowQuality", count: 1, poorCount: 1, shareOfCategory: 0.5, shareOfPoor: 1 },
    ]);
    assert.deepEqual(categories.screenshare, [
      { tag: "Freezes", count: 1, poorCount: 1, shareOfCategory: 0.5, shareOfPoor: 1 },
    ]);
    assert.deepEqual(categories.audio, [
      // audio: 4 rated, 2 poor
      { tag: "Echo", count: 2, poorCount: 2, shareOfCategory: 0.5, shareOfPoor: 1 },
      { tag: "AudioNoise", count: 1, poorCount: 1, shareOfCategory: 0.25, shareOfPoor: 0.5 },
    ]);
    // Filters apply: up to survey 4, audio has one rating left with Echo (survey 3).
    const early = (await get(`/v1/analytics/tags?to=${at(5)}`)).json();
    assert.deepEqual(early.categories.audio, [
      { tag: "Echo", count: 1, poorCount: 1, shareOfCategory: 0.5, shareOfPoor: 1 },
    ]);
  });

  it("GET /v1/analytics/compare: two cohorts by time range", async () => {
    // a: surveys 1–3 (overall 5, 2, 6/0–10 → 2 poor of 3); b: surveys 4–6 (overall 9/0–10, 4 → 0 of 2).
    const res = await get(
      `/v1/analytics/compare?a.to=${at(4)}&b.from=${at(4)}&category=overall&projectId=pp`,
    );
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.category, "overall");
    assert.deepEqual([body.a.surveys, body.a.poor, body.b.surveys, body.b.poor], [3, 2, 2, 0]);
    close(body.difference, 2 / 3, 9);
    // Pooled p = 2/5, se = sqrt(.4 * .6 * (1/3 + 1/2)) = 0.447214, z = 0.66667 / 0.447214 = 1.49071.
    close(body.z, 1.49071, 4);
    close(body.pValue, 0.136037, 5); // 2 * (1 - Φ(1.49071))
    // Newcombe: Wilson 2/3 = [0.2077, 0.9385], 0/2 = [0, 0.6576];
    // lo = 0.6667 - sqrt(0.4590² + 0.6576²) = -0.1353; hi = 0.6667 + sqrt(0.2718² + 0²) = 0.9385.
    closePair(body.differenceCi95, [-0.1353, 0.9385]);
    closePair(body.a.poorRateCi95, [0.2077, 0.9385]);
    // Audio, cohorts by tag: Echo (2 of 2 poor) vs everything (2 of 4).
    const tag = (await get("/v1/analytics/compare?a.tag=audio:Echo&category=audio")).json();
    assert.deepEqual([tag.a.surveys, tag.a.poor, tag.b.surveys, tag.b.poor], [2, 2, 4, 2]);
    close(tag.difference, 0.5, 9);
    // An empty cohort: no test.
    const empty = (await get(`/v1/analytics/compare?a.from=${at(100)}`)).json();
    assert.deepEqual(
      [empty.a.poorRate, empty.difference, empty.differenceCi95, empty.pValue],
      [null, null, null, null],
    );
  });

  it("answers bad parameters with 400 INVALID_PARAMETER naming the parameter", async () => {
    for (const url of [
      "/v1/analytics/summary?form=2026-01-01T00:00:00Z",
      "/v1/analytics/summary?from=yesterday",
      "/v1/analytics/tags?tag=audio:Freezes",
      "/v1/analytics/tags?limit=5",
      "/v1/analytics/compare?a.callId=x",
      "/v1/analytics/compare?c.from=2026-01-01T00:00:00Z",
      "/v1/analytics/compare?from=2026-01-01T00:00:00Z",
      "/v1/analytics/compare?a.from=soon",
      "/v1/analytics/compare?b.poor=smell",
      "/v1/analytics/compare?category=smell",
    ]) {
      const res = await get(url);
      assert.equal(res.statusCode, 400, url);
      assert.equal(res.json().code, "INVALID_PARAMETER", url);
      const name = (url.split("?")[1] as string).split("=")[0] as string;
      assert.ok(res.json().message.includes(name), `${url}: ${res.json().message}`);
    }
  });

  it("refuses ingest keys (403) and missing tokens (401); the operator names the project", async () => {
    for (const path of ["summary", "tags", "compare"]) {
      const refused = await get(`/v1/analytics/${path}`, p.ingestKey);
      assert.equal(refused.statusCode, 403, path);
      assert.equal(refused.json().code, "FORBIDDEN");
      const anonymous = await t.app.fastify.inject({ method: "GET", url: `/v1/analytics/${path}` });
      assert.equal(anonymous.statusCode, 401, path);
      assert.equal((await get(`/v1/analytics/${path}`, OPERATOR_TOKEN)).statusCode, 400, path);
      assert.equal((await get(`/v1/analytics/${path}?projectId=pp`, OPERATOR_TOKEN)).statusCode, 200, path);
      assert.equal((await get(`/v1/analytics/${path}?projectId=other`)).statusCode, 404, path);
    }
  });
});
