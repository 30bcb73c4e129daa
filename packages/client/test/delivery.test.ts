import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type CallSurvey, createSurveyClient, memoryStorage, type SurveyStorage } from "../src/index.js";
import { call, eventsOf, fakeFetch, idOf, json, options, sleep, waitFor } from "./support.js";

const survey: CallSurvey = {
  overallRating: { score: 2, issues: ["HadToRejoin"] },
  audioRating: { score: 1 },
};
const OUTBOX = "aftercall:ac_pk_test:outbox";
const outboxOf = async (storage: SurveyStorage) => JSON.parse((await storage.getItem(OUTBOX)) ?? "[]");

describe("send", () => {
  it("delivers a survey with the key, generated id, clientTime and context", async () => {
    const net = fakeFetch();
    const client = createSurveyClient(
      options(net.fetch, memoryStorage(), { context: { appVersion: "4.2.0", dimensions: { region: "eu" } } }),
    );
    const result = await client.forCall(call).send(survey);
    assert.equal(result.ok && result.status, "delivered");
    const [sent] = net.surveys();
    assert.ok(sent);
    assert.equal(sent.url, "https://surveys.example.com/v1/surveys");
    assert.equal(sent.method, "POST");
    assert.equal(sent.headers.authorization, "Bearer ac_pk_test");
    assert.equal(sent.keepalive, true);
    const body = sent.body as Record<string, unknown>;
    assert.match(String(body.id), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.ok(Math.abs(Date.parse(String(body.clientTime)) - Date.now()) < 5000);
    assert.deepEqual(
      { ...body, id: 0, clientTime: 0 },
      {
        id: 0,
        clientTime: 0,
        callId: "call-1",
        participantId: "alice",
        appVersion: "4.2.0",
        sdkVersion: "0.1.0",
        dimensions: { region: "eu" },
        overallRating: { score: 2, issues: ["HadToRejoin"] },
        audioRating: { score: 1 },
      },
    );
    assert.ok(result.ok);
    assert.deepEqual(result.response, {
      id: body.id,
      callId: "call-1",
      localParticipantId: "alice",
      overallRating: {
        score: 2,
        scale: { lowerBound: 1, upperBound: 5, lowScoreThreshold: 2 },
        issues: ["HadToRejoin"],
      },
      audioRating: { score: 1, scale: { lowerBound: 1, upperBound: 5, lowScoreThreshold: 2 } },
    });
    await client.flush();
    assert.equal(await client.pending(), 0);
  });

  it("validates with the server's validator and makes no request for an invalid survey", async () => {
    const net = fakeFetch();
    const client = createSurveyClient(options(net.fetch));
    const feature = client.forCall(call);
    const result = await feature.send({ overallRating: { score: 7 } });
    assert.deepEqual(result, {
      ok: false,
      error: {
        kind: "validation",
        code: 400,
        message: "In default scale overallRating.score should be 1 to 5.",
        errors: [
          {
            code: "SCORE_OUT_OF_DEFAULT_SCALE",
            path: "overallRating.score",
            message: "In default scale overallRating.score should be 1 to 5.",
          },
        ],
      },
    });
    const empty = await feature.send({});
    assert.equal(!empty.ok && empty.error.message, "At least one survey rating is required.");
    const noOverall = await feature.send({ audioRating: { score: 3 } });
    assert.equal(!noOverall.ok && noOverall.error.errors?.[0]?.code, "OVERALL_RATING_REQUIRED");
    const badCall = await createSurveyClient(options(net.fetch))
      .forCall({ callId: "", participantId: "p" })
      .send(survey);
    assert.equal(!badCall.ok && badCall.error.message, "callId must not be empty.");
    await client.flush();
    // No survey left the device; the only request asked for the project's overall-rating rule.
    assert.deepEqual(
      net.calls.map((c) => new URL(c.url).pathname),
      ["/v1/config"],
    );
    assert.equal(await client.pending(), 0);
  });

  it("submitSurvey resolves with the ACS response and rejects with the error value", async () => {
    const client = createSurveyClient(options(fakeFetch().fetch));
    const response = await client.forCall(call).submitSurvey({ overallRating: { score: 5 } });
    assert.equal(response.callId, "call-1");
    assert.equal(response.localParticipantId, "alice");
    await assert.rejects(client.forCall(call).submitSurvey({ overallRating: { score: 0 } }), {
      kind: "validation",
      code: 400,
      message: "In default scale overallRating.score should be 1 to 5.",
    });
  });

  it("with queue: false, never stores the survey: a network failure is the answer (408) and nothing is re-sent", async () => {
    const storage = memoryStorage();
    let queuedDuringRequest: unknown[] = ["not read"];
    const net = fakeFetch((c) => {
      if (!c.url.endsWith("/v1/surveys")) return json(200, {});
      return outboxOf(storage).then((queued) => {
        queuedDuringRequest = queued;
        throw new TypeError("fetch failed");
      });
    });
    const client = createSurveyClient(options(net.fetch, storage));
    const result = await client.forCall(call).send(survey, { queue: false });
    assert.deepEqual(result, {
      ok: false,
      error: { kind: "network", message: "Please try again.", code: 408 },
    });
    assert.deepEqual(queuedDuringRequest, [], "not in the outbox while being sent");
    await client.flush();
    await sleep(30);
    assert.equal(net.surveys().length, 1, "one attempt only");
    assert.equal(await client.pending(), 0);
    // The same failure with the default keeps it for later.
    const queued = await client.forCall(call).send(survey);
    assert.equal(queued.ok && queued.status, "queued");
  });

  it("with queue: false, a delivered survey answers as usual", async () => {
    const net = fakeFetch();
    const client = createSurveyClient(options(net.fetch));
    const result = await client.forCall(call).send(survey, { queue: false });
    assert.equal(result.ok && result.status, "delivered");
    assert.equal(net.surveys().length, 1);
  });

  it("persists the survey in the outbox before the first attempt and removes it after success", async () => {
    const storage = memoryStorage();
    let queuedDuringRequest: unknown[] = [];
    const net = fakeFetch(async (c) => {
      if (c.url.endsWith("/v1/surveys")) queuedDuringRequest = await outboxOf(storage);
      return json(201, {});
    });
    const client = createSurveyClient(options(net.fetch, storage));
    const result = await client.forCall(call).send(survey);
    assert.ok(result.ok);
    assert.deepEqual(queuedDuringRequest, [
      { kind: "survey", id: result.response.id, body: net.surveys()[0]?.body },
    ]);
    await client.flush();
    assert.deepEqual(await outboxOf(storage), []);
  });

  it("answers queued at once after a transient failure, then retries with backoff until delivered", async () => {
    const storage = memoryStorage();
    const net = fakeFetch((c, n) => {
      if (!c.url.endsWith("/v1/surveys")) return json(200, {});
      return n === 0 ? "network-error" : n === 1 ? json(503, { code: "STORE_UNAVAILABLE" }) : json(201, {});
    });
    const client = createSurveyClient(options(net.fetch, storage));
    const result = await client.forCall(call).send(survey);
    assert.equal(result.ok && result.status, "queued");
    assert.ok(result.ok);
    assert.equal(result.response.id, idOf(net.surveys()[0]));
    assert.deepEqual(result.response.overallRating?.scale, {
      lowerBound: 1,
      upperBound: 5,
      lowScoreThreshold: 2,
    });
    await waitFor(async () => net.surveys().length === 3 && (await client.pending()) === 0);
    assert.deepEqual(
      net.surveys().map((c) => c.body),
      [1, 2, 3].map(() => net.surveys()[0]?.body),
    );
    await sleep(20);
    assert.equal(net.surveys().length, 3);
  });

  it("retries 429 and 5xx but never 400, 401, 403, 409, 413 or 415", async () => {
    for (const [status, kind] of [
      [400, "validation"],
      [401, "unauthorized"],
      [403, "forbidden"],
      [409, "conflict"],
      [413, "validation"],
      [415, "validation"],
      [404, "config"],
    ] as const) {
      const storage = memoryStorage();
      const net = fakeFetch(() => json(status, { code: "X", message: `refused ${status}` }));
      const client = createSurveyClient(options(net.fetch, storage));
      const result = await client.forCall(call).send(survey);
      assert.deepEqual(result, { ok: false, error: { kind, code: status, message: `refused ${status}` } });
      await sleep(15);
      assert.equal(net.calls.length, 1, `one request for ${status}`);
      assert.deepEqual(await outboxOf(storage), [], `outbox emptied after ${status}`);
    }
  });

  it("passes the server's validation problems through", async () => {
    const errors = [
      {
        code: "OVERALL_RATING_REQUIRED",
        path: "overallRating",
        message: "Overall survey rating is required.",
      },
    ];
    const net = fakeFetch(() =>
      json(400, { code: "VALIDATION_FAILED", message: errors[0]?.message, errors }),
    );
    const result = await createSurveyClient(options(net.fetch)).forCall(call).send(survey);
    assert.deepEqual(result, {
      ok: false,
      error: { kind: "validation", code: 400, message: "Overall survey rating is required.", errors },
    });
  });

  it("waits at least Retry-After before retrying a 429", async () => {
    const net = fakeFetch((c, n) =>
      !c.url.endsWith("/v1/surveys")
        ? json(200, {})
        : n === 0
          ? json(429, {}, { "retry-after": "1" })
          : json(201, {}),
    );
    const client = createSurveyClient(options(net.fetch));
    const started = Date.now();
    const result = await client.forCall(call).send(survey);
    assert.equal(result.ok && result.status, "queued");
    await sleep(500);
    assert.equal(net.surveys().length, 1, "no retry before Retry-After");
    await waitFor(() => net.surveys().length === 2, 3000);
    assert.ok(Date.now() - started >= 990);
  });

  it("stops after the configured attempts and keeps the survey queued", async () => {
    const net = fakeFetch(() => json(503, {}));
    const client = createSurveyClient(
      options(net.fetch, memoryStorage(), { retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 } }),
    );
    await client.forCall(call).send(survey);
    await waitFor(() => net.surveys().length === 3);
    await sleep(30);
    assert.equal(net.surveys().length, 3);
    assert.equal(await client.pending(), 2, "the survey and its submitted event stay queued");
  });

  it("re-sends what a previous page load left queued, once", async () => {
    const storage = memoryStorage();
    const offline = fakeFetch(() => "network-error");
    const first = createSurveyClient(options(offline.fetch, storage, { retry: { attempts: 1 } }));
    const queued = await first.forCall(call).send(survey);
    await first.forCall(call).track("shown");
    assert.equal(queued.ok && queued.status, "queued");
    await waitFor(async () => (await first.pending()) === 3);

    const online = fakeFetch();
    const next = createSurveyClient(options(online.fetch, storage));
    await next.flush();
    assert.equal(await next.pending(), 0);
    assert.equal(online.surveys().length, 1);
    assert.equal(idOf(online.surveys()[0]), queued.ok ? queued.response.id : "");
    assert.equal(online.events().length, 1, "queued events travel in one batch");
    const events = eventsOf(online.events()[0]);
    assert.deepEqual(events.map((e) => e.type).sort(), ["shown", "submitted"]);
  });

  it("never has the same item in flight twice, however often flush is called", async () => {
    const storage = memoryStorage();
    const offline = createSurveyClient(
      options(fakeFetch(() => "network-error").fetch, storage, { retry: { attempts: 1 } }),
    );
    for (let i = 0; i < 3; i++) await offline.forCall({ callId: `c${i}`, participantId: "p" }).send(survey);
    await waitFor(async () => (await offline.pending()) === 6);

    let open = 0;
    let maxOpen = 0;
    const slow = fakeFetch(async () => {
      maxOpen = Math.max(maxOpen, ++open);
      await sleep(20);
      open--;
      return json(201, {});
    });
    const client = createSurveyClient(options(slow.fetch, storage));
    await Promise.all([client.flush(), client.flush(), client.flush()]);
    assert.equal(await client.pending(), 0);
    assert.equal(slow.surveys().length, 3);
    assert.equal(new Set(slow.surveys().map(idOf)).size, 3);
    assert.equal(slow.events().length, 1);
  });
});

