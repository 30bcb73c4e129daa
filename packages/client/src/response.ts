import {
  type CallSurveyResponse,
  DEFAULT_SCALE,
  RATING_ISSUES,
  type RatingField,
  type SurveySubmission,
} from "@aftercall/schema";

/**
 * The ACS-shaped answer to a validated submission: the ids, and per rating its score, its scale (the
 * default one materialised) and its issue tags when there are any. It is exactly what the server answers
 * (`toSurveyResponse(toSurveyRecord(submission))`, checked by the integration test), built on the device
 * so a survey still queued gets the same answer as one delivered.
 */
export function surveyResponse(submission: SurveySubmission): CallSurveyResponse {
  const { id, callId, participantId: localParticipantId } = submission;
  const response: Record<string, unknown> = { id, callId, localParticipantId };
  for (const field of Object.keys(RATING_ISSUES) as RatingField[]) {
    const rating = submission[field];
    if (!rating) continue;
    const { score, scale = DEFAULT_SCALE, issues } = rating;
    response[field] = { score, scale: { ...scale }, ...(issues?.length && { issues: [...issues] }) };
  }
  return response as unknown as CallSurveyResponse;
}
