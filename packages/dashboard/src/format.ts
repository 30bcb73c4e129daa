/** Number and time formatting for the views (the browser's locale, the view's time zone). */

export const percent = (value: number | null | undefined, digits = 1): string =>
  value === null || value === undefined ? "–" : `${(value * 100).toFixed(digits)}\u00a0%`;

export const count = (value: number): string => value.toLocaleString("en-US");

export const interval = (ci: [number, number] | null | undefined): string =>
  ci ? `${percent(ci[0])}\u00a0– ${percent(ci[1])}` : "";

/** A signed difference in percentage points. */
export const points = (value: number | null, digits = 1): string =>
  value === null
    ? "–"
    : `${value > 0 ? "+" : value < 0 ? "−" : "±"}${Math.abs(value * 100).toFixed(digits)}\u00a0pp`;

export const pValue = (p: number | null): string =>
  p === null ? "–" : p < 0.0001 ? "< 0.0001" : p.toFixed(p < 0.01 ? 4 : 3);

export function dateTime(iso: string, tz: string): string {
  return new Date(iso).toLocaleString("en-GB", {
    timeZone: tz,
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
}

export const CATEGORY_LABELS = {
  overall: "Overall",
  audio: "Audio",
  video: "Video",
  screenshare: "Screen share",
} as const;

export const CONTEXT_LABELS = {
  appVersion: "App version",
  platform: "Platform",
  browser: "Browser",
  sdkVersion: "SDK version",
} as const;

/** A label inside a sentence: "App version" → "app version", but "SDK version" keeps its acronym. */
export const inSentence = (label: string): string =>
  /^[A-Z][a-z]/.test(label) ? label[0]?.toLowerCase() + label.slice(1) : label;