describe("lifecycle events", () => {
  it("records shown, dismissed and an automatic submitted event with the survey id", async () => {
    const net = fakeFetch((c) =>
      c.url.endsWith("/v1/events") ? json(200, { accepted: 1, created: 1 }) : json(201, {}),
    );
    const client = createSurveyClient(options(net.fetch));
    const feature = client.forCall(call);
    await feature.track("shown");
    const result = await feature.send(survey);
    await feature.track("dismissed");
    await client.flush();
    const events = net.events().flatMap(eventsOf);
    assert.deepEqual(events.map((e) => [e.type, e.callId, e.participantId, e.surveyId]).sort(), [
      ["dismissed", "call-1", "alice", undefined],
      ["shown", "call-1", "alice", undefined],
      ["submitted", "call-1", "alice", result.ok ? result.response.id : ""],
    ]);
    for (const e of events) assert.match(String(e.id), /^[0-9a-f-]{36}$/);
    assert.equal(new Set(events.map((e) => e.id)).size, 3);
    assert.equal(await client.pending(), 0);
  });
});

describe("events of a malformed call identity", () => {
  it("are dropped on the device, so they cannot make the server refuse a whole batch", async () => {
    const net = fakeFetch((c) => (c.url.endsWith("/v1/events") ? json(200, {}) : json(201, {})));
    const client = createSurveyClient(options(net.fetch));
    await client.forCall({ callId: "", participantId: "p" }).track("shown");
    await client.forCall({ callId: "c", participantId: "p".repeat(257) }).track("shown");
    await client.forCall({ callId: "c\0", participantId: "p" }).track("shown");
    await client.forCall({ callId: "c", participantId: "p\ud800" }).track("shown");
    await client.forCall(call).track("shown");
    await client.flush();
    assert.deepEqual(
      net
        .events()
        .flatMap(eventsOf)
        .map((e) => e.callId),
      ["call-1"],
    );
  });
});

