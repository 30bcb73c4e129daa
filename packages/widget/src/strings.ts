import type {
  AudioIssue,
  OverallIssue,
  RatingCategory,
  ScreenshareIssue,
  VideoIssue,
} from "@aftercall/schema";
import { ISSUES } from "./logic.js";

/** Key of one issue tag's label: `<category>.<tag>`, e.g. `audio.NoLocalAudio`. */
export type TagStringKey =
  | `overall.${OverallIssue}`
  | `audio.${AudioIssue}`
  | `video.${VideoIssue}`
  | `screenshare.${ScreenshareIssue}`;

/**
 * Every text the survey shows. `{0}` and `{1}` are replaced by numbers. Set any subset through the
 * element's `strings` property; the rest comes from the locale, then from English.
 */
export interface SurveyStrings extends Record<RatingCategory | TagStringKey, string> {
  /** Step 1 heading and the overall rating's label. */
  title: string;
  /** Step 2 heading. */
  detailsTitle: string;
  /** Accessible name of a star: `{0}` the stars, `{1}` the maximum. */
  star: string;
  /** Worst end of a numbered scale; the "no" choice of a two-choice scale. */
  bad: string;
  /** Best end of a numbered scale; the "yes" choice of a two-choice scale. */
  good: string;
  /** Legend of a category's issue tags. */
  issues: string;
  /** Label of a category's free-text field. */
  suggestion: string;
  /** Character counter: `{0}` used, `{1}` limit. */
  counter: string;
  /** Shown when a category has tags or text but no score. */
  rateRequired: string;
  next: string;
  submit: string;
  skip: string;
  sending: string;
  thanks: string;
  /** Added to the thank-you message when the survey is stored on the device for later delivery. */
  queued: string;
  /** Heading of the error message; the error's own message follows. */
  error: string;
  retry: string;
  /** Heading of the error shown when the element is missing its endpoint, key or call ids. */
  configError: string;
}

/** Languages shipped with the widget. */
export type Locale = "en" | "de" | "fr" | "ar";

/** Keys of the interface strings, in table order. */
const UI_KEYS = [
  "title",
  "detailsTitle",
  "overall",
  "audio",
  "video",
  "screenshare",
  "star",
  "bad",
  "good",
  "issues",
  "suggestion",
  "counter",
  "rateRequired",
  "next",
  "submit",
  "skip",
  "sending",
  "thanks",
  "queued",
  "error",
  "retry",
  "configError",
] as const;

// Compile-time check that UI_KEYS lists every interface string of SurveyStrings.
type Unlisted = Exclude<keyof SurveyStrings, (typeof UI_KEYS)[number] | TagStringKey>;
const everyKeyListed: [Unlisted] extends [never] ? true : never = true;
void everyKeyListed;

/**
 * Every key in table order: the interface strings, then each category's tags in catalogue order
 * (`overall.CallCannotJoin` … `screenshare.OtherIssues`).
 */
export const STRING_KEYS: readonly (keyof SurveyStrings)[] = [
  ...UI_KEYS,
  ...(Object.keys(ISSUES) as RatingCategory[]).flatMap((c) =>
    ISSUES[c].map((t) => `${c}.${t}` as TagStringKey),
  ),
];

/**
 * A translation: the values of {@link SurveyStrings} in {@link STRING_KEYS} order. Arrays rather than
 * objects keep 52 keys × 4 languages out of the bundle; a test checks every table's length.
 */
export type Table = readonly string[];

const en: Table = [
  // Interface strings, in UI_KEYS order.
  "How was the call quality?",
  "What could have been better?",
  "Overall",
  "Audio",
  "Video",
  "Screen sharing",
  "{0} of {1} stars",
  "Bad",
  "Good",
  "What went wrong?",
  "Anything else? (optional)",
  "{0}/{1}",
  "Please rate this too.",
  "Next",
  "Submit",
  "Skip",
  "Sending…",
  "Thank you for your feedback!",
  "It will be sent as soon as you are back online.",
  "Your feedback could not be sent.",
  "Try again",
  "This survey is not set up correctly.",
  // Tags: overall, in catalogue order.
  "I could not join",
  "I could not add people",
  "I had to rejoin",
  "The call dropped",
  "Something else",
  // audio
  "Others could not hear me",
  "I could not hear others",
  "Echo",
  "Background noise",
  "Too quiet",
  "Audio stopped",
  "Distorted voices",
  "Audio kept cutting out",
  "Something else",
  // video
  "I could not see others",
  "Others could not see me",
  "Blurry",
  "Froze",
  "Video stopped",
  "Too dark",
  "Out of sync with sound",
  "Something else",
  // screenshare
  "Others could not see my screen",
  "I could not see the shared screen",
  "I could not share my screen",
  "Blurry",
  "Froze",
  "Sharing stopped",
  "Long delay",
  "Something else",
];

