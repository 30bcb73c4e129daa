import {
  type CallSurvey,
  isLabelText,
  MAX_IDENTIFIER_LENGTH,
  type SurveyEvent,
  type SurveyEventType,
  validateStampedSurvey,
} from "@aftercall/schema";
import { createDelivery, DEFAULT_RETRY } from "./delivery.js";
import { httpError } from "./errors.js";
import { now, uuid } from "./ids.js";
import { createConfigSource } from "./remote-config.js";
import { surveyResponse } from "./response.js";
import { decide } from "./sampling.js";
import { defaultStorage, readJson, writeJson } from "./storage.js";
import { createTransport } from "./transport.js";
import type {
  CallSurveyFeature,
  SendOptions,
  SubmitResult,
  SurveyClient,
  SurveyClientOptions,
} from "./types.js";
import { SDK_VERSION } from "./version.js";

/**
 * Create the survey client of one project. Surveys are validated on the device with the server's own
 * validator, persisted before they are sent, retried with backoff, and re-sent on the next page load
 * if the page closes first: a survey the user answered is never lost. Safe to create during SSR or in
 * Node: nothing touches the DOM until it exists.
 *
 * @example
 * ```ts
 * import { createSurveyClient } from "@aftercall/client";
 *
 * const surveys = createSurveyClient({
 *   endpoint: "https://surveys.example.com",
 *   projectKey: "ac_pk_…",
 *   context: { appVersion: "4.2.0" },
 * });
 * const call = { callId: "c-42", participantId: "p-7", durationSeconds: 312 };
 * if ((await surveys.shouldAsk(call)).ask) {
 *   const feature = surveys.forCall(call);
 *   await feature.track("shown");
 *   const result = await feature.send({ overallRating: { score: 2 }, audioRating: { score: 1, issues: ["Echo"] } });
 *   if (!result.ok) console.warn(result.error.message);
 * }
 * ```
 */
export function createSurveyClient(options: SurveyClientOptions): SurveyClient {
  const { endpoint, projectKey, storage = defaultStorage(), context } = options;
  if (!endpoint || !projectKey) throw new TypeError("createSurveyClient needs an endpoint and a projectKey.");
  const key = (name: string) => `aftercall:${projectKey}:${name}`;
  const transport = createTransport(
    endpoint,
    projectKey,
    options.fetch ?? ((input, init) => fetch(input, init)),
  );
  const remote = createConfigSource(transport, storage, key("config"));
  const delivery = createDelivery(transport, storage, key("outbox"), {
    ...DEFAULT_RETRY,
    ...options.retry,
  });
  const cooldownKey = (participantId: string) => key(`surveyed:${participantId}`);
  const flush = () => delivery.flush().catch(() => {});

  // Page lifecycle (none in Node or during SSR): deliver when the network returns; hand the outbox to
  // sendBeacon when the page is hidden or closed (the last moment a page is sure to run code).
  const page = globalThis;
  page.addEventListener?.("online", () => {
    delivery.resetRetries();
    void flush();
  });
  page.addEventListener?.("pagehide", delivery.beacon);
  // Coming back, re-send for real: beacons may not have arrived, and replays are answered 200.
  page.document?.addEventListener("visibilitychange", () =>
    document.hidden ? delivery.beacon() : void flush(),
  );
  // Whatever a previous page left queued goes out now.
  void flush();

  return {
    forCall({ callId, participantId }): CallSurveyFeature {
      // The server refuses a whole batch of events for one bad event, so events of a call identity it
      // would refuse are dropped here (a survey for that call is refused by validation, with a message).
      const identityOk = [callId, participantId].every(
        (v) => typeof v === "string" && v && v.length <= MAX_IDENTIFIER_LENGTH && isLabelText(v),
      );
      const record = async (type: SurveyEventType, surveyId?: string) => {
        if (!identityOk) return;
        const event: SurveyEvent = { id: uuid(), type, callId, participantId, clientTime: now() };
        if (surveyId) event.surveyId = surveyId;
        await delivery.submit({ kind: "event", id: event.id, body: event });
      };
      const send = async (survey: CallSurvey, { queue = true }: SendOptions = {}): Promise<SubmitResult> => {
        const candidate = {
          ...survey,
          ...context,
          sdkVersion: SDK_VERSION,
          id: uuid(),
          callId,
          participantId,
          clientTime: now(),
        };
        const known = remote.known();
        // The SDK stamps id and clientTime itself (uuid(), now()): their formats need no checking here.
        let checked = validateStampedSurvey(candidate, {
          requireOverallRating: known?.requireOverallRating ?? true,
        });
        // Missing only the overall rating, and the project's rule not yet known: ask the server (a
        // lenient project accepts category ratings alone) instead of refusing on a guess.
        if (!known && !checked.ok && checked.errors.every((e) => e.code === "OVERALL_RATING_REQUIRED")) {
          checked = validateStampedSurvey(candidate, {
            requireOverallRating: (await remote.get()).requireOverallRating,
          });
        }
        // Refused as the server would refuse it: the same 400 error value.
        if (!checked.ok)
          return {
            ok: false,
            error: httpError(400, { message: checked.errors[0]?.message, errors: checked.errors }),
          };
        const submission = checked.value;
        const outcome = await delivery.submit({ kind: "survey", id: submission.id, body: submission }, queue);
        if (!outcome.ok && !(outcome.retry && queue)) return { ok: false, error: outcome.error };
        await writeJson(storage, cooldownKey(participantId), Date.now());
        void record("submitted", submission.id);
        return {
          ok: true,
          status: outcome.ok ? "delivered" : "queued",
          response: surveyResponse(submission),
        };
      };
      return {
        send,
        async track(type) {
          // Being asked is what tires people: the cooldown starts when the survey is shown.
          if (type === "shown") await writeJson(storage, cooldownKey(participantId), Date.now());
          await record(type);
        },
        async submitSurvey(survey) {
          const result = await send(survey);
          if (result.ok) return result.response;
          throw result.error;
        },
      };
    },
    getConfig: remote.get,
    async shouldAsk(call) {
      const { config } = await remote.get();
      return decide(
        config,
        call,
        await readJson<number>(storage, cooldownKey(call.participantId)),
        Date.now(),
      );
    },
    flush,
    pending: delivery.pending,
  };
}
