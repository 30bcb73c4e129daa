/**
 * A Microsoft Teams message with an Adaptive Card from an alert record: POST it as JSON to a Teams
 * incoming webhook or to a Workflows "When a Teams webhook request is received" trigger, which both take
 * this envelope.
 *
 * Shape relied on (Microsoft Teams docs, "Send Adaptive Cards using an incoming webhook"): `type` must be
 * "message"; `attachments` holds the cards, each with `contentType`
 * "application/vnd.microsoft.card.adaptive" and the card as `content`; actions other than
 * Action.OpenUrl, Action.ShowCard and Action.ToggleVisibility are not supported. The message size limit
 * is 28 KB (some report less in practice): the builder keeps the JSON under {@link TEAMS_BYTE_BUDGET} by
 * dropping explanation lines. Card version 1.4, which Teams renders on desktop, web and mobile.
 *
 * TextBlock and FactSet text is Markdown: survey-provided values are backslash-escaped so that they cannot
 * form links or emphasis.
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

export interface AdaptiveTextBlock {
  type: "TextBlock";
  text: string;
  wrap?: boolean;
  size?: "Small" | "Default" | "Medium" | "Large" | "ExtraLarge";
  weight?: "Lighter" | "Default" | "Bolder";
  color?: "Default" | "Dark" | "Light" | "Accent" | "Good" | "Warning" | "Attention";
  isSubtle?: boolean;
  spacing?: "None" | "Small" | "Default" | "Medium" | "Large" | "ExtraLarge";
}

export interface AdaptiveFactSet {
  type: "FactSet";
  facts: { title: string; value: string }[];
}

export interface AdaptiveCard {
  $schema: "http://adaptivecards.io/schemas/adaptive-card.json";
  type: "AdaptiveCard";
  version: "1.4";
  body: (AdaptiveTextBlock | AdaptiveFactSet)[];
  actions?: { type: "Action.OpenUrl"; title: string; url: string }[];
  msteams: { width: "Full" };
}

export interface TeamsMessage {
  type: "message";
  attachments: {
    contentType: "application/vnd.microsoft.card.adaptive";
    contentUrl: null;
    content: AdaptiveCard;
  }[];
}

/** Documented limit 28 KB; kept well below because some tenants reject less. */
export const TEAMS_BYTE_BUDGET = 20_000;

const MAX_BREAKDOWNS = 6;
const MAX_VALUES = 5;

/**
 * Backslash-escape the Markdown characters that open emphasis, code or links (CommonMark), in text that
 * came from surveys or operators. Punctuation that only matters at a line start (`#`, `-`, `1.`) is left
 * alone: escaping it would litter numbers with backslashes on clients that render escapes literally.
 */
export const escapeMarkdown = (text: string): string => text.replace(/[\\`*_[\]~<>]/g, "\\$&");

function facts(alert: CallSurveyAlert): AdaptiveFactSet {
  const { window, baseline, evidence, test } = alert.statistics;
  const list = [
    {
      title: "Window",
      value: `${percent(window.poorRate)} (95% CI ${percentRange(window.poorRateCi95)}), ${window.poor} poor of ${window.surveys}`,
    },
    {
      title: "Baseline",
      value:
        baseline.type === "trailing"
          ? `${percent(baseline.poorRate)} (95% CI ${percentRange(baseline.poorRateCi95)}), ${baseline.poor} poor of ${baseline.surveys}`
          : `${percent(alert.rule.baseline.type === "fixed" ? alert.rule.baseline.poorRate : null)} (fixed)`,
    },
  ];
  if (evidence)
    list.push({
      title: "Since the rise began",
      value: `${percent(evidence.poorRate)}, ${evidence.poor} poor of ${evidence.surveys}`,
    });
  if (test.boundaryRate !== null) list.push({ title: "Alerts above", value: percent(test.boundaryRate) });
  list.push(
    { title: "Cohort", value: escapeMarkdown(`${alert.rule.category} · ${cohortText(alert.rule.filter)}`) },
    { title: "Project", value: escapeMarkdown(alert.projectId) },
  );
  return { type: "FactSet", facts: list };
}

function explanationItems(
  alert: CallSurveyAlert,
  valuesPerBreakdown: number,
): (AdaptiveTextBlock | AdaptiveFactSet)[] {
  const items: (AdaptiveTextBlock | AdaptiveFactSet)[] = [];
  for (const e of alert.explanations.slice(0, MAX_BREAKDOWNS)) {
    const shown = e.contributions.slice(0, valuesPerBreakdown);
    if (shown.length === 0) continue;
    items.push({
      type: "TextBlock",
      text: `What carries the excess: ${escapeMarkdown(dimensionWords(e.dimension))}`,
      weight: "Bolder",
      wrap: true,
      spacing: "Medium",
    });
    const list = shown.map((c) => ({
      title: escapeMarkdown(truncate(c.value, MAX_VALUE_CHARS)),
      value: escapeMarkdown(contributionText(c)),
    }));
    const more = e.contributions.length - shown.length + e.omitted;
    if (more > 0) list.push({ title: "…", value: `and ${more} more` });
    items.push({ type: "FactSet", facts: list });
  }
  return items;
}

function card(alert: CallSurveyAlert, valuesPerBreakdown: number): TeamsMessage {
  const firing = alert.transition.to === "firing";
  const content: AdaptiveCard = {
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    type: "AdaptiveCard",
    version: "1.4",
    msteams: { width: "Full" },
    body: [
      {
        type: "TextBlock",
        text: `${firing ? "🔴" : "🟢"} ${escapeMarkdown(truncate(title(alert), 200))}`,
        size: "Large",
        weight: "Bolder",
        color: firing ? "Attention" : "Good",
        wrap: true,
      },
      { type: "TextBlock", text: escapeMarkdown(summary(alert)), wrap: true },
      facts(alert),
      ...explanationItems(alert, valuesPerBreakdown),
      {
        type: "TextBlock",
        text: escapeMarkdown(
          `Aftercall · ${alert.time.slice(0, 16).replace("T", " ")} UTC · rule ${truncate(alert.rule.id, 80)}`,
        ),
        size: "Small",
        isSubtle: true,
        wrap: true,
      },
    ],
  };
  if (alert.links.dashboard)
    content.actions = [{ type: "Action.OpenUrl", title: "Open in Aftercall", url: alert.links.dashboard }];
  return {
    type: "message",
    attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content }],
  };
}

/** UTF-8 bytes of the JSON body, as the webhook counts them. */
export const teamsMessageBytes = (message: TeamsMessage): number =>
  new TextEncoder().encode(JSON.stringify(message)).length;

/**
 * The Teams message of an alert record, within `budget` bytes (default {@link TEAMS_BYTE_BUDGET}): when
 * the card would be larger, fewer values per breakdown are shown, and at the last no explanation.
 *
 * @example
 * await fetch(teamsWorkflowUrl, { method: "POST", headers: { "content-type": "application/json" },
 *   body: JSON.stringify(toTeamsMessage(record)) });
 */
export function toTeamsMessage(alert: CallSurveyAlert, budget = TEAMS_BYTE_BUDGET): TeamsMessage {
  for (let values = MAX_VALUES; values > 0; values--) {
    const message = card(alert, values);
    if (teamsMessageBytes(message) <= budget) return message;
  }
  return card({ ...alert, explanations: [] }, 0);
}