const table = (values: Table) =>
  Object.fromEntries(STRING_KEYS.map((key, i) => [key, values[i]])) as unknown as SurveyStrings;

/** Languages other than English: each a chunk of its own, fetched the first time it is shown. */
const LOADERS: Record<Exclude<Locale, "en">, () => Promise<{ default: Table }>> = {
  de: () => import("./locales/de.js"),
  fr: () => import("./locales/fr.js"),
  ar: () => import("./locales/ar.js"),
};

/** The string tables loaded so far; English is built in. */
const loaded: Partial<Record<Locale, Readonly<SurveyStrings>>> = { en: table(en) };

/** The English strings, built into the core bundle. */
export const EN: Readonly<SurveyStrings> = loaded.en as SurveyStrings;

/** Languages shipped with the widget: English built in, the others loaded on demand. */
export const LOCALE_NAMES: readonly Locale[] = ["en", "de", "fr", "ar"];

/**
 * The strings of a shipped locale, loading its chunk the first time. Never rejects: when the chunk cannot
 * be loaded (offline, blocked), it resolves to English and the next call tries again.
 *
 * @example const de = await loadLocale("de"); // de.submit === "Senden"
 */
export async function loadLocale(locale: Locale): Promise<Readonly<SurveyStrings>> {
  const known = loaded[locale];
  if (known) return known;
  try {
    const strings = table((await LOADERS[locale as Exclude<Locale, "en">]()).default);
    loaded[locale] = strings;
    return strings;
  } catch {
    return EN;
  }
}

/** Whether `locale`'s strings are loaded, so {@link mergeStrings} can use them. */
export const isLocaleLoaded = (locale: Locale): boolean => !!loaded[locale];

/** Primary language subtags written right to left. */
const RTL = ["ar", "fa", "he", "iw", "ps", "ur", "yi", "dv", "ku", "sd", "ug"];

/** The primary language subtag of a BCP 47 tag, lower-cased: `de-AT` → `de`. */
const primary = (tag: string | null | undefined): string =>
  (tag ?? "").trim().toLowerCase().split(/[-_]/)[0] ?? "";

/**
 * The shipped locale for a language tag: `de-AT` → `de`; anything unknown or empty → `en`.
 *
 * @example resolveLocale("fr-CA") // "fr"
 */
export function resolveLocale(tag: string | null | undefined): Locale {
  const lang = primary(tag);
  return LOCALE_NAMES.includes(lang as Locale) ? (lang as Locale) : "en";
}

/** Writing direction of a language tag. */
export function dirOf(tag: string | null | undefined): "ltr" | "rtl" {
  return RTL.includes(primary(tag)) ? "rtl" : "ltr";
}

/**
 * The strings to show: the overrides, else the locale's (once {@link loadLocale} loaded it), else English.
 * Empty or non-string overrides are ignored, so a partial or sloppy object never blanks out a label.
 */
export function mergeStrings(locale: Locale, overrides?: Partial<SurveyStrings> | null): SurveyStrings {
  const merged = { ...EN };
  for (const source of [loaded[locale] ?? {}, overrides ?? {}]) {
    for (const [key, value] of Object.entries(source)) {
      if (typeof value === "string" && value && Object.hasOwn(EN, key))
        merged[key as keyof SurveyStrings] = value;
    }
  }
  return merged;
}

/** Replace `{0}`, `{1}`… with the arguments. */
export function format(template: string, ...args: (string | number)[]): string {
  return template.replace(/\{(\d)\}/g, (m, i: string) => String(args[Number(i)] ?? m));
}
