import type { SurveyError } from "@aftercall/client";
import type { CallSurvey, CallSurveyResponse } from "@aftercall/schema";

/** Detail of `aftercall-submit`: the server's ACS-shaped response plus how it was delivered. */
export type SurveySubmitDetail = CallSurveyResponse & {
  /** `delivered`: the server stored it; `queued`: stored on the device, delivered when back online. */
  status: "delivered" | "queued";
  /** The survey exactly as the participant answered it, improvement suggestions included. */
  survey: CallSurvey;
};

/** Detail of `aftercall-skip`: the step the participant left from. */
export interface SurveySkipDetail {
  step: "rate" | "details" | "error";
}

// Typed `addEventListener("aftercall-submit", …)` on any element, as the survey's events bubble and
// cross shadow roots.
declare global {
  interface HTMLElementEventMap {
    "aftercall-submit": CustomEvent<SurveySubmitDetail>;
    "aftercall-skip": CustomEvent<SurveySkipDetail>;
    "aftercall-error": CustomEvent<SurveyError>;
  }
}