describe("an outbox shared by several clients", () => {
  it("never loses one client's queued survey to another client's delivery", async () => {
    const storage = memoryStorage();
    const failing = fakeFetch((c) => (c.url.endsWith("/v1/surveys") ? json(503, {}) : json(201, {})));
    const working = fakeFetch();
    const retry = { attempts: 1, baseDelayMs: 60_000 };
    const a = createSurveyClient(options(failing.fetch, storage, { retry }));
    const b = createSurveyClient(options(working.fetch, storage, { retry }));
    const [queued, delivered] = await Promise.all([
      a.forCall(call).send(survey),
      b.forCall(call).send(survey),
    ]);
    assert.equal(queued.ok && queued.status, "queued");
    assert.equal(delivered.ok && delivered.status, "delivered");
    const outbox = await outboxOf(storage);
    assert.deepEqual(
      outbox.filter((i: { kind: string }) => i.kind === "survey").map((i: { id: string }) => i.id),
      [queued.ok && queued.response.id],
      "the survey only A holds is still in the shared outbox",
    );
  });

  it("keeps queued surveys in memory when storage refuses writes", async () => {
    const backing = memoryStorage();
    let full = false;
    const storage: SurveyStorage = {
      getItem: (k) => backing.getItem(k),
      setItem: (k, v) => {
        if (full) throw new Error("QuotaExceededError");
        return backing.setItem(k, v);
      },
      removeItem: (k) => backing.removeItem(k),
    };
    let up = false;
    const net = fakeFetch((c) => (up || !c.url.endsWith("/v1/surveys") ? json(201, {}) : json(503, {})));
    const client = createSurveyClient(
      options(net.fetch, storage, { retry: { attempts: 1, baseDelayMs: 60_000 } }),
    );
    await client.forCall(call).send(survey); // stored normally, then delivered or queued
    full = true;
    const result = await client.forCall(call).send(survey);
    assert.equal(result.ok && result.status, "queued");
    assert.ok((await client.pending()) >= 1, "the refused write did not drop the queued survey");
    up = true;
    await client.flush();
    assert.ok(net.surveys().some((s) => (s.body as { id: string }).id === (result.ok && result.response.id)));
  });
});

describe("cooldown", () => {
  it("starts when the survey is shown, so skipping does not mean being asked again at once", async () => {
    const net = fakeFetch((c) =>
      c.url.endsWith("/v1/config")
        ? json(200, { projectId: "demo", requireOverallRating: true, config: { cooldownDays: 7 } })
        : json(201, {}),
    );
    const client = createSurveyClient(options(net.fetch));
    assert.deepEqual(await client.shouldAsk(call), { ask: true, reason: "ok" });
    await client.forCall(call).track("shown");
    await client.forCall(call).track("dismissed");
    assert.deepEqual(await client.shouldAsk(call), { ask: false, reason: "cooldown" });
  });
});
