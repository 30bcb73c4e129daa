import type { RatingCategory } from "@aftercall/schema";
import { html, nothing, type TemplateResult } from "lit/html.js";
import { ratingKeyIndex, scaleChoices, scaleOf } from "../logic.js";
import { format } from "../strings.js";
import { STAR } from "./icons.js";
import type { SurveyView } from "./view.js";

/**
 * A category's rating as an ARIA radio group, labelled by the element `labelId`: stars, bad/good or
 * numbered choices (the ends of a numbered scale describe its first and last choice). One choice is
 * tabbable (roving tabindex); arrows move and select, Home/End jump to the ends. A rating flagged as
 * missing is described by its error line.
 */
export function rating(view: SurveyView, cat: RatingCategory, labelId: string): TemplateResult {
  const s = view.s;
  const { kind, values } = scaleChoices(scaleOf(view.config, cat));
  const value = view.answers.scores[cat];
  const focusable = value ?? values[0];
  const last = values.length - 1;
  const invalid = view.invalid.includes(cat);
  // Keys select as they move (radio-group behaviour), and focus follows the selection.
  const onKey = (e: KeyboardEvent) => {
    const current = values.indexOf(Number((e.target as HTMLElement).dataset.value));
    const score = values[ratingKeyIndex(e.key, current, values.length, view.rtl)];
    if (score === undefined) return;
    e.preventDefault();
    view.pick(cat, score, true);
  };
  return html`<div
        part="rating"
        class="rating ${kind} ${values.length > 11 ? "wrap" : ""}"
        role="radiogroup"
        aria-labelledby=${labelId}
        aria-describedby=${invalid ? `e-${cat}` : nothing}
        data-category=${cat}
        @keydown=${onKey}
      >
        ${values.map(
          (v, i) => html`<button
            type="button"
            role="radio"
            part="choice"
            class="choice ${kind === "stars" && value !== undefined && v <= value ? "on" : ""}"
            aria-checked=${v === value}
            tabindex=${v === focusable ? 0 : -1}
            data-value=${v}
            aria-label=${kind === "stars" ? format(s.star, v, values.length) : nothing}
            aria-describedby=${kind === "numbers" && (i === 0 || i === last) ? `${cat}-${i ? "good" : "bad"}` : nothing}
            @click=${() => view.pick(cat, v)}
          >
            ${kind === "stars" ? STAR : kind === "binary" ? (i ? s.good : s.bad) : v}
          </button>`,
        )}
      </div>
      ${
        kind === "numbers"
          ? html`<div class="ends"><span id="${cat}-bad">${s.bad}</span><span id="${cat}-good">${s.good}</span></div>`
          : nothing
      }
      ${invalid ? html`<p class="invalid" id="e-${cat}">${s.rateRequired}</p>` : nothing}`;
}
