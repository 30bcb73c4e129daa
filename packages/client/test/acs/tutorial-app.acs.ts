// The survey code of an ACS web calling app, written the way ACS's End of Call Survey tutorial shows it:
// rate the call only, with a custom scale and an issue, overall with audio and video, and handle the
// errors the SDK can send. tutorial-app.aftercall.ts is this file with one line changed: where `Features`
// is imported from (checked by acs-tutorial.test.ts). Import sorting is off for these two files, as an
// app's own import order is not Aftercall's business.
import type {
  Call,
  CallSurvey,
  CallSurveyResponse,
  CommunicationServicesError,
} from "@azure/communication-calling";
import { Features } from "@azure/communication-calling";

/** Overall rating only, on the default 1–5 scale. */
export function rateCallOnly(call: Call): Promise<CallSurveyResponse> {
  return call.feature(Features.CallSurvey).submitSurvey({ overallRating: { score: 5 } });
}

/** Overall rating on a two-point scale (0 bad, 1 good), with an issue. */
export function rateOnCustomScale(call: Call): Promise<CallSurveyResponse> {
  return call.feature(Features.CallSurvey).submitSurvey({
    overallRating: {
      score: 1,
      scale: { lowerBound: 0, upperBound: 1, lowScoreThreshold: 0 },
      issues: ["HadToRejoin"],
    },
  });
}

/** Overall, audio and video ratings, video with an issue. */
export function rateOverallAudioVideo(call: Call): Promise<CallSurveyResponse> {
  return call.feature(Features.CallSurvey).submitSurvey({
    overallRating: { score: 3 },
    audioRating: { score: 4 },
    videoRating: { score: 3, issues: ["Freezes"] },
  });
}

/** Submit any survey (with the SDK's options argument) and report the outcome the way the app logs it. */
export function submitAndReport(call: Call, survey: CallSurvey): Promise<string> {
  return call
    .feature(Features.CallSurvey)
    .submitSurvey(survey, {})
    .then((response) => `submitted ${response.id} for ${response.callId}`)
    .catch((e: CommunicationServicesError) => `error ${e.code}/${e.subCode}: ${e.message}`);
}
