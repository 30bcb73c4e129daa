/**
 * `@aftercall/widget`: the `<aftercall-survey>` custom element. Importing this module registers it; the
 * same code ships as one script, `dist/aftercall-widget.js` (Lit and the client SDK included), for a
 * plain `<script type="module">`. React users import `AftercallSurvey` from `@aftercall/widget/react`.
 *
 * @module
 */
import { defineAftercallSurvey } from "./define.js";

defineAftercallSurvey();

export type { CallIdentity, SurveyClient, SurveyClientOptions, SurveyError } from "@aftercall/client";
// The bundle is the one script a page loads, so the client SDK comes with it.
export { createSurveyClient } from "@aftercall/client";
export { defineAftercallSurvey, TAG_NAME } from "./define.js";
export type { ChoiceKind } from "./logic.js";
export type { Locale, SurveyStrings, TagStringKey } from "./strings.js";
export { LOCALE_NAMES, loadLocale } from "./strings.js";
export type { SurveySkipDetail, SurveySubmitDetail } from "./survey-element.js";
export { AftercallSurveyElement } from "./survey-element.js";
