/**
 * Analytics, second slice: time slots folded into hour/day/week buckets of a time zone, and breakdowns by
 * context field or custom dimension. Store methods on both engines (SQLite in a temp directory, PostgreSQL
 * on a throwaway server; never skipped in CI) and the two HTTP endpoints. The data set straddles the start
 * of summer time in Europe/Berlin (2026-03-29 02:00 CET → 03:00 CEST, so that day lasts 23 hours); every
 * expected value is computed by hand below.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { defaultResourceId, type SurveySubmission, toSurveyRecord } from "@aftercall/schema";
import type {
  BreakdownAggregate,
  RatingAggregate,
  TimeSlotAggregate,
} from "../../src/analytics/aggregates.js";
import { analyticsReads } from "../../src/analytics/analytics-reads.js";
import { foldBuckets } from "../../src/analytics/buckets.js";
import { dimensionKeys } from "../../src/analytics/dimension-rollup-query.js";
import { breakdown, summarize, timeSlots } from "../../src/analytics/rollup-query.js";
import { wilsonInterval } from "../../src/analytics/statistics.js";
import { commitSurveyGroups } from "../../src/ingest/commit.js";
import { submissionHash } from "../../src/ingest/content-hash.js";
import { insertProject } from "../../src/projects/project-store.js";
import type { Database } from "../../src/store/database.js";
import type { SurveyQuery } from "../../src/surveys/survey-query.js";
import { listSurveys } from "../../src/surveys/survey-reads.js";
import { type MakeDatabase, onEveryEngine } from "../support/engines.js";
import { startTestApp, type TestProject } from "../support/test-app.js";

const close = (actual: number, expected: number, digits = 4, message?: string) =>
  assert.ok(
    Math.abs(actual - expected) < 0.5 * 10 ** -digits,
    `${message ?? ""} expected ${expected}, got ${actual}`,
  );

const S010 = { lowerBound: 0, upperBound: 10, lowScoreThreshold: 6 };

type Fields = Omit<SurveySubmission, "id" | "callId" | "participantId" | "clientTime">;

/** Receipt time (UTC) and content; overall on 1–5 (poor ≤ 2) unless noted. Berlin wall time in comments. */
const DATA: Array<[string, Fields]> = [
  /* 1: Sat 28 23:50 CET  */ [
    "2026-03-28T22:50:00.000Z",
    {
      overallRating: { score: 5 },
      appVersion: "1.0",
      platform: "web",
      dimensions: { region: "eu", tier: "pro" },
    },
  ],
  /* 2: Sun 29 00:05 CET  */ [
    "2026-03-28T23:05:00.000Z",
    { overallRating: { score: 1 }, appVersion: "1.0", platform: "ios", dimensions: { region: "eu" } }, // poor
  ],
  /* 3: Sun 29 00:14 CET, same 15-minute slot as 2 */ [
    "2026-03-28T23:14:59.999Z",
    { overallRating: { score: 3 }, appVersion: "1.0", dimensions: { region: "eu" } },
  ],
  /* 4: Sun 29 03:10 CEST */ [
    "2026-03-29T01:10:00.000Z",
    { overallRating: { score: 4 }, appVersion: "1.1", platform: "web", dimensions: { region: "us" } },
  ],
  /* 5: Sun 29 23:59 CEST */ [
    "2026-03-29T21:59:00.000Z",
    { overallRating: { score: 6, scale: S010 } }, // poor, normalized 0.6
  ],
  /* 6: Mon 30 00:00 CEST */ [
    "2026-03-29T22:00:00.000Z",
    {
      overallRating: { score: 3 },
      appVersion: "1.1",
      platform: "ios",
      dimensions: { region: "eu", tier: "free" },
    },
  ],
  /* 7: no overall rating */ [
    "2026-03-30T10:00:00.000Z",
    { audioRating: { score: 1 }, appVersion: "1.1", dimensions: { region: "us" } }, // poor audio
  ],
];

