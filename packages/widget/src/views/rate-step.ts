import { html, type TemplateResult } from "lit/html.js";
import { needsDetails, scaleOf } from "../logic.js";
import { actions } from "./actions.js";
import { rating } from "./rating.js";
import type { SurveyView } from "./view.js";

/**
 * Step 1: the overall call quality. Its primary button says where the score leads: Next when it asks
 * for details (after a poor score, or always with `detailsWhen` "always"), else Submit; it is disabled
 * until a score is chosen.
 */
export function rateStep(view: SurveyView, detailsWhen: "poor" | "always"): TemplateResult {
  const s = view.s;
  const score = view.answers.scores.overall;
  const next = score !== undefined && needsDetails(score, scaleOf(view.config, "overall"), detailsWhen);
  return html`<h2 part="heading" id="h" tabindex="-1">${s.title}</h2>
      ${rating(view, "overall", "h")}
      ${actions(
        view,
        next ? s.next : s.submit,
        next ? "next" : "submit",
        score === undefined,
        next ? () => view.next() : () => view.send(false),
      )}`;
}
