/**
 * `@aftercall/client/acs`: Aftercall as the survey feature of an Azure Communication Services call. An
 * ACS app configures Aftercall once and imports `Features` from here instead of from
 * `@azure/communication-calling`; `call.feature(Features.CallSurvey).submitSurvey(survey)` stays word for
 * word. ACS's own `call.feature()` constructs Aftercall's feature with the call, so the call id and
 * participant id come from the call. Every other feature (`Features.Recording`, …) is ACS's own.
 *
 * @example
 * ```ts
 * import { CallClient } from "@azure/communication-calling";
 * import { configureAftercall, Features } from "@aftercall/client/acs";
 *
 * configureAftercall({ endpoint: "https://surveys.example.com", projectKey: "ac_pk_…" });
 * // … after the call:
 * const response = await call.feature(Features.CallSurvey).submitSurvey({ overallRating: { score: 4 } });
 * ```
 *
 * @module
 */
import { Features as AcsFeatures, type CallFeatureFactory } from "@azure/communication-calling";
import { AftercallCallSurvey } from "./feature.js";

export { AcsSurveyError, SUBCODE_INVALID_SURVEY, SUBCODE_SUBMIT_TIMEOUT } from "./errors.js";
export {
  type AcsCallContext,
  type AcsSurveyConfiguration,
  AftercallCallSurvey,
  configureAftercall,
  type SubmitSurveyOptions,
} from "./feature.js";

/** ACS's `Features`, with `CallSurvey` replaced by Aftercall's. */
export type AftercallFeatures = Omit<typeof AcsFeatures, "CallSurvey"> & {
  readonly CallSurvey: CallFeatureFactory<AftercallCallSurvey>;
};

/**
 * The Calling SDK's `Features` with one change: `Features.CallSurvey` is Aftercall's survey. ACS's
 * `call.feature(factory)` constructs `factory.callApiCtor` with the call's context (once per call and
 * feature), which is how a feature from outside the SDK plugs into the call object itself.
 */
export const Features: AftercallFeatures = {
  ...AcsFeatures,
  CallSurvey: { callApiCtor: AftercallCallSurvey },
};
