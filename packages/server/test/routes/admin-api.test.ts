import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { OPERATOR_TOKEN, startTestApp, survey, type TestProject } from "../support/test-app.js";

type Ctx = Awaited<ReturnType<typeof startTestApp>>;

describe("admin reads: GET /v1/surveys", () => {
  let t: Ctx;
  let demo: TestProject;
  let clock = Date.parse("2026-11-01T00:00:00.000Z");
  const ids: string[] = [];

  before(async () => {
    t = await startTestApp({ now: () => new Date(clock) });
    demo = await t.addProject({ id: "demo", name: "Demo" });
    // 12 surveys, one minute apart; every third has poor audio with Echo, every fourth poor video.
    for (let i = 0; i < 12; i++) {
      clock += 60_000;
      const s = survey({
        callId: i < 6 ? "call-a" : "call-b",
        audioRating: i % 3 === 0 ? { score: 1, issues: ["Echo"] } : { score: 5 },
        ...(i % 4 === 0 ? { videoRating: { score: 2, issues: ["Freezes"] } } : {}),
      });
      const res = await t.app.fastify.inject({
        method: "POST",
        url: "/v1/surveys",
        headers: { authorization: `Bearer ${demo.ingestKey}` },
        payload: s,
      });
      assert.equal(res.statusCode, 201);
      ids.push(s.id as string);
    }
  });
  after(() => t.close());

  const get = (url: string, token = demo.adminToken) =>
    t.app.fastify.inject({ method: "GET", url, headers: { authorization: `Bearer ${token}` } });

  it("pages newest first with a cursor, each survey exactly once", async () => {
    const seen: string[] = [];
    let url = "/v1/surveys?limit=5";
    for (;;) {
      const body = (await get(url)).json();
      seen.push(...body.items.map((s: { id: string }) => s.id));
      if (!body.nextCursor) break;
      url = `/v1/surveys?limit=5&cursor=${body.nextCursor}`;
    }
    assert.deepEqual(seen, [...ids].reverse());
  });

  it("filters by time range, poor category, tag, callId", async () => {
    const count = async (q: string) => (await get(`/v1/surveys?limit=100&${q}`)).json().items.length;
    assert.equal(await count("poor=audio"), 4);
    assert.equal(await count("poor=video"), 3);
    assert.equal(await count("poor=audio,video"), 6); // i = 0, 3, 4, 6, 8, 9
    assert.equal(await count("tag=audio:Echo"), 4);
    assert.equal(await count("tag=video:Freezes"), 3);
    assert.equal(await count("callId=call-a"), 6);
    assert.equal(await count("from=2026-11-01T00:05:00.000Z&to=2026-11-01T00:08:00.000Z"), 3);
  });

  it("answers bad parameters with 400 INVALID_PARAMETER naming the parameter", async () => {
    for (const q of [
      "poor=smell",
      "tag=audio:Freezes",
      "tag=Echo",
      "from=yesterday",
      "limit=0",
      "limit=9999",
      "limit=1e2",
      "cursor=%21%21",
      "cursor=AAAA",
      "participantID=x",
      "tag=audio:Echo:zzz",
    ]) {
      const res = await get(`/v1/surveys?${q}`);
      assert.equal(res.statusCode, 400, q);
      assert.equal(res.json().code, "INVALID_PARAMETER", q);
      assert.match(res.json().message, new RegExp(q.split("=")[0] as string), q);
    }
  });

  it("gets one survey by id and answers 404 for an unknown one", async () => {
    const res = await get(`/v1/surveys/${ids[0]}`);
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().id, ids[0]);
    assert.equal((await get(`/v1/surveys/${crypto.randomUUID()}`)).statusCode, 404);
  });

  it("streams NDJSON exports, native and ACS", async () => {
    const native = (await get("/v1/surveys/export")).body
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      native.map((r) => r.id),
      ids,
    );
    const acs = await get("/v1/surveys/export?format=acs&poor=audio");
    assert.equal(acs.headers["content-type"], "application/x-ndjson; charset=utf-8");
    const records = acs.body
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.equal(records.length, 4);
    assert.equal(records[0].category, "CallSurvey");
    assert.equal(records[0].properties.AudioIssues, "Echo");
    assert.equal(records[0].properties.AudioRatingScoreThreshold, 2);
    assert.match(records[0].resourceId, /COMMUNICATIONSERVICES\/DEMO$/);
  });

  it("refuses ingest keys for reads (403) and missing tokens (401)", async () => {
    assert.equal((await get("/v1/surveys", demo.ingestKey)).statusCode, 403);
    const anonymous = await t.app.fastify.inject({ method: "GET", url: "/v1/surveys" });
    assert.equal(anonymous.statusCode, 401);
  });

  it("lets the operator read any project by projectId, and requires it", async () => {
    assert.equal((await get("/v1/surveys?projectId=demo&limit=1", OPERATOR_TOKEN)).json().items.length, 1);
    assert.equal((await get("/v1/surveys", OPERATOR_TOKEN)).json().code, "INVALID_PARAMETER");
    assert.equal((await get("/v1/surveys?projectId=nope", OPERATOR_TOKEN)).statusCode, 404);
  });
});

