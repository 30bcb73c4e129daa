/**
 * Words and numbers of an alert as people read them in chat: shared by the Slack and Teams payloads so
 * that both say the same thing. Values from surveys (dimension values, app versions) are untrusted: each
 * payload escapes them for its own markup, and they are shortened here.
 */
import type { RatingCategory } from "@aftercall/schema";
import type { CallSurveyAlert } from "./alert-record.js";
import type { AlertFilter } from "./alert-rule.js";
import type { ExcessContribution } from "./explain.js";

const CATEGORY_WORDS: Record<RatingCategory, string> = {
  overall: "overall call",
  audio: "audio",
  video: "video",
  screenshare: "screen-share",
};

/** Longest survey-provided value shown (a dimension value may be 200 characters). */
export const MAX_VALUE_CHARS = 60;

/** `text` cut to `max` characters, ending in "…" when cut (never splitting a surrogate pair). */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = max - 1;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  return `${text.slice(0, cut)}…`;
}

/** "19.8%", or "n/a" without a rate. */
export const percent = (rate: number | null): string =>
  rate === null ? "n/a" : `${(rate * 100).toFixed(1)}%`;

/** "14.9–25.8%", or "n/a" without an interval. */
export const percentRange = (ci: readonly [number, number] | null): string =>
  ci === null ? "n/a" : `${(ci[0] * 100).toFixed(1)}–${(ci[1] * 100).toFixed(1)}%`;

const signed = (n: number): string => `${n >= 0 ? "+" : "−"}${Math.abs(n).toFixed(Math.abs(n) < 10 ? 1 : 0)}`;

/** "3 h 20 min", "45 min", "2 d 4 h". */
export function duration(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${rest} min`;
  return `${rest} min`;
}

/** "HH:MM UTC" of an ISO time (chat clients localise their own date tokens; this is the fallback). */
export const utcTime = (iso: string): string => `${iso.slice(11, 16)} UTC`;

/** The cohort in words: "all surveys" or "appVersion = 5.2.0, audio tag Echo, region = eu". */
export function cohortText(filter: AlertFilter): string {
  const parts: string[] = [];
  for (const key of ["appVersion", "platform", "browser", "sdkVersion"] as const) {
    const value = filter[key];
    if (value !== undefined) parts.push(`${key} = ${truncate(value, MAX_VALUE_CHARS)}`);
  }
  if (filter.tag) parts.push(`${filter.tag.category} tag ${filter.tag.tag}`);
  for (const [key, value] of Object.entries(filter.dimensions ?? {}))
    parts.push(`${key} = ${truncate(value, MAX_VALUE_CHARS)}`);
  return parts.length > 0 ? parts.join(", ") : "all surveys";
}

/** "Firing: <rule name>" or "Resolved: <rule name>". */
export function title(alert: CallSurveyAlert): string {
  return `${alert.transition.to === "firing" ? "Firing" : "Resolved"}: ${alert.rule.name}`;
}

const baselineWords = (alert: CallSurveyAlert): string =>
  alert.rule.baseline.type === "trailing"
    ? `the ${alert.rule.baseline.days}-day baseline of ${percent(alert.statistics.baseline.poorRate)}`
    : `the fixed baseline of ${percent(alert.rule.baseline.poorRate)}`;

/** One or two sentences: what rose (or came back), by how much, against what. */
export function summary(alert: CallSurveyAlert): string {
  const { window, evidence } = alert.statistics;
  const what = `Poor ${CATEGORY_WORDS[alert.rule.category]} ratings`;
  const span = `the last ${duration(alert.rule.windowMinutes * 60_000)}`;
  const rate = `${percent(window.poorRate)} (95% CI ${percentRange(window.poorRateCi95)}, ${window.poor} of ${window.surveys})`;
  if (alert.transition.to === "firing") {
    const since = evidence
      ? ` The rise began around ${utcTime(evidence.since)}: ${evidence.poor} poor of ${evidence.surveys} since (${percent(evidence.poorRate)}).`
      : "";
    return `${what} rose to ${rate} over ${span}, above ${baselineWords(alert)} by more than the rule's minimum effect.${since}`;
  }
  const lasted =
    alert.firingSince !== null
      ? ` It fired for ${duration(Date.parse(alert.time) - Date.parse(alert.firingSince))}.`
      : "";
  return `${what} are back to ${rate} over ${span}, near ${baselineWords(alert)}.${lasted}`;
}

/** "+22 poor ratings (95% CI +14 to +30), 61% of the excess; 37.5% here vs 10.0% baseline". */
export function contributionText(c: ExcessContribution): string {
  const share = c.shareOfExcess === null ? "" : `, ${Math.round(c.shareOfExcess * 100)}% of the excess`;
  const base = c.baseline.source === "own" ? "its baseline" : "the overall baseline";
  return `${signed(c.excessPoor)} poor ratings (95% CI ${signed(c.excessPoorCi95[0])} to ${signed(c.excessPoorCi95[1])})${share}; ${percent(c.window.poorRate)} vs ${percent(c.baseline.poorRate)} ${base}`;
}

/** "app version", "issue tag", "region" (from "dimension.region"), "network band". */
export function dimensionWords(dimension: string): string {
  const known: Record<string, string> = {
    appVersion: "app version",
    platform: "platform",
    browser: "browser",
    sdkVersion: "SDK version",
    tag: "issue tag",
    networkBand: "network band",
  };
  return known[dimension] ?? truncate(dimension.replace(/^dimension\./, ""), 40);
}
