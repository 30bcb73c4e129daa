import type { ValidationIssue } from "@aftercall/schema";
import type { CommunicationServicesError } from "@azure/communication-calling";
import type { SurveyError, SurveyErrorKind } from "../types.js";

/** ACS's sub-code for an invalid survey (`FEATURES.CALL_SURVEY.INVALID_SURVEY` in the Calling SDK). */
export const SUBCODE_INVALID_SURVEY = 45100;
/** ACS's sub-code for a survey that could not be sent (`FEATURES.CALL_SURVEY.SUBMIT_TIMEOUT`). */
export const SUBCODE_SUBMIT_TIMEOUT = 45101;

/**
 * A rejected `submitSurvey`, shaped like the Calling SDK's own errors: an `Error` named
 * `CallingCommunicationError` with `code` (HTTP-like) and `subCode`, so an app's ACS error handling
 * (`e.code === 400`, `e.subCode`, `e.message`) works unchanged. `kind` and `errors` add what Aftercall
 * knows: the failure's kind and, for validation, every problem with its field path.
 */
export class AcsSurveyError extends Error implements CommunicationServicesError {
  override readonly name = "CallingCommunicationError";
  readonly code: number;
  readonly subCode: number;
  readonly kind: SurveyErrorKind;
  readonly errors: ValidationIssue[] | undefined;

  constructor(
    kind: SurveyErrorKind,
    code: number,
    subCode: number,
    message: string,
    errors?: ValidationIssue[],
  ) {
    super(message);
    this.kind = kind;
    this.code = code;
    this.subCode = subCode;
    this.errors = errors;
  }
}

/**
 * The ACS error for an Aftercall failure. Validation keeps ACS's messages (V1–V5, several problems
 * joined by a space, as the Calling SDK joins them); a failure a retry could fix (network, 5xx, 429)
 * is ACS's 408 "Please try again."; any other refusal keeps the server's status and message.
 */
export function toAcsError(error: SurveyError): AcsSurveyError {
  const { kind, code, errors } = error;
  if (kind === "validation")
    return new AcsSurveyError(
      kind,
      400,
      SUBCODE_INVALID_SURVEY,
      errors?.length ? errors.map((e) => e.message).join(" ") : error.message,
      errors,
    );
  if (kind === "network" || kind === "server" || kind === "rate-limited")
    return new AcsSurveyError(kind, 408, SUBCODE_SUBMIT_TIMEOUT, "Please try again.");
  return new AcsSurveyError(kind, code, 0, error.message);
}
