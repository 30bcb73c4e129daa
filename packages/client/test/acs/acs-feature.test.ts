import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type {
  CallFeatureCtor,
  CallSurveyFeature,
  CommunicationServicesError,
} from "@azure/communication-calling";
import { AcsSurveyError } from "../../src/acs/errors.js";
import { type AcsCallContext, AftercallCallSurvey, configureAftercall } from "../../src/acs/feature.js";
import { memoryStorage, type SurveyStorage } from "../../src/index.js";
import { fakeFetch, json, options } from "../support.js";

// The feature must be what ACS's `call.feature()` expects: a constructor taking ACS's context that
// builds a `CallSurveyFeature` (the runtime dispatch is exercised in Chromium, e2e/acs-feature.e2e.test.ts).
const ctor: CallFeatureCtor<CallSurveyFeature> = AftercallCallSurvey;
void ctor;

/** The part of an ACS call the feature reads, typed by ACS's declarations (`Call.id`, `Call.info.participantId`). */
const context: AcsCallContext = { call: { id: "acs-call-1", info: { participantId: "acs-participant-7" } } };

/** Ids of the surveys waiting in the client's outbox. */
const queuedSurveys = async (storage: SurveyStorage): Promise<string[]> =>
  (
    JSON.parse((await storage.getItem("aftercall:ac_pk_test:outbox")) ?? "[]") as {
      kind: string;
      id: string;
    }[]
  )
    .filter((item) => item.kind === "survey")
    .map((item) => item.id);

const errorOf = async (promise: Promise<unknown>): Promise<AcsSurveyError> => {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof AcsSurveyError, `not an AcsSurveyError: ${e}`);
    return e;
  }
  assert.fail("submitSurvey resolved");
};

describe("Aftercall's survey as an ACS call feature", () => {
  it("refuses with a setup error until configureAftercall ran", async () => {
    const error = await errorOf(
      new AftercallCallSurvey(context).submitSurvey({ overallRating: { score: 4 } }),
    );
    assert.deepEqual([error.name, error.code, error.kind], ["CallingCommunicationError", 412, "config"]);
    assert.match(error.message, /configureAftercall/);
  });

  it("sends for the call's id and local participant id and answers as ACS does, echoing what was sent", async () => {
    const net = fakeFetch();
    configureAftercall(options(net.fetch));
    const feature = new AftercallCallSurvey(context);
    assert.equal(feature.name, "CallSurvey");
    const survey = {
      overallRating: { score: 2 },
      audioRating: { score: 1, issues: ["Echo" as const], improvementSuggestion: "Echo all along" },
    };
    const response = await feature.submitSurvey(survey);
    const sent = net.surveys()[0]?.body as Record<string, unknown>;
    assert.equal(sent.callId, "acs-call-1");
    assert.equal(sent.participantId, "acs-participant-7");
    assert.deepEqual(response, {
      id: sent.id,
      callId: "acs-call-1",
      localParticipantId: "acs-participant-7",
      overallRating: { score: 2 },
      audioRating: { score: 1, issues: ["Echo"], improvementSuggestion: "Echo all along" },
      videoRating: undefined,
      screenshareRating: undefined,
    });
    // Like ACS: the four rating keys are always there, no default scale is added.
    assert.deepEqual(Object.keys(response), [
      "id",
      "callId",
      "localParticipantId",
      "overallRating",
      "audioRating",
      "videoRating",
      "screenshareRating",
    ]);
  });

  it("rejects an invalid survey with an Error shaped like ACS's: name, code 400, subCode, ACS's message", async () => {
    const net = fakeFetch();
    configureAftercall(options(net.fetch));
    const feature = new AftercallCallSurvey(context);
    const cases: [unknown, string][] = [
      [{}, "At least one survey rating is required."],
      [{ overallRating: { score: 6 } }, "In default scale overallRating.score should be 1 to 5."],
      [
        { overallRating: { score: 11, scale: { lowerBound: 0, upperBound: 10, lowScoreThreshold: 5 } } },
        "overallRating: 11 should be between 0 and 10.",
      ],
      [
        { overallRating: { score: 5, scale: { lowerBound: 0, upperBound: 10, lowScoreThreshold: 12 } } },
        "overallRating: 12 should be between 0 and 10.",
      ],
      [
        { overallRating: { score: 5, scale: { lowerBound: 0, upperBound: 101, lowScoreThreshold: 2 } } },
        "overallRating lowerBound: 0 and upperBound: 101 should be between 0 and 100.",
      ],
    ];
    for (const [survey, message] of cases) {
      const error = await errorOf(feature.submitSurvey(survey as never));
      assert.ok(error instanceof Error);
      const acs: CommunicationServicesError = error;
      assert.deepEqual(
        { name: acs.name, code: acs.code, subCode: acs.subCode, message: acs.message, kind: error.kind },
        { name: "CallingCommunicationError", code: 400, subCode: 45100, message, kind: "validation" },
      );
      assert.equal(error.errors?.[0]?.message, message);
    }
    // Several problems read as ACS's message does: each sentence, joined by a space.
    const both = await errorOf(
      feature.submitSurvey({ overallRating: { score: 0 }, audioRating: { score: 9 } }),
    );
    assert.equal(
      both.message,
      "In default scale overallRating.score should be 1 to 5. In default scale audioRating.score should be 1 to 5.",
    );
    assert.deepEqual(net.surveys().length, 0, "an invalid survey never leaves the device");
  });

  it("queues a survey it cannot send by default, and answers 408 'Please try again.' when asked not to", async () => {
    const down = fakeFetch((c) => (c.url.endsWith("/v1/config") ? json(200, {}) : "network-error"));
    const storage = memoryStorage();
    configureAftercall(options(down.fetch, storage));
    const feature = new AftercallCallSurvey(context);
    const queued = await feature.submitSurvey({ overallRating: { score: 4 } });
    assert.equal(queued.callId, "acs-call-1");
    assert.deepEqual(await queuedSurveys(storage), [queued.id]);

    const refused = await errorOf(
      feature.submitSurvey({ overallRating: { score: 4 } }, { offlineQueue: false }),
    );
    assert.deepEqual(
      { code: refused.code, subCode: refused.subCode, message: refused.message, kind: refused.kind },
      { code: 408, subCode: 45101, message: "Please try again.", kind: "network" },
    );
    assert.deepEqual(await queuedSurveys(storage), [queued.id], "the refused survey was not queued");

    const serverDown = fakeFetch(() =>
      json(503, { code: "STORE_UNAVAILABLE", message: "Store unavailable." }),
    );
    configureAftercall({ ...options(serverDown.fetch), offlineQueue: false });
    const unavailable = await errorOf(
      new AftercallCallSurvey(context).submitSurvey({ overallRating: { score: 4 } }),
    );
    assert.deepEqual(
      [unavailable.code, unavailable.message, unavailable.kind],
      [408, "Please try again.", "server"],
    );
  });

  it("keeps other refusals as the server answered them", async () => {
    const net = fakeFetch(() => json(401, { code: "UNAUTHORIZED", message: "Unknown ingest key." }));
    configureAftercall(options(net.fetch));
    const error = await errorOf(
      new AftercallCallSurvey(context).submitSurvey({ overallRating: { score: 4 } }),
    );
    assert.deepEqual(
      [error.name, error.code, error.subCode, error.message, error.kind],
      ["CallingCommunicationError", 401, 0, "Unknown ingest key.", "unauthorized"],
    );
  });
});
