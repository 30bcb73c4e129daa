import {
  type CallIdentity,
  type CallSurveyFeature,
  createSurveyClient,
  type SubmitResult,
  type SurveyClient,
  type SurveyError,
} from "@aftercall/client";
import {
  type CallSurvey,
  type CallSurveyResponse,
  DEFAULT_SCALE,
  DEFAULT_SURVEY_CONFIG,
  MAX_SUGGESTION_LENGTH,
  type RatingCategory,
  type RatingScale,
  type SurveyConfig,
} from "@aftercall/schema";
import { html, nothing, type TemplateResult } from "lit/html.js";
import { ReactiveShadowElement } from "./base.js";
import {
  type Answers,
  askedCategories,
  buildSurvey,
  needsDetails,
  parseModalities,
  scaleChoices,
  tagOrder,
  unscored,
} from "./logic.js";
import {
  dirOf,
  format,
  isLocaleLoaded,
  loadLocale,
  mergeStrings,
  resolveLocale,
  type SurveyStrings,
  type TagStringKey,
} from "./strings.js";
import { styles } from "./styles.js";

/** Detail of `aftercall-submit`: the server's ACS-shaped response plus how it was delivered. */
export type SurveySubmitDetail = CallSurveyResponse & {
  /** `delivered`: the server stored it; `queued`: stored on the device, delivered when back online. */
  status: "delivered" | "queued";
};

/** Detail of `aftercall-skip`: the step the participant left from. */
export interface SurveySkipDetail {
  step: "rate" | "details" | "error";
}

/** Where the survey is: waiting for configuration, step 1, step 2, thanked, failed, or skipped. */
type Step = "loading" | "rate" | "details" | "done" | "error" | "closed";

const EMPTY: Answers = { scores: {}, tags: {}, text: {} };

