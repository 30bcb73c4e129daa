import { MAX_SUGGESTION_LENGTH, type RatingCategory } from "@aftercall/schema";
import { html, nothing, type TemplateResult } from "lit/html.js";
import { tagOrder } from "../logic.js";
import { format, type TagStringKey } from "../strings.js";
import { actions } from "./actions.js";
import { rating } from "./rating.js";
import type { SurveyView } from "./view.js";

/**
 * Step 2: for each of the `categories` asked (overall first) its own rating, issue tags and, when the project allows them, a
 * suggestion. Every category has its own rating here, overall included (pre-filled from step 1, still
 * editable): scores are never copied from one category to another.
 */
export function detailsStep(view: SurveyView, categories: readonly RatingCategory[]): TemplateResult {
  const s = view.s;
  return html`<h2 part="heading" id="h" tabindex="-1">${s.detailsTitle}</h2>
      ${categories.map(
        (cat) => html`<div class="cat" data-category=${cat}>
          <h3 id="c-${cat}">${s[cat]}</h3>
          ${rating(view, cat, `c-${cat}`)} ${tags(view, cat)}
          ${view.config.allowSuggestions ? suggestion(view, cat) : nothing}
        </div>`,
      )}
      ${actions(view, s.submit, "submit", false, () => view.send(true))}`;
}

// The legend names the category for screen readers, which announce it when entering the group without
// having read the category heading.
function tags(view: SurveyView, cat: RatingCategory): TemplateResult {
  const s = view.s;
  const picked = view.answers.tags[cat] ?? [];
  return html`<fieldset>
      <legend><span class="vh">${s[cat]}: </span>${s.issues}</legend>
      <div class="chips">
        ${tagOrder(cat, view.seed, view.config.randomizeTagOrder).map((tag) => {
          const on = picked.includes(tag);
          return html`<label part="tag" class="tag ${on ? "on" : ""}">
            <input
              type="checkbox"
              data-tag=${tag}
              .checked=${on}
              @change=${(e: Event) => view.toggle(cat, tag, (e.target as HTMLInputElement).checked)}
            />${s[`${cat}.${tag}` as TagStringKey] ?? tag}
          </label>`;
        })}
      </div>
    </fieldset>`;
}

// The counter is the field's description, so a screen reader reads the room left when entering it.
function suggestion(view: SurveyView, cat: RatingCategory): TemplateResult {
  const s = view.s;
  const value = view.answers.text[cat] ?? "";
  return html`<label class="text" for="t-${cat}"><span class="vh">${s[cat]}: </span>${s.suggestion}</label>
      <textarea
        part="textarea"
        id="t-${cat}"
        rows="1"
        maxlength=${MAX_SUGGESTION_LENGTH}
        aria-describedby="n-${cat}"
        .value=${value}
        @input=${(e: Event) => view.write(cat, (e.target as HTMLTextAreaElement).value)}
      ></textarea>
      <div class="counter" id="n-${cat}">${format(s.counter, value.length, MAX_SUGGESTION_LENGTH)}</div>`;
}
