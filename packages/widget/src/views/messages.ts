import type { SurveyError } from "@aftercall/client";
import { html, nothing, type TemplateResult } from "lit/html.js";
import type { SurveyStrings } from "../strings.js";
import { actions } from "./actions.js";
import { ALERT, CHECK } from "./icons.js";
import type { SurveyView } from "./view.js";

/** The thank-you message, announced politely; it says so when the answer waits on the device (`queued`). */
export function thanksMessage(s: SurveyStrings, status: "delivered" | "queued" | undefined): TemplateResult {
  return html`<div part="message" class="msg" id="msg" role="status" aria-live="polite" tabindex="-1">
      ${CHECK}
      <div>
        <p class="title">${s.thanks}</p>
        ${status === "queued" ? html`<p class="muted">${s.queued}</p>` : nothing}
      </div>
    </div>`;
}

/**
 * The error message, announced at once. A `setup` error is for the page's developer and cannot be
 * retried; any other failure offers Try again.
 */
export function errorMessage(
  view: SurveyView,
  error: SurveyError | undefined,
  setup: boolean,
): TemplateResult {
  const s = view.s;
  return html`<div part="message" class="msg error" id="msg" role="alert" tabindex="-1">
        ${ALERT}
        <div>
          <p class="title">${setup ? s.configError : s.error}</p>
          <p class="muted">${error?.message}</p>
        </div>
      </div>
      ${setup ? nothing : actions(view, s.retry, "retry", false, () => view.retry())}`;
}