describe("projects and keys", () => {
  let t: Ctx;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  const call = (method: "GET" | "POST" | "DELETE", url: string, token: string, payload?: unknown) =>
    t.app.fastify.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });

  it("creates a project with the operator token and returns its keys once", async () => {
    const res = await call("POST", "/v1/projects", OPERATOR_TOKEN, {
      name: "Acme Calls",
      allowedOrigins: ["https://acme.test"],
    });
    assert.equal(res.statusCode, 201);
    const body = res.json();
    assert.equal(body.project.id, "acme-calls");
    assert.match(body.ingestKey.token, /^ac_pk_/);
    assert.match(body.adminToken.token, /^ac_sk_/);
    const listed = (await call("GET", "/v1/projects/acme-calls/keys", body.adminToken.token)).json().items;
    const admin = listed.find((k: { kind: string }) => k.kind === "admin");
    assert.equal(admin.token, undefined, "admin secrets are never listed");
    assert.equal(listed.find((k: { kind: string }) => k.kind === "ingest").token, body.ingestKey.token);
    assert.equal(
      (await call("POST", "/v1/projects", OPERATOR_TOKEN, { name: "Acme Calls" })).json().code,
      "PROJECT_EXISTS",
    );
  });

  it("refuses project creation without the operator token and bad input", async () => {
    const { adminToken } = (await call("POST", "/v1/projects", OPERATOR_TOKEN, { name: "Mine" })).json();
    assert.equal((await call("POST", "/v1/projects", adminToken.token, { name: "Theirs" })).statusCode, 403);
    assert.equal(
      (await call("POST", "/v1/projects", OPERATOR_TOKEN, { name: "X", id: "Bad Id" })).statusCode,
      400,
    );
    assert.equal(
      (await call("POST", "/v1/projects", OPERATOR_TOKEN, { name: "Y", allowedOrigins: ["not a url"] }))
        .statusCode,
      400,
    );
    assert.equal(
      (await call("POST", "/v1/projects", OPERATOR_TOKEN, { name: "Z", colour: "red" })).statusCode,
      400,
    );
  });

  it("lists only the caller's project for an admin token, all for the operator", async () => {
    const { adminToken } = (await call("POST", "/v1/projects", OPERATOR_TOKEN, { name: "Solo" })).json();
    const own = (await call("GET", "/v1/projects", adminToken.token)).json().items;
    assert.deepEqual(
      own.map((p: { id: string }) => p.id),
      ["solo"],
    );
    assert.ok((await call("GET", "/v1/projects", OPERATOR_TOKEN)).json().items.length >= 3);
    assert.equal((await call("GET", "/v1/projects/acme-calls", adminToken.token)).statusCode, 404);
  });

  it("creates and revokes keys; a revoked admin token stops working", async () => {
    const { adminToken } = (await call("POST", "/v1/projects", OPERATOR_TOKEN, { name: "Keys" })).json();
    const created = await call("POST", "/v1/projects/keys/keys", adminToken.token, {
      kind: "admin",
      label: "ci",
    });
    assert.equal(created.statusCode, 201);
    const second = created.json();
    assert.equal(
      (await call("DELETE", `/v1/projects/keys/keys/${adminToken.id}`, second.token)).statusCode,
      204,
    );
    assert.equal((await call("GET", "/v1/projects/keys", adminToken.token)).statusCode, 401);
    assert.equal((await call("GET", "/v1/projects/keys", second.token)).statusCode, 200);
    assert.equal(
      (await call("DELETE", `/v1/projects/keys/keys/${adminToken.id}`, second.token)).statusCode,
      404,
    );
  });
});

describe("system endpoints", () => {
  let t: Ctx;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  it("serves health and readiness", async () => {
    assert.equal((await t.app.fastify.inject("/healthz")).json().status, "ok");
    assert.deepEqual((await t.app.fastify.inject("/readyz")).json(), { status: "ready", store: "sqlite" });
  });

  it("answers unknown routes with a JSON 404", async () => {
    const res = await t.app.fastify.inject("/nope?key=secret");
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().code, "NOT_FOUND");
    assert.doesNotMatch(res.body, /secret/);
  });
});
