import { html, type TemplateResult } from "lit/html.js";
import type { SurveyView } from "./view.js";

/**
 * The buttons under a step: Skip, then the primary action (`next`, `submit` or `retry`, its
 * `data-action`). While a submit is in flight both are disabled and the primary one says so.
 */
export function actions(
  view: SurveyView,
  label: string,
  action: "next" | "submit" | "retry",
  disabled: boolean,
  onPrimary: () => void,
): TemplateResult {
  const busy = view.busy;
  return html`<div class="actions">
      <button type="button" part="skip" data-action="skip" ?disabled=${busy} @click=${() => view.skip()}>${view.s.skip}</button>
      <button
        type="button"
        part=${action === "retry" ? "submit retry" : "submit"}
        class="primary"
        data-action=${action}
        ?disabled=${busy || disabled}
        @click=${onPrimary}
      >
        ${busy ? view.s.sending : label}
      </button>
    </div>`;
}
