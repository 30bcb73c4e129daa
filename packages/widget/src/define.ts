import { AftercallSurveyElement } from "./survey-element.js";

/** The element's tag name. */
export const TAG_NAME = "aftercall-survey";

/**
 * Register `<aftercall-survey>`. Safe to call more than once, and a no-op where custom elements do not
 * exist (server-side rendering). Another version already registered under the name is left in place.
 *
 * @example
 * ```ts
 * import { defineAftercallSurvey } from "@aftercall/widget";
 * defineAftercallSurvey();
 * ```
 */
export function defineAftercallSurvey(): void {
  if (typeof customElements !== "undefined" && !customElements.get(TAG_NAME))
    customElements.define(TAG_NAME, AftercallSurveyElement);
}