const STAR = html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="m12 2.8 2.8 5.8 6.3.8-4.6 4.4 1.2 6.3L12 17l-5.7 3.1 1.2-6.3-4.6-4.4 6.3-.8z"/></svg>`;
const CHECK = html`<svg viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="12" r="10"/><path d="m7.5 12.5 3 3 6-6.5"/></svg>`;
const ALERT = html`<svg viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="12" r="10"/><path d="M12 7v6.5m0 3v.5"/></svg>`;

/**
 * `<aftercall-survey>`: an end-of-call survey. Step 1 asks for the overall call quality; after a poor
 * score (or always, if configured) step 2 asks each modality the call used for its own rating, issue
 * tags in a per-survey random order, and an optional suggestion. The answer is sent with the Aftercall
 * client SDK, which queues it on the device when the network is down.
 *
 * Give it a server (`endpoint` + `project-key`) or a ready client (`.client`), and the call
 * (`call-id` + `participant-id`, or `.call`). Without them it shows a setup error (kind `config`).
 *
 * @example
 * ```html
 * <script type="module" src="https://surveys.example.com/widget/aftercall-widget.js"></script>
 * <aftercall-survey endpoint="https://surveys.example.com" project-key="ac_pk_…"
 *   call-id="c-42" participant-id="p-7" modalities="audio,video" lang="de"></aftercall-survey>
 * ```
 *
 * @attr endpoint - Base URL of the Aftercall server (with `project-key`, the element makes its own client).
 * @attr project-key - The project's publishable ingest key, `ac_pk_…`.
 * @attr call-id - The call being rated.
 * @attr participant-id - The participant answering.
 * @attr modalities - What the call used, of `audio`, `video`, `screenshare` (comma or space separated); default: every configured category.
 * @attr details - `always` asks step 2 after any score; `poor` only after a poor one. Default: the project's `detailsWhen`.
 * @attr lang - Language (`en`, `de`, `fr`, `ar`); default: the nearest `lang` in the page, then the browser's.
 * @attr theme - `light` or `dark`; default: the system preference.
 *
 * @event aftercall-submit - Sent or safely queued. `detail`: {@link SurveySubmitDetail} (`id`, `callId`, `localParticipantId`, ratings, `status`).
 * @event aftercall-skip - The participant skipped. `detail`: {@link SurveySkipDetail}. A `dismissed` event is recorded.
 * @event aftercall-error - A permanent failure, or a setup error (kind `config`). `detail`: `SurveyError` (`kind`, `message`, `code`).
 *
 * @csspart container - The card around everything.
 * @csspart heading - The step heading.
 * @csspart rating - A rating's radio group.
 * @csspart choice - One choice (star, number, bad/good) of a rating.
 * @csspart tag - The label around one issue-tag checkbox.
 * @csspart textarea - A free-text suggestion field.
 * @csspart submit - The primary button (Next, Submit, Try again).
 * @csspart skip - The Skip button.
 * @csspart message - The thank-you or error message.
 *
 * @cssproperty --aftercall-accent - Selected choices, primary button, focus ring.
 * @cssproperty --aftercall-on-accent - Text on the accent colour.
 * @cssproperty --aftercall-bg - Card background.
 * @cssproperty --aftercall-fg - Text colour.
 * @cssproperty --aftercall-muted - Secondary text and empty stars.
 * @cssproperty --aftercall-border - Borders of controls.
 * @cssproperty --aftercall-star - Filled stars.
 * @cssproperty --aftercall-error - Error text and icon.
 * @cssproperty --aftercall-radius - Corner radius of the card (controls scale with it).
 * @cssproperty --aftercall-font - Font family.
 * @cssproperty --aftercall-max-width - Maximum width of the card (default 34rem).
 */
export class AftercallSurveyElement extends ReactiveShadowElement {
  static override styles = styles;
  static override attributes = [
    "endpoint",
    "projectKey",
    "callId",
    "participantId",
    "modalities",
    "details",
    "theme",
    "lang",
  ];
  static override state = [
    "client",
    "call",
    "strings",
    "_step",
    "_busy",
    "_answers",
    "_invalid",
    "_config",
    "_status",
    "_error",
  ];

  /** Base URL of the Aftercall server. */
  declare endpoint: string | undefined;
  /** Publishable ingest key of the project. */
  declare projectKey: string | undefined;
  declare callId: string | undefined;
  declare participantId: string | undefined;
  /** Modalities the call used: `"audio,video"` or `["audio", "video"]`. */
  declare modalities: string | readonly string[] | undefined;
  /** Overrides the project's `detailsWhen`. */
  declare details: "poor" | "always" | undefined;
  declare theme: "light" | "dark" | undefined;
  /** A client to use instead of one made from `endpoint` and `project-key`. */
  declare client: SurveyClient | undefined;
  /** The call, instead of `call-id` and `participant-id`. */
  declare call: CallIdentity | undefined;
  /** Overrides of any shown text; the rest comes from the locale, then English. */
  declare strings: Partial<SurveyStrings> | undefined;

  declare private _step: Step;
  declare private _busy: boolean;
  declare private _answers: Answers;
  declare private _invalid: RatingCategory[];
  declare private _config: SurveyConfig;
  declare private _status: SurveySubmitDetail["status"] | undefined;
  declare private _error: SurveyError | undefined;

  #setupKey?: string;
  #setupClient?: SurveyClient | undefined;
  #own?: [string, SurveyClient] | undefined;
  #feature?: CallSurveyFeature | undefined;
  #seed = "";
  #generation = 0;
  #shown = false;
  #survey?: CallSurvey | undefined;
  #focus?: string | undefined;
  #rtl = false;

  constructor() {
    super();
    this._step = "loading";
    this._busy = false;
    this._answers = EMPTY;
    this._invalid = [];
    this._config = DEFAULT_SURVEY_CONFIG;
  }

  // A new call, server or client starts a new survey. Compared by value: a React parent passing
  // `call={{ … }}` on every render must not wipe the answers.
  protected override willUpdate(): void {
    const callId = this.call?.callId ?? this.callId;
    const participantId = this.call?.participantId ?? this.participantId;
    const key = [this.endpoint, this.projectKey, callId, participantId].join("\n");
    if (key === this.#setupKey && this.client === this.#setupClient) return;
    this.#setupKey = key;
    this.#setupClient = this.client;
    const generation = ++this.#generation;
    this.#feature = undefined;
    this.#survey = undefined;
    this.#shown = false;
    this._answers = EMPTY;
    this._invalid = [];
    this._busy = false;

    let client = this.client;
    if (!client && this.endpoint && this.projectKey) {
      const ownKey = `${this.endpoint}\n${this.projectKey}`;
      if (this.#own?.[0] !== ownKey) {
        try {
          this.#own = [ownKey, createSurveyClient({ endpoint: this.endpoint, projectKey: this.projectKey })];
        } catch {
          this.#own = undefined;
        }
      }
      client = this.#own?.[1];
    }
    if (!client || !callId || !participantId) {
      // Scripts often set `.client` or `.call` just after the element upgraded: give them a task first.
      this._step = "loading";
      setTimeout(() => {
        if (generation !== this.#generation) return;
        this.#fail({
          kind: "config",
          code: 400,
          message: "Needs endpoint and project-key (or .client), and call-id and participant-id (or .call).",
        });
      });
      return;
    }
    this.#seed = `${callId}|${participantId}`;
    this.#feature = client.forCall({ callId, participantId });
    this._step = "loading";
    // Configuration never fails the survey: the client falls back to the cached or default one.
    const source = client;
    // The first step appears in the page's language: its strings load alongside the configuration.
    Promise.all([
      Promise.resolve()
        .then(() => source.getConfig())
        .then(
          (c) => c.config,
          () => DEFAULT_SURVEY_CONFIG,
        ),
      loadLocale(this.#locale()),
    ]).then(([config]) => {
      if (generation !== this.#generation) return;
      this._config = { ...DEFAULT_SURVEY_CONFIG, ...config };
      this._step = "rate";
    });
  }

  protected override updated(): void {
    if (this._step === "rate" && !this.#shown) {
      this.#shown = true;
      this.#track("shown");
      // The survey usually replaces the call UI, taking the focused "End call" button with it: bring a
      // keyboard or screen-reader user to the question instead of leaving focus on <body>.
      const active = document.activeElement;
      if (!active || active === document.body) this.#focus ??= "#h";
    }
    const id = this.#focus;
    this.#focus = undefined;
    if (id) this.renderRoot?.querySelector<HTMLElement>(id)?.focus();
  }

  protected override render(): unknown {
    if (this._step === "closed") return nothing;
    const locale = this.#locale();
    // A language changed after loading shows in English until its strings arrive, then re-renders.
    if (!isLocaleLoaded(locale))
      void loadLocale(locale).then(() => isLocaleLoaded(locale) && this.requestUpdate());
    const s = mergeStrings(locale, this.strings);
    const dir = this.getAttribute("dir") || dirOf(locale);
    this.#rtl = dir === "rtl";
    const body =
      this._step === "rate"
        ? this.#rateStep(s)
        : this._step === "details"
          ? this.#detailsStep(s)
          : this._step === "done"
            ? this.#done(s)
            : this._step === "error"
              ? this.#errorView(s)
              : nothing;
    const theme = this.theme === "dark" || this.theme === "light" ? this.theme : "";
    return html`<div part="container" class="card ${theme}" lang=${locale} dir=${dir} aria-busy=${this._busy || this._step === "loading"}>${body}</div>`;
  }

  /** The shipped locale for the `lang` attribute, else the nearest `lang` in the page, else the browser's. */
  #locale() {
    return resolveLocale(this.lang || this.closest("[lang]")?.getAttribute("lang") || navigator.language);
  }

  #rateStep(s: SurveyStrings): TemplateResult {
    const score = this._answers.scores.overall;
    const next = score !== undefined && needsDetails(score, this.#scale("overall"), this.#detailsWhen());
    return html`<h2 part="heading" id="h" tabindex="-1">${s.title}</h2>
      ${this.#rating("overall", "h", s)}
      ${this.#actions(
        s,
        next ? s.next : s.submit,
        next ? "next" : "submit",
        score === undefined,
        next ? () => this.#go("details") : () => this.#send(false),
      )}`;
  }

  // Every category has its own rating here, overall included (pre-filled from step 1, still editable):
  // scores are never copied from one category to another.
  #detailsStep(s: SurveyStrings): TemplateResult {
    return html`<h2 part="heading" id="h" tabindex="-1">${s.detailsTitle}</h2>
      ${this.#categories().map(
        (cat) => html`<div class="cat" data-category=${cat}>
          <h3 id="c-${cat}">${s[cat]}</h3>
          ${this.#rating(cat, `c-${cat}`, s)} ${this.#tags(cat, s)}
          ${this._config.allowSuggestions ? this.#suggestion(cat, s) : nothing}
        </div>`,
      )}
      ${this.#actions(s, s.submit, "submit", false, () => this.#send(true))}`;
  }

  #done(s: SurveyStrings): TemplateResult {
    return html`<div part="message" class="msg" id="msg" role="status" aria-live="polite" tabindex="-1">
      ${CHECK}
      <div>
        <p class="title">${s.thanks}</p>
        ${this._status === "queued" ? html`<p class="muted">${s.queued}</p>` : nothing}
      </div>
    </div>`;
  }

  #errorView(s: SurveyStrings): TemplateResult {
    const setup = this._error?.kind === "config" && !this.#survey;
    return html`<div part="message" class="msg error" id="msg" role="alert" tabindex="-1">
        ${ALERT}
        <div>
          <p class="title">${setup ? s.configError : s.error}</p>
          <p class="muted">${this._error?.message}</p>
        </div>
      </div>
      ${setup ? nothing : this.#actions(s, s.retry, "retry", false, () => this.#submit())}`;
  }

  #actions(
    s: SurveyStrings,
    label: string,
    action: string,
    disabled: boolean,
    onPrimary: () => void,
  ): TemplateResult {
    const busy = this._busy;
    return html`<div class="actions">
      <button type="button" part="skip" data-action="skip" ?disabled=${busy} @click=${() => this.#skip()}>${s.skip}</button>
      <button
        type="button"
        part=${action === "retry" ? "submit retry" : "submit"}
        class="primary"
        data-action=${action}
        ?disabled=${busy || disabled}
        @click=${onPrimary}
      >
        ${busy ? s.sending : label}
      </button>
    </div>`;
  }

  /** A rating as a radio group: roving tabindex, arrows move and select, Home/End. */
  #rating(cat: RatingCategory, labelId: string, s: SurveyStrings): TemplateResult {
    const { kind, values } = scaleChoices(this.#scale(cat));
    const value = this._answers.scores[cat];
    const focusable = value ?? values[0];
    const last = values.length - 1;
    const invalid = this._invalid.includes(cat);
    return html`<div
        part="rating"
        class="rating ${kind} ${values.length > 11 ? "wrap" : ""}"
        role="radiogroup"
        aria-labelledby=${labelId}
        aria-describedby=${invalid ? `e-${cat}` : nothing}
        data-category=${cat}
        @keydown=${(e: KeyboardEvent) => this.#key(e, cat, values)}
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
            @click=${() => this.#pick(cat, v)}
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

  #tags(cat: RatingCategory, s: SurveyStrings): TemplateResult {
    const picked = this._answers.tags[cat] ?? [];
    return html`<fieldset>
      <legend><span class="vh">${s[cat]}: </span>${s.issues}</legend>
      <div class="chips">
        ${tagOrder(cat, this.#seed, this._config.randomizeTagOrder).map((tag) => {
          const on = picked.includes(tag);
          return html`<label part="tag" class="tag ${on ? "on" : ""}">
            <input
              type="checkbox"
              data-tag=${tag}
              .checked=${on}
              @change=${(e: Event) => this.#toggle(cat, tag, (e.target as HTMLInputElement).checked)}
            />${s[`${cat}.${tag}` as TagStringKey] ?? tag}
          </label>`;
        })}
      </div>
    </fieldset>`;
  }

  #suggestion(cat: RatingCategory, s: SurveyStrings): TemplateResult {
    const value = this._answers.text[cat] ?? "";
    return html`<label class="text" for="t-${cat}"><span class="vh">${s[cat]}: </span>${s.suggestion}</label>
      <textarea
        part="textarea"
        id="t-${cat}"
        rows="1"
        maxlength=${MAX_SUGGESTION_LENGTH}
        aria-describedby="n-${cat}"
        .value=${value}
        @input=${(e: Event) => this.#answer("text", cat, (e.target as HTMLTextAreaElement).value)}
      ></textarea>
      <div class="counter" id="n-${cat}">${format(s.counter, value.length, MAX_SUGGESTION_LENGTH)}</div>`;
  }

  #key(e: KeyboardEvent, cat: RatingCategory, values: number[]): void {
    const step = { ArrowDown: 1, ArrowUp: -1, ArrowRight: this.#rtl ? -1 : 1, ArrowLeft: this.#rtl ? 1 : -1 }[
      e.key as "ArrowDown"
    ];
    const current = values.indexOf(Number((e.target as HTMLElement).dataset.value));
    const n = values.length;
    const i = e.key === "Home" ? 0 : e.key === "End" ? n - 1 : step ? (current + step + n) % n : -1;
    const v = values[i];
    if (v === undefined) return;
    e.preventDefault();
    this.#pick(cat, v);
    void this.updateComplete.then(() => this.#focusRating(cat));
  }

  #focusRating(cat: RatingCategory): void {
    this.renderRoot?.querySelector<HTMLElement>(`.rating[data-category=${cat}] [tabindex="0"]`)?.focus();
  }

  #pick(cat: RatingCategory, score: number): void {
    this.#answer("scores", cat, score);
    this._invalid = this._invalid.filter((c) => c !== cat);
  }

  #toggle(cat: RatingCategory, tag: string, on: boolean): void {
    const rest = (this._answers.tags[cat] ?? []).filter((t) => t !== tag);
    this.#answer("tags", cat, on ? [...rest, tag] : rest);
  }

  #answer<K extends keyof Answers>(
    kind: K,
    cat: RatingCategory,
    value: NonNullable<Answers[K][RatingCategory]>,
  ) {
    this._answers = { ...this._answers, [kind]: { ...this._answers[kind], [cat]: value } };
  }

  #go(step: "details"): void {
    this._step = step;
    this.#focus = "#h";
  }

  #send(withDetails: boolean): void {
    const categories = this.#categories();
    if (withDetails) {
      this._invalid = unscored(categories, this._answers);
      const first = this._invalid[0];
      if (first) {
        void this.updateComplete.then(() => this.#focusRating(first));
        return;
      }
    }
    this.#survey = buildSurvey(categories, (c) => this.#scale(c), this._answers, withDetails);
    void this.#submit();
  }

  async #submit(): Promise<void> {
    const feature = this.#feature;
    const survey = this.#survey;
    if (!feature || !survey || this._busy) return;
    const generation = this.#generation;
    this._busy = true;
    let result: SubmitResult;
    try {
      result = await feature.send(survey);
    } catch (e) {
      result = {
        ok: false,
        error: { kind: "network", code: 408, message: String((e as Error)?.message ?? e) },
      };
    }
    if (generation !== this.#generation) return;
    this._busy = false;
    this.#focus = "#msg";
    if (result.ok) {
      this._step = "done";
      this._status = result.status;
      this.#emit("aftercall-submit", { ...result.response, status: result.status });
    } else {
      this.#fail(result.error);
    }
  }

  #fail(error: SurveyError): void {
    this._step = "error";
    this._error = error;
    this.#emit("aftercall-error", error);
  }

  #skip(): void {
    this.#track("dismissed");
    const step = this._step as SurveySkipDetail["step"];
    this._step = "closed";
    this.#emit("aftercall-skip", { step });
  }

  #track(type: "shown" | "dismissed"): void {
    const feature = this.#feature;
    Promise.resolve()
      .then(() => feature?.track(type))
      .catch(() => {});
  }

  #emit(type: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  #categories(): RatingCategory[] {
    return askedCategories(this._config, parseModalities(this.modalities));
  }

  #scale(cat: RatingCategory): RatingScale {
    return this._config.scales?.[cat] ?? DEFAULT_SCALE;
  }

  #detailsWhen(): "poor" | "always" {
    return this.details === "always" || this.details === "poor" ? this.details : this._config.detailsWhen;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "aftercall-survey": AftercallSurveyElement;
  }
  interface HTMLElementEventMap {
    "aftercall-submit": CustomEvent<SurveySubmitDetail>;
    "aftercall-skip": CustomEvent<SurveySkipDetail>;
    "aftercall-error": CustomEvent<SurveyError>;
  }
}
