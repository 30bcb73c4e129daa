/**
 * A Slack incoming-webhook message (Block Kit) from an alert record: POST it as JSON to the webhook URL.
 *
 * Limits relied on (docs.slack.dev, Block Kit reference and chat.postMessage): at most 50 blocks; a
 * header's plain_text at most 150 characters; a section's text 1–3000 characters, or at most 10 fields
 * of at most 2000; a context block at most 10 elements; the top-level `text` is the notification
 * fallback when blocks are present, best kept within 4000 characters. In text objects `&`, `<` and `>`
 * must be escaped, which also keeps survey-provided values from forming mentions (`<!channel>`) or links;
 * sections showing such values are `verbatim`, so URLs and channel names in them stay plain text.
 */
import type { CallSurveyAlert } from "./alert-record.js";
import {
  cohortText,
  contributionText,
  dimensionWords,
  MAX_VALUE_CHARS,
  percent,
  percentRange,
  summary,
  title,
  truncate,
} from "./alert-text.js";

export interface SlackTextObject {
  type: "plain_text" | "mrkdwn";
  text: string;
  emoji?: boolean;
  verbatim?: boolean;
}

export type SlackBlock =
  | { type: "header"; text: SlackTextObject }
  | { type: "section"; text: SlackTextObject }
  | { type: "section"; fields: SlackTextObject[] }
  | { type: "divider" }
  | { type: "context"; elements: SlackTextObject[] };

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

export const SLACK_LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  fallbackText: 4000,
} as const;

/** Breakdowns and values per breakdown shown (chat is for the gist; the record holds the rest). */
const MAX_BREAKDOWNS = 6;
const MAX_VALUES = 5;

/** Escape Slack's three control characters (mrkdwn and the fallback text). */
export const escapeMrkdwn = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Escaped text cut to `max` characters without leaving half an entity at the cut. */
const cutEscaped = (text: string, max: number): string => truncate(text, max).replace(/&[a-z]{0,3}…$/, "…");

/**
 * A mrkdwn object (text already escaped) cut to `max` characters. `verbatim` stops Slack from turning
 * URLs and channel names in survey-provided values into links.
 */
const mrkdwn = (text: string, max: number, verbatim = false): SlackTextObject =>
  verbatim
    ? { type: "mrkdwn", text: cutEscaped(text, max), verbatim: true }
    : { type: "mrkdwn", text: cutEscaped(text, max) };

/** A link target Slack cannot misread: `|` and `>` end its `<url|label>` syntax. */
const linkTarget = (url: string): string =>
  url.replace(/\|/g, "%7C").replace(/</g, "%3C").replace(/>/g, "%3E");

/** `<!date^…|fallback>`: Slack shows the time in each reader's own zone. */
function slackDate(iso: string): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  return `<!date^${seconds}^{date_short_pretty} {time}|${iso.slice(0, 16).replace("T", " ")} UTC>`;
}

function fields(alert: CallSurveyAlert): SlackTextObject[] {
  const { window, baseline, evidence, test } = alert.statistics;
  const field = (label: string, body: string) => mrkdwn(`*${label}*\n${body}`, SLACK_LIMITS.fieldText);
  const list = [
    field(
      "Window",
      `${percent(window.poorRate)} (${percentRange(window.poorRateCi95)})\n${window.poor} poor of ${window.surveys}`,
    ),
    field(
      "Baseline",
      `${percent(baseline.poorRate)} (${percentRange(baseline.poorRateCi95)})\n${baseline.type === "trailing" ? `${baseline.poor} poor of ${baseline.surveys}` : "fixed"}`,
    ),
    mrkdwn(
      `*Cohort*\n${escapeMrkdwn(`${alert.rule.category} · ${cohortText(alert.rule.filter)}`)}`,
      SLACK_LIMITS.fieldText,
      true,
    ),
    field("Project", escapeMrkdwn(alert.projectId)),
  ];
  if (evidence)
    list.push(
      field(
        "Since the rise began",
        `${percent(evidence.poorRate)} (${evidence.poor} of ${evidence.surveys})`,
      ),
    );
  if (test.boundaryRate !== null) list.push(field("Alerts above", percent(test.boundaryRate)));
  return list.slice(0, SLACK_LIMITS.fields);
}

function explanationBlocks(alert: CallSurveyAlert): SlackBlock[] {
  const blocks: SlackBlock[] = [];
  for (const e of alert.explanations.slice(0, MAX_BREAKDOWNS)) {
    if (e.contributions.length === 0) continue;
    const lines = e.contributions
      .slice(0, MAX_VALUES)
      .map(
        (c) =>
          `• *${escapeMrkdwn(truncate(c.value, MAX_VALUE_CHARS))}*: ${escapeMrkdwn(contributionText(c))}`,
      );
    const more = e.contributions.length - MAX_VALUES + e.omitted;
    if (more > 0) lines.push(`_and ${more} more_`);
    const heading = `*What carries the excess: ${escapeMrkdwn(dimensionWords(e.dimension))}*`;
    blocks.push({
      type: "section",
      text: mrkdwn(`${heading}\n${lines.join("\n")}`, SLACK_LIMITS.sectionText),
    });
  }
  return blocks;
}

/**
 * The Slack message of an alert record.
 *
 * @example
 * await fetch(slackWebhookUrl, { method: "POST", headers: { "content-type": "application/json" },
 *   body: JSON.stringify(toSlackMessage(record)) });
 */
export function toSlackMessage(alert: CallSurveyAlert): SlackMessage {
  const firing = alert.transition.to === "firing";
  const icon = firing ? ":red_circle:" : ":large_green_circle:";
  // Slack parses &, < and > in every text object, plain_text included.
  const heading = cutEscaped(
    `${firing ? "🔴" : "🟢"} ${escapeMrkdwn(title(alert))}`,
    SLACK_LIMITS.headerText,
  );
  const context: SlackTextObject[] = [
    mrkdwn(`Aftercall · ${slackDate(alert.time)} · rule ${escapeMrkdwn(truncate(alert.rule.id, 80))}`, 300),
  ];
  if (alert.links.dashboard)
    context.push(mrkdwn(`<${linkTarget(alert.links.dashboard)}|Open in Aftercall>`, 3000));
  const blocks: SlackBlock[] = [
    { type: "header", text: { type: "plain_text", text: heading, emoji: true } },
    { type: "section", text: mrkdwn(escapeMrkdwn(summary(alert)), SLACK_LIMITS.sectionText) },
    { type: "section", fields: fields(alert) },
  ];
  const explanations = explanationBlocks(alert);
  if (explanations.length > 0) blocks.push({ type: "divider" }, ...explanations);
  blocks.push({ type: "context", elements: context });
  const text = `${icon} ${escapeMrkdwn(title(alert))}: ${escapeMrkdwn(summary(alert))}`;
  return { text: truncate(text, SLACK_LIMITS.fallbackText), blocks: blocks.slice(0, SLACK_LIMITS.blocks) };
}
