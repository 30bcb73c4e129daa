/**
 * The survey explorer and the newer analytics fields: the `q` text search (store, both engines, with
 * non-ASCII case folding and LIKE wildcards taken literally), context filters, the CSV export (RFC 4180,
 * formula injection neutralised), the response rate in the summary, and cohorts from two projects.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { defaultResourceId, type SurveySubmission, toSurveyRecord } from "@aftercall/schema";
import { analyticsReads } from "../../src/analytics/analytics-reads.js";
import { breakdown, summarize } from "../../src/analytics/rollup-query.js";
import { CSV_COLUMNS } from "../../src/http/csv-export.js";
import { commitSurveyGroups } from "../../src/ingest/commit.js";
import { submissionHash } from "../../src/ingest/content-hash.js";
import { insertProject } from "../../src/projects/project-store.js";
import type { Database } from "../../src/store/database.js";
import type { SurveyQuery } from "../../src/surveys/survey-query.js";
import { listSurveys } from "../../src/surveys/survey-reads.js";
import { type MakeDatabase, onEveryEngine } from "../support/engines.js";
import { OPERATOR_TOKEN, startTestApp, type TestProject } from "../support/test-app.js";

const T0 = Date.parse("2026-05-04T08:00:00.000Z");
const MINUTE = 60_000;

/** Survey i (1-based) is received at T0 + i minutes; suggestions in several scripts and with wildcards. */
const DATA: Array<Partial<SurveySubmission>> = [
  /* 1 */ {
    overallRating: { score: 2, improvementSuggestion: "Die ÜBERTRAGUNG brach ab" },
    appVersion: "2.0.0",
    platform: "web",
  },
  /* 2 */ {
    overallRating: { score: 5 },
    audioRating: { score: 3, improvementSuggestion: "100% echo_chamber" },
    appVersion: "2.1.0",
    platform: "web",
  },
  /* 3 */ {
    overallRating: { score: 4 },
    videoRating: { score: 1, improvementSuggestion: "ПЛОХОЕ видео, Σ" },
    appVersion: "2.1.0",
    platform: "ios",
  },
  /* 4 */ { overallRating: { score: 3 }, appVersion: "2.1.0" },
  /* 5 */ {
    overallRating: { score: 1, improvementSuggestion: "echo everywhere" },
    screenshareRating: { score: 2, improvementSuggestion: "Screen froze" },
  },
];

function submissions(): SurveySubmission[] {
  return DATA.map((fields, i) => ({
    id: randomUUID(),
    callId: `call-${i + 1}`,
    participantId: `participant-${i + 1}`,
    clientTime: "2026-05-04T08:00:00.000Z",
    ...fields,
  }));
}

/** Which of the surveys 1–5 a query selects, by their call ids. */
async function selected(db: Database, query: SurveyQuery): Promise<number[]> {
  const page = await listSurveys(db, "p", query, { limit: 50 });
  return page.items.map((s) => Number(s.callId.slice("call-".length))).sort((a, b) => a - b);
}

