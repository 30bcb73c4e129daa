import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { listApiKeys, revokeApiKey } from "../../src/projects/project-store.js";
import { countSurveys, getSurvey, listSurveys } from "../../src/surveys/survey-reads.js";
import { startTestApp, survey, type TestProject } from "../support/test-app.js";

type Ctx = Awaited<ReturnType<typeof startTestApp>>;

describe("POST /v1/surveys (in-process, SQLite)", () => {
  let t: Ctx;
  let demo: TestProject;
  let other: TestProject;

  before(async () => {
    t = await startTestApp();
    demo = await t.addProject({ id: "demo", name: "Demo" });
    other = await t.addProject({ id: "other", name: "Other", allowedOrigins: ["https://app.example.com"] });
  });
  after(() => t.close());

  const post = (body: unknown, headers: Record<string, string> = {}, url = "/v1/surveys") =>
    t.app.fastify.inject({
      method: "POST",
      url,
      headers: { authorization: `Bearer ${demo.ingestKey}`, "content-type": "application/json", ...headers },
      payload: typeof body === "string" ? body : JSON.stringify(body),
    });

  it("stores a valid survey and answers 201 with the ACS-shaped response", async () => {
    const s = survey({
      audioRating: { score: 1, issues: ["Echo", "LowVolume"], improvementSuggestion: "echo!" },
    });
    const res = await post(s);
    assert.equal(res.statusCode, 201);
    assert.deepEqual(res.json(), {
      id: s.id,
      callId: s.callId,
      localParticipantId: s.participantId,
      overallRating: { score: 4, scale: { lowerBound: 1, upperBound: 5, lowScoreThreshold: 2 } },
      audioRating: {
        score: 1,
        scale: { lowerBound: 1, upperBound: 5, lowScoreThreshold: 2 },
        issues: ["Echo", "LowVolume"],
      },
    });
    const stored = await getSurvey(t.db, "demo", s.id as string);
    assert.equal(stored?.ratings.audio?.poor, true);
    assert.equal(stored?.ratings.audio?.improvementSuggestion, "echo!");
    assert.equal(stored?.ratings.overall?.normalizedScore, 0.75);
  });

  it("answers a retry with the same body, 200 and a replay header, and stores it once", async () => {
    const s = survey();
    const first = await post(s);
    const second = await post(s);
    assert.equal(first.statusCode, 201);
    assert.equal(second.statusCode, 200);
    assert.equal(second.headers["aftercall-idempotent-replay"], "true");
    assert.equal(second.body, first.body);
    const page = await listSurveys(t.db, "demo", { callId: s.callId as string }, { limit: 10 });
    assert.equal(page.items.length, 1);
  });

  it("refuses the same id with different content as 409 SURVEY_CONFLICT and keeps the original", async () => {
    const s = survey();
    assert.equal((await post(s)).statusCode, 201);
    const res = await post({ ...s, overallRating: { score: 1 } });
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().code, "SURVEY_CONFLICT");
    assert.equal((await getSurvey(t.db, "demo", s.id as string))?.ratings.overall?.score, 4);
  });

  it("treats an explicit default scale as the same content as no scale", async () => {
    const s = survey();
    assert.equal((await post(s)).statusCode, 201);
    const res = await post({
      ...s,
      overallRating: { score: 4, scale: { lowerBound: 1, upperBound: 5, lowScoreThreshold: 2 } },
    });
    assert.equal(res.statusCode, 200);
  });

  it("accepts text/plain bodies and the key as a query parameter (navigator.sendBeacon)", async () => {
    const s = survey();
    const res = await t.app.fastify.inject({
      method: "POST",
      url: `/v1/surveys?key=${demo.ingestKey}`,
      headers: { "content-type": "text/plain;charset=UTF-8" },
      payload: JSON.stringify(s),
    });
    assert.equal(res.statusCode, 201);
  });

  it("accepts the key in an x-aftercall-key header", async () => {
    const res = await post(survey(), { authorization: "", "x-aftercall-key": demo.ingestKey });
    assert.equal(res.statusCode, 201);
  });

  it("answers ACS validation messages with a code and the field path", async () => {
    const res = await post(survey({ overallRating: { score: 7 } }));
    assert.equal(res.statusCode, 400);
    const body = res.json();
    assert.equal(body.code, "VALIDATION_FAILED");
    assert.equal(body.message, "In default scale overallRating.score should be 1 to 5.");
    assert.deepEqual(body.errors, [
      {
        code: "SCORE_OUT_OF_DEFAULT_SCALE",
        path: "overallRating.score",
        message: "In default scale overallRating.score should be 1 to 5.",
      },
    ]);
    assert.ok(body.requestId);
  });

  it("lists every problem of a survey, not just the first", async () => {
    const res = await post(survey({ callId: "", videoRating: { score: 3, issues: ["Echo"] }, extra: 1 }));
    const codes = res.json().errors.map((e: { code: string; path: string }) => `${e.code}@${e.path}`);
    assert.deepEqual(codes.sort(), [
      "REQUIRED@callId",
      "UNKNOWN_FIELD@extra",
      "UNKNOWN_ISSUE_TAG@videoRating.issues[0]",
    ]);
  });

  it("requires overallRating unless the project allows otherwise", async () => {
    const strict = await post(survey({ overallRating: undefined, audioRating: { score: 3 } }));
    assert.equal(strict.json().errors[0].code, "OVERALL_RATING_REQUIRED");
    const lenient = await t.addProject({ id: "lenient", name: "Lenient", requireOverallRating: false });
    const res = await post(survey({ overallRating: undefined, audioRating: { score: 3 } }), {
      authorization: `Bearer ${lenient.ingestKey}`,
    });
    assert.equal(res.statusCode, 201);
    const empty = await post(survey({ overallRating: undefined }), {
      authorization: `Bearer ${lenient.ingestKey}`,
    });
    assert.equal(empty.json().message, "At least one survey rating is required.");
  });

  it("answers malformed bodies with 4xx codes, never 500", async () => {
    const cases: Array<[string, Record<string, string>, number, string]> = [
      ["{not json", {}, 400, "INVALID_JSON"],
      ["", {}, 400, "INVALID_JSON"],
      ["[]", {}, 400, "VALIDATION_FAILED"],
      ["null", {}, 400, "VALIDATION_FAILED"],
      ['"text"', {}, 400, "VALIDATION_FAILED"],
      ["<survey/>", { "content-type": "application/xml" }, 415, "UNSUPPORTED_MEDIA_TYPE"],
      [
        JSON.stringify(survey({ overallRating: { score: 4, improvementSuggestion: "x".repeat(70_000) } })),
        {},
        413,
        "PAYLOAD_TOO_LARGE",
      ],
    ];
    for (const [payload, headers, status, code] of cases) {
      const res = await post(payload, headers);
      assert.equal(res.statusCode, status, `${payload.slice(0, 20)} → ${res.body}`);
      assert.equal(res.json().code, code);
    }
  });

  it("accepts only ingest keys for submissions, never a secret admin token", async () => {
    const res = await post(survey(), { authorization: `Bearer ${demo.adminToken}` });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().code, "FORBIDDEN");
  });

  it("refuses missing, unknown and revoked keys with 401", async () => {
    assert.equal((await post(survey(), { authorization: "" })).json().code, "UNAUTHORIZED");
    assert.equal((await post(survey(), { authorization: "Bearer ac_pk_doesnotexist" })).statusCode, 401);
    const keys = await listApiKeys(t.db, "other");
    const ingest = keys.find((k) => k.kind === "ingest");
    assert.ok(ingest);
    await revokeApiKey(t.db, "other", ingest.id);
    assert.equal((await post(survey(), { authorization: `Bearer ${other.ingestKey}` })).statusCode, 401);
  });

  it("enforces a project's allowed origins and answers CORS preflights", async () => {
    const project = await t.addProject({
      id: "web",
      name: "Web",
      allowedOrigins: ["https://app.example.com"],
    });
    const auth = { authorization: `Bearer ${project.ingestKey}` };
    const allowed = await post(survey(), { ...auth, origin: "https://app.example.com" });
    assert.equal(allowed.statusCode, 201);
    assert.equal(allowed.headers["access-control-allow-origin"], "https://app.example.com");
    const denied = await post(survey(), { ...auth, origin: "https://evil.example" });
    assert.equal(denied.statusCode, 403);
    assert.equal(denied.json().code, "ORIGIN_NOT_ALLOWED");
    const preflight = await t.app.fastify.inject({
      method: "OPTIONS",
      url: "/v1/surveys",
      headers: { origin: "https://app.example.com", "access-control-request-method": "POST" },
    });
    assert.equal(preflight.statusCode, 204);
    assert.match(String(preflight.headers["access-control-allow-headers"]), /authorization/);
  });

  it("never lets a key of one project touch another project's surveys", async () => {
    const s = survey();
    await post(s);
    const b = await t.addProject({ id: "project-b", name: "B" });
    const read = await t.app.fastify.inject({
      method: "GET",
      url: `/v1/surveys/${s.id}`,
      headers: { authorization: `Bearer ${b.adminToken}` },
    });
    assert.equal(read.statusCode, 404);
    const cross = await t.app.fastify.inject({
      method: "GET",
      url: "/v1/surveys?projectId=demo",
      headers: { authorization: `Bearer ${b.adminToken}` },
    });
    assert.equal(cross.statusCode, 404);
    // The same survey id in project B is a different survey, not a conflict.
    const res = await post({ ...s, overallRating: { score: 1 } }, { authorization: `Bearer ${b.ingestKey}` });
    assert.equal(res.statusCode, 201);
  });
});

