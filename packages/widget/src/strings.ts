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
type Table = readonly string[];

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

const de: Table = [
  // Interface strings, in UI_KEYS order.
  "Wie war die Gesprächsqualität?",
  "Was hätte besser sein können?",
  "Insgesamt",
  "Ton",
  "Video",
  "Bildschirmfreigabe",
  "{0} von {1} Sternen",
  "Schlecht",
  "Gut",
  "Was lief schief?",
  "Sonst noch etwas? (optional)",
  "{0}/{1}",
  "Bitte bewerten Sie auch dies.",
  "Weiter",
  "Senden",
  "Überspringen",
  "Wird gesendet…",
  "Vielen Dank für Ihr Feedback!",
  "Es wird gesendet, sobald Sie wieder online sind.",
  "Ihr Feedback konnte nicht gesendet werden.",
  "Erneut versuchen",
  "Diese Umfrage ist nicht richtig eingerichtet.",
  // Tags: overall, in catalogue order.
  "Ich konnte nicht beitreten",
  "Ich konnte niemanden einladen",
  "Ich musste neu beitreten",
  "Der Anruf brach ab",
  "Etwas anderes",
  // audio
  "Andere hörten mich nicht",
  "Ich hörte andere nicht",
  "Echo",
  "Hintergrundgeräusche",
  "Zu leise",
  "Ton fiel aus",
  "Verzerrte Stimmen",
  "Ton setzte immer wieder aus",
  "Etwas anderes",
  // video
  "Ich sah andere nicht",
  "Andere sahen mich nicht",
  "Unscharf",
  "Eingefroren",
  "Video fiel aus",
  "Zu dunkel",
  "Bild und Ton nicht synchron",
  "Etwas anderes",
  // screenshare
  "Andere sahen meinen Bildschirm nicht",
  "Ich sah den geteilten Bildschirm nicht",
  "Ich konnte meinen Bildschirm nicht teilen",
  "Unscharf",
  "Eingefroren",
  "Freigabe brach ab",
  "Große Verzögerung",
  "Etwas anderes",
];

// French typography: a no-break space before ? and !.
const fr: Table = [
  // Interface strings, in UI_KEYS order.
  "Comment était la qualité de l’appel\u00a0?",
  "Qu’est-ce qui aurait pu être mieux\u00a0?",
  "Dans l’ensemble",
  "Audio",
  "Vidéo",
  "Partage d’écran",
  "{0} sur {1} étoiles",
  "Mauvais",
  "Bon",
  "Qu’est-ce qui n’a pas marché\u00a0?",
  "Autre chose\u00a0? (facultatif)",
  "{0}/{1}",
  "Veuillez aussi donner une note ici.",
  "Suivant",
  "Envoyer",
  "Passer",
  "Envoi…",
  "Merci pour votre avis\u00a0!",
  "Il sera envoyé dès que vous serez de nouveau en ligne.",
  "Votre avis n’a pas pu être envoyé.",
  "Réessayer",
  "Ce questionnaire n’est pas configuré correctement.",
  // Tags: overall, in catalogue order.
  "Je n’ai pas pu rejoindre",
  "Je n’ai pas pu inviter",
  "J’ai dû rejoindre à nouveau",
  "L’appel a coupé",
  "Autre chose",
  // audio
  "Les autres ne m’entendaient pas",
  "Je n’entendais pas les autres",
  "Écho",
  "Bruit de fond",
  "Trop faible",
  "Le son s’est coupé",
  "Voix déformées",
  "Son haché",
  "Autre chose",
  // video
  "Je ne voyais pas les autres",
  "Les autres ne me voyaient pas",
  "Image floue",
  "Image figée",
  "La vidéo s’est arrêtée",
  "Trop sombre",
  "Son et image décalés",
  "Autre chose",
  // screenshare
  "Les autres ne voyaient pas mon écran",
  "Je ne voyais pas l’écran partagé",
  "Je n’ai pas pu partager mon écran",
  "Image floue",
  "Image figée",
  "Le partage s’est arrêté",
  "Long retard",
  "Autre chose",
];

const ar: Table = [
  // Interface strings, in UI_KEYS order.
  "كيف كانت جودة المكالمة؟",
  "ما الذي كان يمكن أن يكون أفضل؟",
  "بشكل عام",
  "الصوت",
  "الفيديو",
  "مشاركة الشاشة",
  "{0} من {1} نجوم",
  "سيئة",
  "جيدة",
  "ما المشكلة؟",
  "هل من شيء آخر؟ (اختياري)",
  "{0}/{1}",
  "يرجى تقييم هذا أيضًا.",
  "التالي",
  "إرسال",
  "تخطي",
  "جارٍ الإرسال…",
  "شكرًا لك على ملاحظاتك!",
  "سيتم إرسالها فور عودتك إلى الإنترنت.",
  "تعذّر إرسال ملاحظاتك.",
  "إعادة المحاولة",
  "لم يتم إعداد هذا الاستطلاع بشكل صحيح.",
  // Tags: overall, in catalogue order.
  "لم أتمكن من الانضمام",
  "لم أتمكن من دعوة أحد",
  "اضطررت لإعادة الانضمام",
  "انقطعت المكالمة",
  "شيء آخر",
  // audio
  "لم يسمعني الآخرون",
  "لم أسمع الآخرين",
  "صدى",
  "ضوضاء في الخلفية",
  "الصوت منخفض جدًا",
  "توقف الصوت",
  "أصوات مشوّهة",
  "الصوت يتقطع",
  "شيء آخر",
  // video
  "لم أرَ الآخرين",
  "لم يرني الآخرون",
  "غير واضح",
  "متجمّد",
  "توقف الفيديو",
  "مظلم جدًا",
  "الصوت والصورة غير متزامنين",
  "شيء آخر",
  // screenshare
  "لم يرَ الآخرون شاشتي",
  "لم أرَ الشاشة المشتركة",
  "لم أتمكن من مشاركة شاشتي",
  "غير واضحة",
  "متجمّدة",
  "توقفت المشاركة",
  "تأخير كبير",
  "شيء آخر",
];

const table = (values: Table) =>
  Object.fromEntries(STRING_KEYS.map((key, i) => [key, values[i]])) as unknown as SurveyStrings;

/** The built-in string tables. */
export const LOCALES: Readonly<Record<Locale, Readonly<SurveyStrings>>> = {
  en: table(en),
  de: table(de),
  fr: table(fr),
  ar: table(ar),
};

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
  return Object.hasOwn(LOCALES, lang) ? (lang as Locale) : "en";
}

/** Writing direction of a language tag. */
export function dirOf(tag: string | null | undefined): "ltr" | "rtl" {
  return RTL.includes(primary(tag)) ? "rtl" : "ltr";
}

/**
 * The strings to show: the overrides, else the locale's, else English. Empty or non-string overrides are
 * ignored, so a partial or sloppy object never blanks out a label.
 */
export function mergeStrings(locale: Locale, overrides?: Partial<SurveyStrings> | null): SurveyStrings {
  const merged = { ...LOCALES.en };
  for (const source of [LOCALES[locale], overrides ?? {}]) {
    for (const [key, value] of Object.entries(source)) {
      if (typeof value === "string" && value && Object.hasOwn(LOCALES.en, key))
        merged[key as keyof SurveyStrings] = value;
    }
  }
  return merged;
}

/** Replace `{0}`, `{1}`… with the arguments. */
export function format(template: string, ...args: (string | number)[]): string {
  return template.replace(/\{(\d)\}/g, (m, i: string) => String(args[Number(i)] ?? m));
}
