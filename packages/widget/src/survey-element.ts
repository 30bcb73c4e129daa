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
  DEFAULT_SURVEY_CONFIG,
  type RatingCategory,
  type SurveyConfig,
} from "@aftercall/schema";
import { html, nothing } from "lit/html.js";
import { ReactiveShadowElement } from "./base.js";
import { loadSurveyConfig } from "./config.js";
import type { SurveySkipDetail, SurveySubmitDetail } from "./events.js";
import {
  type Answers,
  askedCategories,
  buildSurvey,
  detailsWhenOf,
  parseModalities,
  scaleOf,
  unscored,
} from "./logic.js";
import {
  dirOf,
  isLocaleLoaded,
  loadLocale,
  mergeStrings,
  resolveLocale,
  type SurveyStrings,
} from "./strings.js";
import { styles } from "./styles.js";
import { detailsStep } from "./views/details-step.js";
import { errorMessage, thanksMessage } from "./views/messages.js";
import { rateStep } from "./views/rate-step.js";
import type { SurveyView } from "./views/view.js";

export type { SurveySkipDetail, SurveySubmitDetail } from "./events.js";

/** Where the survey is: waiting for configuration, step 1, step 2, thanked, failed, or skipped. */
type Step = "loading" | "rate" | "details" | "done" | "error" | "closed";

const EMPTY: Answers = { scores: {}, tags: {}, text: {} };

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
 * @event aftercall-submit - Sent or safely queued. `detail`: {@link SurveySubmitDetail} (`id`, `callId`, `localParticipantId`, ratings, `status`, `survey` as answered).
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
    // The first step appears in the page's language: its strings load alongside the configuration.
    Promise.all([loadSurveyConfig(client), loadLocale(this.#locale())]).then(([config]) => {
      if (generation !== this.#generation) return;
      this._config = config;
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
    const view = this.#view(s, dir === "rtl");
    // Without a survey built, an error of kind `config` is the page's setup: there is nothing to retry.
    const setup = this._error?.kind === "config" && !this.#survey;
    const body =
      this._step === "rate"
        ? rateStep(view, detailsWhenOf(this.details, this._config))
        : this._step === "details"
          ? detailsStep(view, this.#categories())
          : this._step === "done"
            ? thanksMessage(s, this._status)
            : this._step === "error"
              ? errorMessage(view, this._error, setup)
              : nothing;
    const theme = this.theme === "dark" || this.theme === "light" ? this.theme : "";
    return html`<div part="container" class="card ${theme}" lang=${locale} dir=${dir} aria-busy=${this._busy || this._step === "loading"}>${body}</div>`;
  }

  /** The shipped locale for the `lang` attribute, else the nearest `lang` in the page, else the browser's. */
  #locale() {
    return resolveLocale(this.lang || this.closest("[lang]")?.getAttribute("lang") || navigator.language);
  }

  /** This render's state and handlers, for the views. */
  #view(s: SurveyStrings, rtl: boolean): SurveyView {
    return {
      s,
      config: this._config,
      answers: this._answers,
      invalid: this._invalid,
      busy: this._busy,
      seed: this.#seed,
      rtl,
      pick: (cat, score, refocus) => {
        this.#answer("scores", cat, score);
        this._invalid = this._invalid.filter((c) => c !== cat);
        if (refocus) void this.updateComplete.then(() => this.#focusRating(cat));
      },
      toggle: (cat, tag, on) => {
        const rest = (this._answers.tags[cat] ?? []).filter((t) => t !== tag);
        this.#answer("tags", cat, on ? [...rest, tag] : rest);
      },
      write: (cat, text) => this.#answer("text", cat, text),
      next: () => {
        // Step 2 replaces step 1 under the focus: start keyboard and screen-reader users at its heading.
        this._step = "details";
        this.#focus = "#h";
      },
      send: (withDetails) => this.#send(withDetails),
      retry: () => void this.#submit(),
      skip: () => {
        this.#track("dismissed");
        const step = this._step as SurveySkipDetail["step"];
        this._step = "closed";
        this.#emit("aftercall-skip", { step });
      },
    };
  }

  #focusRating(cat: RatingCategory): void {
    this.renderRoot?.querySelector<HTMLElement>(`.rating[data-category=${cat}] [tabindex="0"]`)?.focus();
  }

  #answer<K extends keyof Answers>(
    kind: K,
    cat: RatingCategory,
    value: NonNullable<Answers[K][RatingCategory]>,
  ) {
    this._answers = { ...this._answers, [kind]: { ...this._answers[kind], [cat]: value } };
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
    this.#survey = buildSurvey(categories, (c) => scaleOf(this._config, c), this._answers, withDetails);
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
      this.#emit("aftercall-submit", { ...result.response, status: result.status, survey });
    } else {
      this.#fail(result.error);
    }
  }

  #fail(error: SurveyError): void {
    this._step = "error";
    this._error = error;
    this.#emit("aftercall-error", error);
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
}

declare global {
  interface HTMLElementTagNameMap {
    "aftercall-survey": AftercallSurveyElement;
  }
}