describe("POST /v1/surveys/batch", () => {
  let t: Ctx;
  let demo: TestProject;
  before(async () => {
    t = await startTestApp();
    demo = await t.addProject({ id: "demo", name: "Demo" });
  });
  after(() => t.close());

  const batch = (payload: unknown) =>
    t.app.fastify.inject({
      method: "POST",
      url: "/v1/surveys/batch",
      headers: { authorization: `Bearer ${demo.ingestKey}`, "content-type": "application/json" },
      payload: JSON.stringify(payload),
    });

  it("stores all surveys and reports which were new", async () => {
    const a = survey();
    const b = survey();
    const first = await batch({ surveys: [a, b] });
    assert.equal(first.statusCode, 200);
    assert.deepEqual(
      first.json().results.map((r: { id: string; created: boolean }) => [r.id, r.created]),
      [
        [a.id, true],
        [b.id, true],
      ],
    );
    const again = await batch({ surveys: [a, survey()] });
    assert.deepEqual(
      again.json().results.map((r: { created: boolean }) => r.created),
      [false, true],
    );
    assert.equal(await countSurveys(t.db, "demo"), 3);
  });

  it("writes nothing when one survey is invalid, naming it by index", async () => {
    const before = await countSurveys(t.db, "demo");
    const res = await batch({ surveys: [survey(), survey({ audioRating: { score: 0 } })] });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().errors[0].path, "surveys[1].audioRating.score");
    assert.equal(res.json().message, "surveys[1]: In default scale audioRating.score should be 1 to 5.");
    assert.equal(await countSurveys(t.db, "demo"), before);
  });

  it("writes nothing when one survey conflicts with a stored one", async () => {
    const stored = survey();
    await batch({ surveys: [stored] });
    const before = await countSurveys(t.db, "demo");
    const res = await batch({ surveys: [survey(), { ...stored, callId: "changed" }] });
    assert.equal(res.statusCode, 409);
    assert.equal(await countSurveys(t.db, "demo"), before);
  });

  it("refuses two different surveys with one id in the same batch", async () => {
    const s = survey();
    const res = await batch({ surveys: [s, { ...s, callId: "other" }] });
    assert.equal(res.statusCode, 409);
  });

  it("refuses an empty or oversized batch and unknown fields", async () => {
    assert.equal((await batch({ surveys: [] })).statusCode, 400);
    assert.equal((await batch({})).statusCode, 400);
    assert.equal(
      (await batch({ surveys: Array.from({ length: 501 }, () => survey()) })).json().code,
      "VALIDATION_FAILED",
    );
    assert.equal((await batch({ surveys: [survey()], extra: true })).json().errors[0].code, "UNKNOWN_FIELD");
  });
});
