import type { CallSurvey, CallSurveyResponse } from "@aftercall/schema";
import type {
  CallSurveyFeature as AcsCallSurveyFeature,
  SubmitSurveyOptions as AcsSubmitSurveyOptions,
  CallCommon,
  CallInfoCommon,
} from "@azure/communication-calling";
import { createSurveyClient } from "../client.js";
import type { SurveyClient, SurveyClientOptions } from "../types.js";
import { AcsSurveyError, toAcsError } from "./errors.js";

/** Options of {@link configureAftercall}: a server and project (or a ready client), and the offline rule. */
export type AcsSurveyConfiguration = (SurveyClientOptions | { client: SurveyClient }) & {
  /**
   * `true` (default): a survey that cannot be delivered now is kept on the device and re-sent until it
   * is; `submitSurvey` resolves at once. `false`: ACS's behaviour, rejecting with 408 "Please try
   * again." when the survey cannot be sent.
   */
  offlineQueue?: boolean;
};

/** ACS's `SubmitSurveyOptions` (empty in ACS), plus Aftercall's offline rule for this one survey. */
export interface SubmitSurveyOptions extends AcsSubmitSurveyOptions {
  /** Overrides {@link AcsSurveyConfiguration.offlineQueue} for this survey. */
  offlineQueue?: boolean;
}

/**
 * What the feature reads from the call ACS constructs it for (ACS passes its whole `CallFeatureContext`).
 * `info` is declared on ACS's `Call` and `TeamsCall`, not on `CallCommon`, hence optional here.
 */
export interface AcsCallContext {
  call: Pick<CallCommon, "id"> & { readonly info?: Pick<CallInfoCommon, "participantId"> };
}

let setup: { client: SurveyClient; offlineQueue: boolean } | undefined;

/**
 * Point ACS's survey feature at an Aftercall server; call once when the app starts (it also re-sends
 * surveys an earlier page could not deliver). Calling it again replaces the configuration.
 *
 * @example
 * ```ts
 * import { configureAftercall } from "@aftercall/client/acs";
 *
 * configureAftercall({ endpoint: "https://surveys.example.com", projectKey: "ac_pk_…" });
 * ```
 */
export function configureAftercall(configuration: AcsSurveyConfiguration): SurveyClient {
  const { offlineQueue = true, ...rest } = configuration;
  const client = "client" in rest ? rest.client : createSurveyClient(rest);
  setup = { client, offlineQueue };
  return client;
}

/** The survey as ACS answers it: the ids, then the four ratings exactly as they were submitted. */
function echo(
  id: string,
  callId: string,
  localParticipantId: string,
  survey: CallSurvey,
): CallSurveyResponse {
  const { overallRating, audioRating, videoRating, screenshareRating } = survey ?? {};
  return {
    id,
    callId,
    localParticipantId,
    overallRating,
    audioRating,
    videoRating,
    screenshareRating,
  } as CallSurveyResponse;
}

/**
 * Aftercall's survey as an ACS call feature. ACS constructs it when the app calls
 * `call.feature(Features.CallSurvey)` with the `Features` of `@aftercall/client/acs`, once per call, with
 * the call itself; the survey is stored by Aftercall instead of ACS, for that call's id and local
 * participant id.
 */
export class AftercallCallSurvey implements AcsCallSurveyFeature {
  /** The feature's name, as ACS's own survey feature calls itself. */
  readonly name = "CallSurvey";
  readonly #call: AcsCallContext["call"];

  constructor(context: AcsCallContext) {
    this.#call = context.call;
  }

  /**
   * Submit the survey for this call: validated on the device with ACS's messages, then delivered to
   * Aftercall (or queued on the device, see {@link AcsSurveyConfiguration.offlineQueue}). Resolves with
   * ACS's `CallSurveyResponse`, the survey as sent plus `id`, `callId` and `localParticipantId`;
   * rejects with an {@link AcsSurveyError}.
   */
  async submitSurvey(survey: CallSurvey, options?: SubmitSurveyOptions): Promise<CallSurveyResponse> {
    const current = setup;
    if (!current)
      throw new AcsSurveyError(
        "config",
        412,
        0,
        "Aftercall is not configured: call configureAftercall({ endpoint, projectKey }) when the app starts.",
      );
    const callId = this.#call.id;
    const participantId = this.#call.info?.participantId ?? "";
    const result = await current.client
      .forCall({ callId, participantId })
      .send(survey, { queue: options?.offlineQueue ?? current.offlineQueue });
    if (!result.ok) throw toAcsError(result.error);
    return echo(result.response.id, callId, participantId, survey);
  }

  /** Nothing to release: the survey client outlives calls. */
  dispose(): void {}
}