function explorerContract(name: string, makeDatabase: MakeDatabase): void {
  describe(`${name}: q and context filters`, () => {
    let db: Database;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ db, cleanup } = await makeDatabase());
      await insertProject(db, {
        id: "p",
        name: "p",
        allowedOrigins: [],
        requireOverallRating: false,
        resourceId: defaultResourceId("p"),
      });
      const pending = submissions().map((sub, i) => ({
        record: toSurveyRecord(sub, { projectId: "p", receivedAt: new Date(T0 + (i + 1) * MINUTE) }),
        contentHash: submissionHash(sub),
      }));
      await commitSurveyGroups(
        db,
        pending.map((p) => [p]),
      );
    });
    after(() => cleanup());

    it("q: case-insensitive substring of any category's suggestion, non-ASCII folded too", async () => {
      assert.deepEqual(await selected(db, { q: "übertragung" }), [1]);
      assert.deepEqual(await selected(db, { q: "Brach AB" }), [1]);
      assert.deepEqual(await selected(db, { q: "плохое" }), [3]);
      assert.deepEqual(await selected(db, { q: "σ" }), [3]);
      assert.deepEqual(await selected(db, { q: "ECHO" }), [2, 5]);
      assert.deepEqual(await selected(db, { q: "froze" }), [5]); // screenshare's suggestion
      assert.deepEqual(await selected(db, { q: "nothing like this" }), []);
    });

    it("q: LIKE wildcards and the escape character match literally", async () => {
      assert.deepEqual(await selected(db, { q: "%" }), [2]);
      assert.deepEqual(await selected(db, { q: "_" }), [2]);
      assert.deepEqual(await selected(db, { q: "o_c" }), [2]);
      assert.deepEqual(await selected(db, { q: "o%c" }), []);
      assert.deepEqual(await selected(db, { q: "\\" }), []);
    });

    it("q and context filters combine with the others, in analytics too", async () => {
      assert.deepEqual(await selected(db, { q: "echo", toMs: T0 + 3 * MINUTE }), [2]);
      assert.deepEqual(await selected(db, { appVersion: "2.1.0" }), [2, 3, 4]);
      assert.deepEqual(await selected(db, { appVersion: "2.1.0", platform: "web" }), [2]);
      assert.deepEqual(await selected(db, { platform: "android" }), []);
      const summary = await summarize(analyticsReads(db, "auto"), "p", { q: "echo" });
      // Surveys 2 and 5: overall 5 and 1 (1 poor), audio 3, screenshare 2 (poor).
      assert.equal(summary.surveys, 2);
      assert.deepEqual(
        summary.categories.map((c) => [c.category, c.surveys, c.poor]),
        [
          ["overall", 2, 1],
          ["audio", 1, 0],
          ["video", 0, 0],
          ["screenshare", 1, 1],
        ],
      );
      const byVersion = await breakdown(
        analyticsReads(db, "auto"),
        "p",
        { platform: "web" },
        "overall",
        "appVersion",
      );
      assert.deepEqual(byVersion.map((r) => [r.value, r.surveys, r.poor]).sort(), [
        ["2.0.0", 1, 1],
        ["2.1.0", 1, 0],
      ]);
    });
  });
}

onEveryEngine("explorer", explorerContract);

// ---------------------------------------------------------------------------------------------------
// HTTP