function submissions(): Array<{ receivedAt: Date; submission: SurveySubmission }> {
  return DATA.map(([at, fields], i) => ({
    receivedAt: new Date(at),
    submission: {
      id: randomUUID(),
      callId: `call-${i + 1}`,
      participantId: `participant-${i + 1}`,
      clientTime: at,
      ...fields,
    },
  }));
}

const ms = (iso: string) => Date.parse(iso);

/**
 * Overall per 15-minute slot, by hand (normalized: 5 → 1, 1 → 0, 3 → .5, 4 → .75, 6 on 0–10 → .6):
 * 22:45 {1}; 23:00 {2, 3}; 01:00 {4}; 21:45 {5}; 22:00 {6}.
 */
const SLOTS: TimeSlotAggregate[] = [
  { startMs: ms("2026-03-28T22:45:00Z"), surveys: 1, poor: 0, normalizedScoreSum: 1 },
  { startMs: ms("2026-03-28T23:00:00Z"), surveys: 2, poor: 1, normalizedScoreSum: 0.5 },
  { startMs: ms("2026-03-29T01:00:00Z"), surveys: 1, poor: 0, normalizedScoreSum: 0.75 },
  { startMs: ms("2026-03-29T21:45:00Z"), surveys: 1, poor: 1, normalizedScoreSum: 0.6 },
  { startMs: ms("2026-03-29T22:00:00Z"), surveys: 1, poor: 0, normalizedScoreSum: 0.5 },
];

function assertAggregates<T extends RatingAggregate>(actual: T[], expected: T[]): void {
  const strip = (a: T) => ({ ...a, normalizedScoreSum: 0 });
  assert.deepEqual(actual.map(strip), expected.map(strip));
  for (const [i, e] of expected.entries())
    close((actual[i] as T).normalizedScoreSum, e.normalizedScoreSum, 9);
}

const byValue = (rows: BreakdownAggregate[]) =>
  [...rows].sort((a, b) => String(a.value).localeCompare(String(b.value)));

// ---------------------------------------------------------------------------------------------------
// Bucket folding (pure)

