import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DEFAULT_SURVEY_CONFIG } from "@aftercall/schema";
import { countEvents } from "../../src/events/survey-events.js";
import { startTestApp, type TestProject } from "../support/test-app.js";

type Ctx = Awaited<ReturnType<typeof startTestApp>>;

describe("remote survey configuration", () => {
  let t: Ctx;
  let demo: TestProject;
  before(async () => {
    t = await startTestApp();
    demo = await t.addProject({ id: "demo", name: "Demo", allowedOrigins: ["https://app.example.com"] });
  });
  after(() => t.close());

  const getConfig = (headers: Record<string, string> = {}) =>
    t.app.fastify.inject({ method: "GET", url: `/v1/config?key=${demo.ingestKey}`, headers });
  const putConfig = (payload: unknown, token = demo.adminToken) =>
    t.app.fastify.inject({
      method: "PUT",
      url: "/v1/projects/demo/config",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      payload: JSON.stringify(payload),
    });

  it("serves the defaults to an ingest key, with CORS for allowed origins", async () => {
    const res = await getConfig({ origin: "https://app.example.com" });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), {
      projectId: "demo",
      requireOverallRating: true,
      config: DEFAULT_SURVEY_CONFIG,
    });
    assert.equal(res.headers["access-control-allow-origin"], "https://app.example.com");
    assert.equal((await getConfig({ origin: "https://evil.example" })).statusCode, 403);
  });

  it("lets an admin replace the configuration; missing fields take defaults", async () => {
    const res = await putConfig({
      sampleRate: 0.25,
      cooldownDays: 7,
      scales: { overall: { lowerBound: 0, upperBound: 10, lowScoreThreshold: 6 } },
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().sampleRate, 0.25);
    assert.equal(res.json().detailsWhen, "poor");
    const served = (await getConfig()).json().config;
    assert.equal(served.cooldownDays, 7);
    assert.deepEqual(served.scales.overall, { lowerBound: 0, upperBound: 10, lowScoreThreshold: 6 });
  });

  it("refuses invalid configurations with field paths, and ingest keys", async () => {
    const bad = await putConfig({
      sampleRate: 2,
      categories: ["audio"],
      scales: { overall: { lowerBound: 5, upperBound: 5, lowScoreThreshold: 5 } },
      colour: 1,
    });
    assert.equal(bad.statusCode, 400);
    const paths = bad
      .json()
      .errors.map((e: { path: string }) => e.path)
      .sort();
    assert.deepEqual(paths, ["categories", "colour", "sampleRate", "scales.overall"]);
    assert.equal((await putConfig({}, demo.ingestKey)).statusCode, 403);
  });
});

describe("survey lifecycle events", () => {
  let t: Ctx;
  let demo: TestProject;
  before(async () => {
    t = await startTestApp();
    demo = await t.addProject({ id: "demo", name: "Demo" });
  });
  after(() => t.close());

  const event = (type: string, extra: Record<string, unknown> = {}) => ({
    id: crypto.randomUUID(),
    type,
    callId: "call-1",
    participantId: "p-1",
    clientTime: "2026-11-23T10:00:00Z",
    ...extra,
  });
  const postEvents = (events: unknown[]) =>
    t.app.fastify.inject({
      method: "POST",
      url: `/v1/events?key=${demo.ingestKey}`,
      headers: { "content-type": "text/plain" },
      payload: JSON.stringify({ events }),
    });

  it("stores events idempotently and reports the response rate", async () => {
    const shown = [event("shown"), event("shown"), event("shown"), event("shown")];
    const first = await postEvents([
      ...shown,
      event("dismissed"),
      event("submitted", { surveyId: crypto.randomUUID() }),
    ]);
    assert.equal(first.statusCode, 200);
    assert.deepEqual(first.json(), { accepted: 6, created: 6 });
    assert.deepEqual((await postEvents(shown)).json(), { accepted: 4, created: 0 });
    const summary = await t.app.fastify.inject({
      method: "GET",
      url: "/v1/events/summary",
      headers: { authorization: `Bearer ${demo.adminToken}` },
    });
    assert.deepEqual(summary.json(), { shown: 4, dismissed: 1, submitted: 1, responseRate: 0.25 });
  });

  it("rejects invalid events, naming them by index, and stores none of the request", async () => {
    const before = await countEvents(t.db, "demo");
    const res = await postEvents([event("shown"), event("submitted"), event("waved")]);
    assert.equal(res.statusCode, 400);
    const paths = res.json().errors.map((e: { path: string }) => e.path);
    assert.deepEqual(paths, ["events[1].surveyId", "events[2].type"]);
    assert.deepEqual(await countEvents(t.db, "demo"), before);
    assert.equal((await postEvents([])).statusCode, 400);
  });
});
