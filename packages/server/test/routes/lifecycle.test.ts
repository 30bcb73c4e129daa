/**
 * The data-protection API: a project's data policy (defaults, checks naming the field, redaction of
 * what arrives next), and erasures with their receipts, over HTTP.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DEFAULT_DATA_POLICY } from "@aftercall/api";
import { OPERATOR_TOKEN, startTestApp, survey, type TestProject } from "../support/test-app.js";

type Ctx = Awaited<ReturnType<typeof startTestApp>>;

describe("data policy: /v1/projects/{id}/data-policy", () => {
  let t: Ctx;
  let demo: TestProject;
  before(async () => {
    t = await startTestApp({ delivery: false, retention: false });
    demo = await t.addProject({ id: "demo", name: "Demo" });
  });
  after(() => t.close());

  const call = (method: "GET" | "PUT", payload?: unknown, token = demo.adminToken) =>
    t.app.fastify.inject({
      method,
      url: "/v1/projects/demo/data-policy",
      headers: { authorization: `Bearer ${token}` },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  it("keeps everything and redacts nothing until set; omitted parts take their defaults", async () => {
    assert.deepEqual((await call("GET")).json(), DEFAULT_DATA_POLICY);
    const put = await call("PUT", { retention: { surveysDays: 365, freeTextDays: 30 } });
    assert.equal(put.statusCode, 200, put.body);
    const expected = {
      retention: { surveysDays: 365, freeTextDays: 30, eventsDays: null },
      redaction: DEFAULT_DATA_POLICY.redaction,
    };
    assert.deepEqual(put.json(), expected);
    assert.deepEqual((await call("GET")).json(), expected);
  });

  it("refuses what it cannot apply, naming the field", async () => {
    const cases: Array<[unknown, string, string]> = [
      [{ retention: { surveysDays: 10, freeTextDays: 30 } }, "OUT_OF_RANGE", "retention.freeTextDays"],
      [{ redaction: { patterns: ["ok", "(unclosed"] } }, "INVALID_FORMAT", "redaction.patterns[1]"],
      [{ redaction: { patterns: [".*"] } }, "INVALID_FORMAT", "redaction.patterns[0]"],
    ];
    for (const [body, code, path] of cases) {
      const res = await call("PUT", body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.equal(res.json().code, "VALIDATION_FAILED");
      assert.deepEqual([res.json().errors[0].code, res.json().errors[0].path], [code, path]);
    }
    for (const body of [
      { retention: { surveysDays: 0 } },
      { retention: { weeks: 3 } },
      { redaction: { patterns: Array(21).fill("x") } },
    ]) {
      const res = await call("PUT", body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
    }
    assert.equal((await call("GET", undefined, demo.ingestKey)).statusCode, 403);
  });

  it("redacts what arrives next; a retry of the same survey still replays", async () => {
    await call("PUT", { redaction: { emailAddresses: true, phoneNumbers: true, patterns: ["ACME-\\d+"] } });
    const s = survey({
      overallRating: {
        score: 2,
        improvementSuggestion: "Mail jane@example.com or +44 20 7946 0958 re ACME-42",
      },
    });
    const post = () =>
      t.app.fastify.inject({
        method: "POST",
        url: "/v1/surveys",
        headers: { authorization: `Bearer ${demo.ingestKey}` },
        payload: s,
      });
    const first = await post();
    assert.equal(first.statusCode, 201, first.body);
    const retry = await post();
    assert.equal(retry.statusCode, 200, retry.body);
    const stored = await t.app.fastify.inject({
      method: "GET",
      url: `/v1/projects/demo/surveys/${s.id}`,
      headers: { authorization: `Bearer ${demo.adminToken}` },
    });
    assert.equal(
      stored.json().ratings.overall.improvementSuggestion,
      "Mail [email redacted] or [phone redacted] re [redacted]",
    );
  });
});

describe("erasures: /v1/projects/{id}/erasures", () => {
  let t: Ctx;
  let demo: TestProject;
  let archive: string;
  before(async () => {
    archive = await mkdtemp(join(tmpdir(), "aftercall-erasure-archive-"));
    // Delivery off: the destination below keeps everything pending, so erasure has entries to delete.
    t = await startTestApp({ delivery: false, retention: false });
    demo = await t.addProject({ id: "demo", name: "Demo" });
    const setting = await t.app.fastify.inject({
      method: "POST",
      url: "/v1/projects/demo/diagnostic-settings",
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
      payload: { name: "archive", destinations: { directory: { path: archive } } },
    });
    assert.equal(setting.statusCode, 201, setting.body);
    for (let i = 0; i < 6; i++) {
      const res = await t.app.fastify.inject({
        method: "POST",
        url: "/v1/surveys",
        headers: { authorization: `Bearer ${demo.ingestKey}` },
        payload: survey({ participantId: i < 4 ? "alice" : "bob", callId: `call-${i}` }),
      });
      assert.equal(res.statusCode, 201);
    }
  });
  after(async () => {
    await t.close();
    await rm(archive, { recursive: true, force: true });
  });

  const call = (method: "GET" | "POST", url: string, payload?: unknown, token = demo.adminToken) =>
    t.app.fastify.inject({
      method,
      url: `/v1/projects/demo/erasures${url}`,
      headers: { authorization: `Bearer ${token}` },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  it("erases a participant with a receipt; the same id answers the first receipt", async () => {
    const first = await call("POST", "", { participantId: "alice", id: "ticket-000123" });
    assert.equal(first.statusCode, 201, first.body);
    assert.deepEqual(
      [
        first.json().surveys,
        first.json().pendingDeliveries,
        first.json().selector,
        first.json().requestedBy.length > 0,
      ],
      [4, 4, "participantId", true],
    );
    const again = await call("POST", "", { participantId: "alice", id: "ticket-000123" });
    assert.equal(again.statusCode, 200);
    assert.deepEqual(again.json(), first.json());
    const list = await call("GET", "?limit=10");
    assert.deepEqual(
      list.json().items.map((r: { id: string }) => r.id),
      ["ticket-000123"],
    );
    assert.deepEqual((await call("GET", "/ticket-000123")).json(), first.json());
    assert.equal((await call("GET", "/nope-nope-nope")).statusCode, 404);
    const surveys = await t.app.fastify.inject({
      method: "GET",
      url: "/v1/projects/demo/surveys?participantId=alice",
      headers: { authorization: `Bearer ${demo.adminToken}` },
    });
    assert.equal(surveys.json().items.length, 0);
  });

  it("needs exactly one selector, and an admin", async () => {
    for (const body of [{}, { participantId: "bob", callId: "call-5" }]) {
      const res = await call("POST", "", body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.equal(res.json().code, "VALIDATION_FAILED");
    }
    assert.equal((await call("POST", "", { callId: "call-5" }, demo.ingestKey)).statusCode, 403);
    const byCall = await call("POST", "", { callId: "call-5" });
    assert.equal(byCall.statusCode, 201);
    assert.equal(byCall.json().surveys, 1);
  });
});