describe("foldBuckets", () => {
  const bucketStarts = (bucket: "hour" | "day" | "week", tz: string) =>
    foldBuckets(SLOTS, bucket, tz).map((b) => [new Date(b.startMs).toISOString(), b.surveys, b.poor]);

  it("day buckets in Europe/Berlin: 2026-03-29 lasts 23 hours", () => {
    const days = foldBuckets(SLOTS, "day", "Europe/Berlin");
    assert.deepEqual(
      days.map((b) => [new Date(b.startMs).toISOString(), b.surveys, b.poor]),
      [
        ["2026-03-27T23:00:00.000Z", 1, 0], // Sat 28: 1
        ["2026-03-28T23:00:00.000Z", 4, 2], // Sun 29: 2, 3, 4, 5
        ["2026-03-29T22:00:00.000Z", 1, 0], // Mon 30: 6
      ],
    );
    assert.equal(
      ((days[2] as { startMs: number }).startMs - (days[1] as { startMs: number }).startMs) / 3_600_000,
      23,
    );
    close((days[1] as RatingAggregate).normalizedScoreSum, 0 + 0.5 + 0.75 + 0.6, 9);
  });

  it("day buckets in UTC, weeks from Monday, hours in a half-hour zone", () => {
    assert.deepEqual(bucketStarts("day", "UTC"), [
      ["2026-03-28T00:00:00.000Z", 3, 1],
      ["2026-03-29T00:00:00.000Z", 3, 1],
    ]);
    // Sun 29 belongs to the week of Mon 23 (still CET at its start); Mon 30 starts a week (CEST).
    assert.deepEqual(bucketStarts("week", "Europe/Berlin"), [
      ["2026-03-22T23:00:00.000Z", 5, 2],
      ["2026-03-29T22:00:00.000Z", 1, 0],
    ]);
    // Berlin hours: 23:50 CET, 00:05–00:14 CET, 03:10 CEST, 23:59 CEST, 00:00 CEST.
    assert.deepEqual(bucketStarts("hour", "Europe/Berlin"), [
      ["2026-03-28T22:00:00.000Z", 1, 0],
      ["2026-03-28T23:00:00.000Z", 2, 1],
      ["2026-03-29T01:00:00.000Z", 1, 0],
      ["2026-03-29T21:00:00.000Z", 1, 1],
      ["2026-03-29T22:00:00.000Z", 1, 0],
    ]);
    // Kolkata is UTC+05:30: 04:20, 04:35, 04:44 share the hour from 22:30Z; 06:40 alone; 03:29 and
    // 03:30 share the hour from 21:30Z (the slot of 21:59Z starts 03:15 there).
    assert.deepEqual(bucketStarts("hour", "Asia/Kolkata"), [
      ["2026-03-28T22:30:00.000Z", 3, 1],
      ["2026-03-29T00:30:00.000Z", 1, 0],
      ["2026-03-29T21:30:00.000Z", 2, 1],
    ]);
  });

  it("end of summer time: the repeated hour is two buckets, the day 25 hours", () => {
    const slots = ["2026-10-25T00:15:00Z", "2026-10-25T01:15:00Z", "2026-10-25T23:00:00Z"].map((at) => ({
      startMs: ms(at),
      surveys: 1,
      poor: 0,
      normalizedScoreSum: 0,
    }));
    assert.deepEqual(
      foldBuckets(slots, "hour", "Europe/Berlin").map((b) => new Date(b.startMs).toISOString()),
      ["2026-10-25T00:00:00.000Z", "2026-10-25T01:00:00.000Z", "2026-10-25T23:00:00.000Z"],
    );
    // Sun 25 starts 2026-10-24T22:00Z (CEST), Mon 26 at 2026-10-25T23:00Z (CET): 25 hours.
    assert.deepEqual(
      foldBuckets(slots, "day", "Europe/Berlin").map((b) => [new Date(b.startMs).toISOString(), b.surveys]),
      [
        ["2026-10-24T22:00:00.000Z", 2],
        ["2026-10-25T23:00:00.000Z", 1],
      ],
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// Store methods, on both engines

function trendsContract(name: string, makeDatabase: MakeDatabase): void {
  describe(`${name}: ratingTimeSlots and ratingBreakdown`, () => {
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
      const pending = submissions().map(({ receivedAt, submission }) => ({
        record: toSurveyRecord(submission, { projectId: "p", receivedAt }),
        contentHash: submissionHash(submission),
      }));
      // Another project's survey in the same slot must never leak into p.
      const other = { ...(submissions()[0]?.submission as SurveySubmission), id: randomUUID() };
      pending.push({
        record: toSurveyRecord(other, { projectId: "q", receivedAt: new Date(DATA[0]?.[0] as string) }),
        contentHash: submissionHash(other),
      });
      const outcomes = await commitSurveyGroups(
        db,
        pending.map((p) => [p]),
      );
      assert.ok(outcomes.every((o) => o.status === "committed"));
    });
    after(() => cleanup());

    it("groups a category by 15-minute slot, by hand", async () => {
      assertAggregates(await timeSlots(analyticsReads(db, "auto"), "p", {}, "overall"), SLOTS);
      // Audio: survey 7 only, poor.
      assertAggregates(await timeSlots(analyticsReads(db, "auto"), "p", {}, "audio"), [
        { startMs: ms("2026-03-30T10:00:00Z"), surveys: 1, poor: 1, normalizedScoreSum: 0 },
      ]);
      assert.deepEqual(await timeSlots(analyticsReads(db, "auto"), "p", {}, "video"), []);
    });

    it("applies the survey filters to the slots and keeps projects apart", async () => {
      // From survey 3 up to (excluding) survey 6.
      const range = { fromMs: ms("2026-03-28T23:14:59.999Z"), toMs: ms("2026-03-29T22:00:00Z") };
      assertAggregates(await timeSlots(analyticsReads(db, "auto"), "p", range, "overall"), [
        { startMs: ms("2026-03-28T23:00:00Z"), surveys: 1, poor: 0, normalizedScoreSum: 0.5 },
        { startMs: ms("2026-03-29T01:00:00Z"), surveys: 1, poor: 0, normalizedScoreSum: 0.75 },
        { startMs: ms("2026-03-29T21:45:00Z"), surveys: 1, poor: 1, normalizedScoreSum: 0.6 },
      ]);
      assertAggregates(await timeSlots(analyticsReads(db, "auto"), "p", { poor: ["overall"] }, "overall"), [
        { startMs: ms("2026-03-28T23:00:00Z"), surveys: 1, poor: 1, normalizedScoreSum: 0 },
        { startMs: ms("2026-03-29T21:45:00Z"), surveys: 1, poor: 1, normalizedScoreSum: 0.6 },
      ]);
      assertAggregates(await timeSlots(analyticsReads(db, "auto"), "q", {}, "overall"), [
        { startMs: ms("2026-03-28T22:45:00Z"), surveys: 1, poor: 0, normalizedScoreSum: 1 },
      ]);
    });

    it("breaks a category down by a context field, missing values as null", async () => {
      assertAggregates(
        byValue(await breakdown(analyticsReads(db, "auto"), "p", {}, "overall", "appVersion")),
        [
          { value: "1.0", surveys: 3, poor: 1, normalizedScoreSum: 1.5 }, // 1, 2, 3
          { value: "1.1", surveys: 2, poor: 0, normalizedScoreSum: 1.25 }, // 4, 6 (7 rated no overall)
          { value: null, surveys: 1, poor: 1, normalizedScoreSum: 0.6 }, // 5
        ],
      );
      assertAggregates(byValue(await breakdown(analyticsReads(db, "auto"), "p", {}, "overall", "platform")), [
        { value: "ios", surveys: 2, poor: 1, normalizedScoreSum: 0.5 }, // 2, 6
        { value: null, surveys: 2, poor: 1, normalizedScoreSum: 1.1 }, // 3, 5
        { value: "web", surveys: 2, poor: 0, normalizedScoreSum: 1.75 }, // 1, 4
      ]);
      assertAggregates(await breakdown(analyticsReads(db, "auto"), "p", {}, "overall", "browser"), [
        { value: null, surveys: 6, poor: 2, normalizedScoreSum: 3.35 },
      ]);
    });

    it("breaks a category down by a custom dimension, grouped in JS", async () => {
      assertAggregates(
        byValue(await breakdown(analyticsReads(db, "auto"), "p", {}, "overall", "dimension:region")),
        [
          { value: "eu", surveys: 4, poor: 1, normalizedScoreSum: 2 }, // 1, 2, 3, 6
          { value: null, surveys: 1, poor: 1, normalizedScoreSum: 0.6 }, // 5
          { value: "us", surveys: 1, poor: 0, normalizedScoreSum: 0.75 }, // 4
        ],
      );
      assertAggregates(
        byValue(await breakdown(analyticsReads(db, "auto"), "p", {}, "overall", "dimension:tier")),
        [
          { value: "free", surveys: 1, poor: 0, normalizedScoreSum: 0.5 },
          { value: null, surveys: 4, poor: 2, normalizedScoreSum: 1.85 }, // 2, 3, 4, 5
          { value: "pro", surveys: 1, poor: 0, normalizedScoreSum: 1 },
        ],
      );
      assertAggregates(await breakdown(analyticsReads(db, "auto"), "p", {}, "audio", "dimension:region"), [
        { value: "us", surveys: 1, poor: 1, normalizedScoreSum: 0 },
      ]);
      assertAggregates(
        byValue(
          await breakdown(
            analyticsReads(db, "auto"),
            "p",
            { toMs: ms("2026-03-29T00:00:00Z") },
            "overall",
            "dimension:region",
          ),
        ),
        [{ value: "eu", surveys: 3, poor: 1, normalizedScoreSum: 1.5 }],
      );
      await assert.rejects(
        breakdown(analyticsReads(db, "auto"), "p", {}, "overall", "dimension:no pe"),
        RangeError,
      );
    });

    it("filters on custom dimensions: every given key must match", async () => {
      const eu = await summarize(analyticsReads(db, "auto"), "p", { dimensions: { region: "eu" } });
      assert.equal(eu.surveys, 4); // 1, 2, 3, 6
      const overall = eu.categories.find((c) => c.category === "overall");
      assert.deepEqual([overall?.surveys, overall?.poor], [4, 1]);
      close(overall?.normalizedScoreSum as number, 2, 9); // 1 + 0 + .5 + .5
      assert.equal(
        (await summarize(analyticsReads(db, "auto"), "p", { dimensions: { region: "eu", tier: "pro" } }))
          .surveys,
        1,
      );
      assert.equal(
        (await summarize(analyticsReads(db, "auto"), "p", { dimensions: { region: "mars" } })).surveys,
        0,
      );
      const us = await listSurveys(db, "p", { dimensions: { region: "us" } }, { limit: 10 });
      assert.deepEqual(us.items.map((s) => s.callId).sort(), ["call-4", "call-7"]);
      assertAggregates(
        await timeSlots(analyticsReads(db, "auto"), "p", { dimensions: { region: "eu" } }, "overall"),
        [SLOTS[0], SLOTS[1], SLOTS[4]] as TimeSlotAggregate[],
      );
    });

    it("lists the custom dimension keys with the surveys that carry each", async () => {
      const keys = async (query: SurveyQuery) =>
        (await dimensionKeys(analyticsReads(db, "auto"), "p", query)).sort((a, b) =>
          a.key.localeCompare(b.key),
        );
      assert.deepEqual(await keys({}), [
        { key: "region", surveys: 6 }, // all but 5
        { key: "tier", surveys: 2 }, // 1, 6
      ]);
      assert.deepEqual(await keys({ toMs: ms("2026-03-29T00:00:00Z") }), [
        { key: "region", surveys: 3 },
        { key: "tier", surveys: 1 },
      ]);
      assert.deepEqual(await keys({ platform: "ios" }), [
        { key: "region", surveys: 2 }, // 2, 6
        { key: "tier", surveys: 1 }, // 6
      ]);
      assert.deepEqual(await keys({ fromMs: ms("2027-01-01T00:00:00Z") }), []);
    });
  });
}

onEveryEngine("trends", trendsContract);

// ---------------------------------------------------------------------------------------------------
// HTTP

describe("analytics timeseries and breakdown endpoints", () => {
  type Ctx = Awaited<ReturnType<typeof startTestApp>>;
  let t: Ctx;
  let p: TestProject;
  let many: TestProject;
  let clock = 0;

  const post = async (project: TestProject, submission: SurveySubmission) => {
    const res = await t.app.fastify.inject({
      method: "POST",
      url: "/v1/surveys",
      headers: { authorization: `Bearer ${project.ingestKey}` },
      payload: submission,
    });
    assert.equal(res.statusCode, 201, res.body);
  };

  before(async () => {
    t = await startTestApp({ now: () => new Date(clock) });
    p = await t.addProject({ id: "tt", name: "T", requireOverallRating: false });
    many = await t.addProject({ id: "mm", name: "M", requireOverallRating: false });
    for (const { receivedAt, submission } of submissions()) {
      clock = receivedAt.getTime();
      await post(p, submission);
    }
    // 52 surveys over 51 dimension values: v07 twice, v00 … v50 once.
    clock = ms("2026-03-01T12:00:00Z");
    for (const i of [...Array.from({ length: 51 }, (_, i) => i), 7]) {
      await post(many, {
        id: randomUUID(),
        callId: `c-${i}`,
        participantId: "x",
        clientTime: "2026-03-01T12:00:00.000Z",
        overallRating: { score: 5 },
        dimensions: { release: `v${String(i).padStart(2, "0")}` },
      });
    }
  });
  after(() => t.close());

  const get = (url: string, token = p.adminToken) =>
    t.app.fastify.inject({ method: "GET", url, headers: { authorization: `Bearer ${token}` } });

  it("GET /v1/analytics/timeseries: day buckets in Europe/Berlin with rates and intervals", async () => {
    const res = await get("/v1/analytics/timeseries?bucket=day&tz=Europe/Berlin&category=overall");
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.deepEqual([body.category, body.bucket, body.tz], ["overall", "day", "Europe/Berlin"]);
    assert.deepEqual(
      body.points.map((x: { start: string; surveys: number; poor: number }) => [x.start, x.surveys, x.poor]),
      [
        ["2026-03-27T23:00:00.000Z", 1, 0],
        ["2026-03-28T23:00:00.000Z", 4, 2],
        ["2026-03-29T22:00:00.000Z", 1, 0],
      ],
    );
    const sunday = body.points[1];
    close(sunday.poorRate, 0.5, 9);
    assert.deepEqual(sunday.poorRateCi95, wilsonInterval(2, 4)); // [0.15, 0.85]
    close(sunday.poorRateCi95[0], 0.15, 4);
    close(sunday.meanNormalizedScore, 1.85 / 4, 9); // (0 + .5 + .75 + .6) / 4
    close(body.points[0].meanNormalizedScore, 1, 9);
    // Defaults: day buckets in UTC; filters apply; audio has one point.
    const utc = (await get("/v1/analytics/timeseries?to=2026-03-29T00:00:00Z")).json();
    assert.deepEqual([utc.bucket, utc.tz, utc.points.length], ["day", "UTC", 1]);
    assert.deepEqual([utc.points[0].start, utc.points[0].surveys], ["2026-03-28T00:00:00.000Z", 3]);
    const audio = (await get("/v1/analytics/timeseries?category=audio&bucket=week")).json();
    assert.deepEqual(audio.points, [
      {
        start: "2026-03-30T00:00:00.000Z",
        surveys: 1,
        poor: 1,
        poorRate: 1,
        poorRateCi95: wilsonInterval(1, 1),
        meanNormalizedScore: 0,
      },
    ]);
    const empty = (await get("/v1/analytics/timeseries?from=2027-01-01T00:00:00Z&bucket=hour")).json();
    assert.deepEqual(empty.points, []);
  });

  it("GET /v1/analytics/breakdown: sorted by surveys, ties by value, null last", async () => {
    const res = await get("/v1/analytics/breakdown?by=platform");
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.deepEqual([body.category, body.by], ["overall", "platform"]);
    assert.deepEqual(
      body.rows.map((r: { value: string | null; surveys: number; poor: number }) => [
        r.value,
        r.surveys,
        r.poor,
      ]),
      [
        ["ios", 2, 1],
        ["web", 2, 0],
        [null, 2, 1],
      ],
    );
    close(body.rows[0].meanNormalizedScore, 0.25, 9);
    close(body.rows[1].meanNormalizedScore, 0.875, 9);
    close(body.rows[2].poorRate, 0.5, 9);
    const region = (await get("/v1/analytics/breakdown?by=dimension:region&poor=overall")).json();
    // Poor overall: surveys 2 (eu) and 5 (no region).
    assert.deepEqual(
      region.rows.map((r: { value: string | null; surveys: number }) => [r.value, r.surveys]),
      [
        ["eu", 1],
        [null, 1],
      ],
    );
  });

  it("GET /v1/analytics/breakdown keeps the top 50 values", async () => {
    const body = (await get("/v1/analytics/breakdown?by=dimension:release", many.adminToken)).json();
    assert.equal(body.rows.length, 50);
    assert.deepEqual([body.rows[0].value, body.rows[0].surveys], ["v07", 2]);
    assert.deepEqual([body.rows[1].value, body.rows[49].value], ["v00", "v49"]);
  });

  it("answers bad parameters with 400 INVALID_PARAMETER naming the parameter", async () => {
    for (const url of [
      "/v1/analytics/timeseries?bucket=month",
      "/v1/analytics/timeseries?tz=Mars/Olympus",
      "/v1/analytics/timeseries?tz=%2B02:00x",
      "/v1/analytics/timeseries?category=smell",
      "/v1/analytics/timeseries?from=yesterday",
      "/v1/analytics/timeseries?limit=5",
      "/v1/analytics/breakdown?by=country",
      "/v1/analytics/breakdown?by=dimension:",
      "/v1/analytics/breakdown?by=dimension:1st",
      "/v1/analytics/breakdown?by=dimension:a%20b",
      "/v1/analytics/breakdown?by=appVersion&category=smell",
      "/v1/analytics/breakdown?by=appVersion&tz=UTC",
    ]) {
      const res = await get(url);
      assert.equal(res.statusCode, 400, url);
      assert.equal(res.json().code, "INVALID_PARAMETER", url);
      const name = (url.split(/[?&]/).at(-1) as string).split("=")[0] as string;
      assert.ok(res.json().message.includes(name), `${url}: ${res.json().message}`);
    }
    // by is required.
    assert.equal((await get("/v1/analytics/breakdown")).statusCode, 400);
  });

  it("filters every analytics endpoint and the survey list by dimension.<key>, and lists the keys", async () => {
    const summary = (await get("/v1/analytics/summary?dimension.region=eu")).json();
    assert.deepEqual([summary.surveys, summary.categories.overall.poor], [4, 1]);
    const both = (await get("/v1/analytics/summary?dimension.region=eu&dimension.tier=free")).json();
    assert.equal(both.surveys, 1); // 6
    const series = (await get("/v1/analytics/timeseries?dimension.region=eu")).json();
    assert.deepEqual(
      series.points.map((x: { start: string; surveys: number; poor: number }) => [
        x.start,
        x.surveys,
        x.poor,
      ]),
      [
        ["2026-03-28T00:00:00.000Z", 3, 1], // 1, 2, 3
        ["2026-03-29T00:00:00.000Z", 1, 0], // 6
      ],
    );
    const list = (await get("/v1/surveys?dimension.tier=pro")).json();
    assert.deepEqual(
      list.items.map((s: { callId: string }) => s.callId),
      ["call-1"],
    );
    const compare = (await get("/v1/analytics/compare?a.dimension.region=eu&b.dimension.region=us")).json();
    assert.deepEqual(
      [compare.a.surveys, compare.a.poor, compare.b.surveys, compare.b.poor],
      [4, 1, 1, 0], // overall: eu 1, 2, 3, 6; us 4 (7 has no overall rating)
    );
    const keys = (await get("/v1/analytics/dimensions")).json();
    assert.deepEqual(keys, {
      dimensions: [
        { key: "region", surveys: 6 },
        { key: "tier", surveys: 2 },
      ],
    });
    for (const url of [
      "/v1/analytics/summary?dimension.1st=a",
      "/v1/analytics/summary?dimension.region=",
      "/v1/surveys?dimension.a%20b=x",
      "/v1/analytics/compare?a.dimension.=x",
    ]) {
      const res = await get(url);
      assert.equal(res.statusCode, 400, url);
      assert.equal(res.json().code, "INVALID_PARAMETER", url);
      const name = decodeURIComponent((url.split("?")[1] as string).split("=")[0] as string);
      assert.ok(res.json().message.includes(name), `${url}: ${res.json().message}`);
    }
  });

  it("refuses ingest keys (403) and missing tokens (401)", async () => {
    for (const path of ["timeseries", "breakdown?by=platform"]) {
      assert.equal((await get(`/v1/analytics/${path}`, p.ingestKey)).statusCode, 403, path);
      const anonymous = await t.app.fastify.inject({ method: "GET", url: `/v1/analytics/${path}` });
      assert.equal(anonymous.statusCode, 401, path);
    }
  });
});