/** A strict RFC 4180 reader for the test: CRLF records, quoted fields with doubled quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  while (i < text.length) {
    let field = "";
    if (text[i] === '"') {
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        assert.ok(quote >= 0, "unterminated quoted field");
        field += text.slice(i, quote);
        i = quote + 1;
        if (text[i] === '"') {
          field += '"';
          i++;
        } else break;
      }
    } else {
      while (i < text.length && text[i] !== "," && text[i] !== "\r") field += text[i++];
      assert.ok(!field.includes('"') && !field.includes("\n"), `bare quote or LF in ${field}`);
    }
    row.push(field);
    if (text[i] === ",") i++;
    else {
      assert.equal(text.slice(i, i + 2), "\r\n", "records end with CRLF");
      i += 2;
      rows.push(row);
      row = [];
    }
  }
  return rows;
}

describe("explorer and analytics endpoints", () => {
  type Ctx = Awaited<ReturnType<typeof startTestApp>>;
  let t: Ctx;
  let p: TestProject;
  let other: TestProject;
  let clock = T0;
  const hostile = {
    callId: '=HYPERLINK("http://evil.example","click")',
    participantId: "@SUM(A1:A9)",
    appVersion: "+1-2",
    platform: "-cmd",
    browser: " @Spaced, with comma",
    overallRating: {
      score: 1,
      issues: ["HadToRejoin", "OtherIssues"],
      improvementSuggestion: 'He said "hi",\r\nthen =1+1',
    },
    dimensions: { team: "=evil" },
  };

  const post = (project: TestProject, sub: unknown) =>
    t.app.fastify.inject({
      method: "POST",
      url: "/v1/surveys",
      headers: { authorization: `Bearer ${project.ingestKey}` },
      payload: sub as Record<string, unknown>,
    });

  before(async () => {
    t = await startTestApp({ now: () => new Date(clock) });
    p = await t.addProject({ id: "pp", name: "P", requireOverallRating: false });
    other = await t.addProject({ id: "qq", name: "Q", requireOverallRating: false });
    for (const [i, sub] of submissions().entries()) {
      clock = T0 + (i + 1) * MINUTE;
      assert.equal((await post(p, sub)).statusCode, 201);
    }
    clock = T0 + 6 * MINUTE;
    const h = await post(p, { ...hostile, id: randomUUID(), clientTime: "2026-05-04T08:00:00.000Z" });
    assert.equal(h.statusCode, 201, h.body);
    // Project qq: three surveys, overall 1, 1, 5 → 2 poor of 3.
    for (const score of [1, 1, 5]) {
      const sub = {
        id: randomUUID(),
        callId: "c",
        participantId: "x",
        clientTime: "2026-05-04T08:00:00.000Z",
      };
      assert.equal((await post(other, { ...sub, overallRating: { score } })).statusCode, 201);
    }
  });
  after(() => t.close());

  const get = (url: string, token = p.adminToken) =>
    t.app.fastify.inject({ method: "GET", url, headers: { authorization: `Bearer ${token}` } });

  it("GET /v1/surveys, /export and /analytics accept q", async () => {
    const list = (await get(`/v1/surveys?q=${encodeURIComponent("ÜBERTRAGUNG")}`)).json();
    assert.deepEqual(
      list.items.map((s: { callId: string }) => s.callId),
      ["call-1"],
    );
    const ndjson = (await get("/v1/surveys/export?q=echo")).body.trim().split("\n");
    assert.deepEqual(
      ndjson.map((l) => JSON.parse(l).callId),
      ["call-2", "call-5"],
    );
    const summary = (await get("/v1/analytics/summary?q=echo")).json();
    assert.equal(summary.surveys, 2);
    const bad = await get(`/v1/surveys?q=`);
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().message, /^q /);
  });

  it("GET /v1/surveys/export?format=csv: header, one row per survey, RFC 4180, no formulas", async () => {
    const res = await get("/v1/surveys/export?format=csv");
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers["content-type"], "text/csv; charset=utf-8; header=present");
    assert.match(String(res.headers["content-disposition"]), /filename="pp-surveys.csv"/);
    const rows = parseCsv(res.body);
    const header = rows[0] as string[];
    assert.deepEqual(header.slice(0, 16), [
      "id",
      "receivedAt",
      "clientTime",
      "callId",
      "participantId",
      "appVersion",
      "platform",
      "browser",
      "sdkVersion",
      "overallScore",
      "overallLower",
      "overallUpper",
      "overallThreshold",
      "overallPoor",
      "overallIssues",
      "overallSuggestion",
    ]);
    assert.deepEqual(header, CSV_COLUMNS);
    assert.equal(header.length, 9 + 4 * 7 + 1 + 7, "the call-quality columns appended last");
    assert.equal(rows.length, 1 + 6);
    for (const row of rows) assert.equal(row.length, header.length);
    const cell = (row: string[], column: string) => row[header.indexOf(column)];
    const first = rows[1] as string[];
    assert.deepEqual(
      ["callId", "receivedAt", "overallScore", "overallPoor", "overallSuggestion", "audioScore"].map((c) =>
        cell(first, c),
      ),
      ["call-1", "2026-05-04T08:01:00.000Z", "2", "true", "Die ÜBERTRAGUNG brach ab", ""],
    );
    const evil = rows[6] as string[];
    assert.equal(cell(evil, "callId"), '\'=HYPERLINK("http://evil.example","click")');
    assert.equal(cell(evil, "participantId"), "'@SUM(A1:A9)");
    assert.equal(cell(evil, "appVersion"), "'+1-2");
    assert.equal(cell(evil, "platform"), "'-cmd");
    assert.equal(cell(evil, "browser"), "' @Spaced, with comma");
    assert.equal(cell(evil, "overallIssues"), "HadToRejoin;OtherIssues");
    assert.equal(cell(evil, "overallSuggestion"), 'He said "hi",\r\nthen =1+1');
    assert.equal(cell(evil, "dimensions"), '{"team":"=evil"}');
    // Filters apply to CSV too.
    assert.equal(
      parseCsv((await get(`/v1/surveys/export?format=csv&q=${encodeURIComponent("плохое")}`)).body).length,
      2,
    );
    assert.equal((await get("/v1/surveys/export?format=xlsx")).statusCode, 400);
  });

  it("GET /v1/analytics/summary: responseRate from the lifecycle events of the range", async () => {
    const empty = (await get("/v1/analytics/summary")).json();
    assert.deepEqual(empty.responseRate, {
      shown: 0,
      submitted: 0,
      dismissed: 0,
      rate: null,
      low: null,
      high: null,
    });
    const event = (type: string) => ({
      id: randomUUID(),
      type,
      callId: "call-1",
      participantId: "p-1",
      clientTime: "2026-05-04T08:00:00Z",
      ...(type === "submitted" ? { surveyId: randomUUID() } : {}),
    });
    clock = T0 + 10 * MINUTE;
    const types = ["shown", "shown", "shown", "shown", "submitted", "submitted", "submitted", "dismissed"];
    const res = await t.app.fastify.inject({
      method: "POST",
      url: `/v1/events?key=${p.ingestKey}`,
      headers: { "content-type": "text/plain" },
      payload: JSON.stringify({ events: types.map(event) }),
    });
    assert.equal(res.statusCode, 200, res.body);
    const { responseRate } = (await get("/v1/analytics/summary")).json();
    // Wilson 3/4: z² = 3.8416, denominator 1 + z²/4 = 1.9604; centre (0.75 + 0.4802) / 1.9604 = 0.62753;
    // half-width 1.96 · sqrt(0.75 · 0.25 / 4 + 3.8416 / 64) / 1.9604 = 0.32689.
    assert.deepEqual([responseRate.shown, responseRate.submitted, responseRate.dismissed], [4, 3, 1]);
    assert.equal(responseRate.rate, 0.75);
    assert.ok(Math.abs(responseRate.low - 0.30064) < 1e-4, String(responseRate.low));
    assert.ok(Math.abs(responseRate.high - 0.95442) < 1e-4, String(responseRate.high));
    // Events outside the range do not count.
    const before = (await get(`/v1/analytics/summary?to=${new Date(T0 + 10 * MINUTE).toISOString()}`)).json();
    assert.equal(before.responseRate.shown, 0);
  });

  it("GET /v1/analytics/compare: cohorts from two projects with the operator token", async () => {
    // a = pp overall: scores 2, 5, 4, 3, 1, 1 → poor (≤ 2): 2, 1, 1 → 3 of 6; b = qq: 2 of 3.
    const res = await get("/v1/analytics/compare?a.projectId=pp&b.projectId=qq", OPERATOR_TOKEN);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.deepEqual(
      [body.a.projectId, body.a.surveys, body.a.poor, body.b.projectId, body.b.surveys, body.b.poor],
      ["pp", 6, 3, "qq", 3, 2],
    );
    assert.ok(Math.abs(body.difference - (0.5 - 2 / 3)) < 1e-12);
    // Shared projectId for one side, own for the other; cohort filters still apply.
    const mixed = (
      await get("/v1/analytics/compare?projectId=pp&a.appVersion=2.1.0&b.projectId=qq", OPERATOR_TOKEN)
    ).json();
    assert.deepEqual([mixed.a.projectId, mixed.a.surveys, mixed.a.poor], ["pp", 3, 0]);
    assert.deepEqual([mixed.b.projectId, mixed.b.surveys], ["qq", 3]);
    // The project's admin token names its own project: fine.
    assert.equal((await get("/v1/analytics/compare?a.projectId=pp&b.projectId=pp")).statusCode, 200);
  });

  it("GET /v1/analytics/compare: 404 for a project out of reach, 400 without a project", async () => {
    const admin = await get("/v1/analytics/compare?a.projectId=pp&b.projectId=qq");
    assert.equal(admin.statusCode, 404);
    assert.equal(admin.json().code, "NOT_FOUND");
    assert.match(admin.json().message, /^b\.projectId: .*operator token/);
    const missing = await get("/v1/analytics/compare?a.projectId=nope&b.projectId=qq", OPERATOR_TOKEN);
    assert.equal(missing.statusCode, 404);
    assert.match(missing.json().message, /^a\.projectId: Project "nope" was not found/);
    const none = await get("/v1/analytics/compare?a.projectId=pp", OPERATOR_TOKEN);
    assert.equal(none.statusCode, 400);
    assert.equal(none.json().code, "INVALID_PARAMETER");
    assert.match(none.json().message, /^b\.projectId/);
    const ingest = await get("/v1/analytics/compare?a.projectId=pp&b.projectId=qq", other.ingestKey);
    assert.equal(ingest.statusCode, 403);
  });
});
