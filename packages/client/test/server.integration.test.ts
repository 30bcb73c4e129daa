import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DEFAULT_SURVEY_CONFIG, toSurveyResponse } from "@aftercall/schema";
import { countEvents } from "../../server/src/events/survey-events.js";
import { updateSurveyConfig } from "../../server/src/projects/project-store.js";
import { type RunningServer, startServer } from "../../server/src/server.js";
import { countSurveys, getSurvey } from "../../server/src/surveys/survey-reads.js";
import {
  type CallSurvey,
  createSurveyClient,
  memoryStorage,
  type SurveyClientOptions,
} from "../src/index.js";

/** A port nothing listens on: bind one, then free it. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const survey: CallSurvey = {
  overallRating: { score: 2, issues: ["CallEndedUnexpectedly"], improvementSuggestion: "Fewer drops" },
  audioRating: { score: 1, issues: ["Echo", "LowVolume"] },
  videoRating: { score: 7, scale: { lowerBound: 0, upperBound: 10, lowScoreThreshold: 6 } },
};

describe("against a real Aftercall server", () => {
  let server: RunningServer;
  let dataDir: string;
  let key: string;
  const client = (extra: Partial<SurveyClientOptions> = {}) =>
    createSurveyClient({ endpoint: server.url, projectKey: key, storage: memoryStorage(), ...extra });

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "aftercall-client-"));
    server = await startServer({
      host: "127.0.0.1",
      port: 0,
      store: { engine: "sqlite", dataDir },
      logLevel: "silent",
      keyCacheSeconds: 0,
    });
    key = server.firstProject?.ingestKey.token ?? assert.fail("no first project");
  });
  after(async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("submits a survey that the server stores with exactly the values sent", async () => {
    const surveys = client({
      context: { appVersion: "4.2.0", platform: "web", dimensions: { region: "eu-west" } },
    });
    const result = await surveys.forCall({ callId: "call-int-1", participantId: "alice" }).send(survey);
    assert.ok(result.ok);
    assert.equal(result.status, "delivered");
    const stored = await getSurvey(server.db, "demo", result.response.id);
    assert.ok(stored);
    assert.deepEqual(
      { ...stored, receivedAt: "" },
      {
        schemaVersion: 1,
        id: result.response.id,
        projectId: "demo",
        receivedAt: "",
        clientTime: stored.clientTime,
        callId: "call-int-1",
        participantId: "alice",
        appVersion: "4.2.0",
        platform: "web",
        sdkVersion: "0.1.0",
        dimensions: { region: "eu-west" },
        ratings: {
          overall: {
            score: 2,
            scale: { lowerBound: 1, upperBound: 5, lowScoreThreshold: 2 },
            issues: ["CallEndedUnexpectedly"],
            improvementSuggestion: "Fewer drops",
            normalizedScore: 0.25,
            poor: true,
          },
          audio: {
            score: 1,
            scale: { lowerBound: 1, upperBound: 5, lowScoreThreshold: 2 },
            issues: ["Echo", "LowVolume"],
            normalizedScore: 0,
            poor: true,
          },
          video: {
            score: 7,
            scale: { lowerBound: 0, upperBound: 10, lowScoreThreshold: 6 },
            issues: [],
            normalizedScore: 0.7,
            poor: false,
          },
        },
      },
    );
    assert.ok(Math.abs(Date.parse(stored.clientTime) - Date.now()) < 10_000);
    // The response the client builds is the one the server answers.
    assert.deepEqual(result.response, toSurveyResponse(stored));
    await surveys.flush();
  });

  it("queues while the server is unreachable and delivers exactly once from the next page load", async () => {
    const storage = memoryStorage();
    const before = await countSurveys(server.db, "demo");
    const offline = createSurveyClient({
      endpoint: `http://127.0.0.1:${await closedPort()}`,
      projectKey: key,
      storage,
      retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
    });
    const queued = await offline.forCall({ callId: "call-int-2", participantId: "bob" }).send(survey);
    assert.equal(queued.ok && queued.status, "queued");
    const outboxBefore = await storage.getItem(`aftercall:${key}:outbox`);

    const online = client({ storage });
    await online.flush();
    assert.equal(await online.pending(), 0);
    assert.equal(await countSurveys(server.db, "demo"), before + 1);
    const stored = await getSurvey(server.db, "demo", queued.ok ? queued.response.id : "");
    assert.deepEqual(queued.ok && queued.response, stored && toSurveyResponse(stored));

    // The same outbox delivered again (a beacon that did arrive, another tab): still stored once.
    const replayStorage = memoryStorage();
    await replayStorage.setItem(`aftercall:${key}:outbox`, outboxBefore ?? "[]");
    const replay = client({ storage: replayStorage });
    await replay.flush();
    assert.equal(await replay.pending(), 0);
    assert.equal(await countSurveys(server.db, "demo"), before + 1);
  });

  it("records lifecycle events", async () => {
    const start = await countEvents(server.db, "demo");
    const surveys = client();
    const feature = surveys.forCall({ callId: "call-int-3", participantId: "carol" });
    await feature.track("shown");
    await feature.send({ overallRating: { score: 5 } });
    await surveys.forCall({ callId: "call-int-4", participantId: "carol" }).track("dismissed");
    await surveys.flush();
    assert.equal(await surveys.pending(), 0);
    const counts = await countEvents(server.db, "demo");
    assert.deepEqual(counts, {
      shown: start.shown + 1,
      submitted: start.submitted + 1,
      dismissed: start.dismissed + 1,
    });
  });

  it("reads the configuration set on the server and applies it", async () => {
    const config = {
      ...DEFAULT_SURVEY_CONFIG,
      sampleRate: 0,
      minCallDurationSeconds: 30,
      scales: { overall: { lowerBound: 0, upperBound: 10, lowScoreThreshold: 6 } },
    };
    await updateSurveyConfig(server.db, "demo", config);
    const surveys = client();
    assert.deepEqual(await surveys.getConfig(), { config, requireOverallRating: true, source: "server" });
    assert.deepEqual(await surveys.shouldAsk({ callId: "c", participantId: "p", durationSeconds: 10 }), {
      ask: false,
      reason: "too-short",
    });
    assert.deepEqual(await surveys.shouldAsk({ callId: "c", participantId: "p" }), {
      ask: false,
      reason: "sampled-out",
    });
    await updateSurveyConfig(server.db, "demo", { ...DEFAULT_SURVEY_CONFIG });
  });

  it("maps a wrong key to unauthorized without retrying or keeping the survey", async () => {
    const surveys = client({ projectKey: "ac_pk_not-a-real-key" });
    const result = await surveys
      .forCall({ callId: "c", participantId: "p" })
      .send({ overallRating: { score: 3 } });
    assert.equal(!result.ok && result.error.kind, "unauthorized");
    assert.equal(!result.ok && result.error.code, 401);
    assert.equal(await surveys.pending(), 0);
  });
});
