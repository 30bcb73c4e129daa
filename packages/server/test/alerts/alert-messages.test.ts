/**
 * The alert record and its chat payloads: a record built from a real detector run is self-contained and
 * JSON-safe; the Slack and Teams messages built from it satisfy the documented constraints encoded in
 * test/support/chat-payload-schemas.ts (checked with ajv), also for worst-case content, and survey- or
 * operator-provided text cannot form mentions, links or markup.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Ajv, type ValidateFunction } from "ajv";
import {
  type AlertRecordInput,
  alertRecordId,
  buildAlertRecord,
  type CallSurveyAlert,
} from "../../src/alerts/alert-record.js";
import { validateAlertRule } from "../../src/alerts/alert-rule.js";
import { type DetectorState, evaluateRule, newDetectorState } from "../../src/alerts/detector.js";
import { type ExcessExplanation, explainExcess } from "../../src/alerts/explain.js";
import { SLACK_LIMITS, toSlackMessage } from "../../src/alerts/slack-message.js";
import { TEAMS_BYTE_BUDGET, teamsMessageBytes, toTeamsMessage } from "../../src/alerts/teams-message.js";
import {
  slackMessageSchema,
  TEAMS_MESSAGE_LIMIT_BYTES,
  teamsMessageSchema,
} from "../support/chat-payload-schemas.js";

const ajv = new Ajv({ strict: true, allErrors: true });
const validSlack: ValidateFunction = ajv.compile(slackMessageSchema);
const validTeams: ValidateFunction = ajv.compile(teamsMessageSchema);

function assertValid(validate: ValidateFunction, payload: unknown, what: string): void {
  assert.ok(validate(payload), `${what}: ${JSON.stringify(validate.errors, null, 1)}`);
}

const T0 = Date.UTC(2026, 2, 2, 9);
const rule = (() => {
  const r = validateAlertRule({
    name: "Audio complaints <!channel> & co",
    category: "audio",
    filter: { appVersion: "5.2.0", dimensions: { region: "eu-west" } },
    baseline: { type: "fixed", poorRate: 0.1 },
  });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return { ...r.value, id: "rule_01" };
})();

/** Evaluate minute by minute (6 surveys, 2 poor each) until the rule fires, then until it resolves. */
function transitions(): { firing: AlertRecordInput; resolved: AlertRecordInput } {
  let state: DetectorState = newDetectorState(T0);
  const baseline = { fromMs: T0 - 7 * 86_400_000, toMs: T0, surveys: 60_000, poor: 6_000 };
  const found: Partial<Record<"firing" | "resolved", AlertRecordInput>> = {};
  for (let m = 0; m < 2000 && !found.resolved; m++) {
    const poor = found.firing ? (m % 10 === 0 ? 1 : 0) : 2;
    const result = evaluateRule(rule, state, {
      nowMs: T0 + (m + 1) * 60_000,
      slotMs: 60_000,
      slots: [{ startMs: T0 + m * 60_000, surveys: 6, poor }],
      baseline,
    });
    state = result.state;
    const t = result.transition;
    if (t && (t.to === "firing" || t.to === "resolved"))
      found[t.to] = {
        projectId: "demo",
        rule,
        transition: t,
        statistics: result.statistics,
        firingSinceMs: state.firing?.sinceMs ?? null,
      };
  }
  assert.ok(found.firing && found.resolved, "the run fired and resolved");
  return found as { firing: AlertRecordInput; resolved: AlertRecordInput };
}

const { firing, resolved } = transitions();
const explanations: ExcessExplanation[] = [
  explainExcess({
    dimension: "appVersion",
    partition: true,
    total: { window: { surveys: 360, poor: 120 }, baseline: { surveys: 60_000, poor: 6_000 } },
    values: [
      { value: "5.2.0", window: { surveys: 200, poor: 100 }, baseline: { surveys: 0, poor: 0 } },
      { value: "5.1.3", window: { surveys: 160, poor: 20 }, baseline: { surveys: 60_000, poor: 6_000 } },
    ],
  }),
  explainExcess({
    dimension: "dimension.region",
    partition: true,
    total: { window: { surveys: 360, poor: 120 }, baseline: { surveys: 60_000, poor: 6_000 } },
    values: [
      {
        value: "<!here> [click](https://evil.example) *bold*",
        window: { surveys: 300, poor: 110 },
        baseline: { surveys: 50_000, poor: 5_000 },
      },
      { value: "us-east", window: { surveys: 60, poor: 10 }, baseline: { surveys: 10_000, poor: 1_000 } },
    ],
  }),
];

/** Worst case: every breakdown full of the longest values, the longest names and filters. */
function worstCase(): CallSurveyAlert {
  const long = "ж&<>*_[x](y)".repeat(20).slice(0, 200);
  const many: ExcessExplanation[] = Array.from({ length: 50 }, (_, b) =>
    explainExcess(
      {
        dimension: `dimension.${"k".repeat(30)}${b}`,
        partition: true,
        total: { window: { surveys: 10_000, poor: 3_000 }, baseline: { surveys: 100_000, poor: 10_000 } },
        values: Array.from({ length: 60 }, (_, i) => ({
          value: `${long}${i}`,
          window: { surveys: 160, poor: 40 + i },
          baseline: { surveys: 1_600, poor: 160 },
        })),
      },
      { limit: 50 },
    ),
  );
  const record = buildAlertRecord({
    ...firing,
    explanations: many,
    dashboardUrl: "https://surveys.example.com/#/alerts/rule_01",
  });
  record.rule.name = "N".repeat(100);
  record.rule.filter = {
    dimensions: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`key${i}`.padEnd(40, "x"), long])),
  };
  record.projectId = "p".repeat(64);
  return record;
}

describe("buildAlertRecord", () => {
  const record = buildAlertRecord({
    ...firing,
    explanations,
    dashboardUrl: "https://surveys.example.com/#/alerts/rule_01",
  });

  it("identifies the transition stably and dates everything in ISO 8601", () => {
    assert.equal(record.id, alertRecordId("rule_01", firing.transition));
    assert.equal(record.id, `rule_01:firing:${firing.transition.atMs}`);
    assert.equal(record.time, new Date(firing.transition.atMs).toISOString());
    assert.match(record.statistics.window.from, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(record.transition.to, "firing");
    assert.equal(record.firingSince, record.time);
    assert.ok(record.statistics.evidence && record.statistics.evidence.poorRate !== null);
  });

  it("is plain JSON and shares nothing with its inputs", () => {
    assert.deepEqual(JSON.parse(JSON.stringify(record)), record);
    explanations[0]?.contributions.splice(0);
    assert.equal(record.explanations[0]?.contributions.length, 2);
  });
});

describe("toSlackMessage", () => {
  const records = {
    firing: buildAlertRecord({ ...firing, explanations: [explanations[1] as ExcessExplanation] }),
    resolved: buildAlertRecord({ ...resolved, dashboardUrl: "https://surveys.example.com/a|b" }),
    "worst case": worstCase(),
  };
  for (const [name, record] of Object.entries(records)) {
    it(`builds a documented Block Kit message (${name})`, () => {
      const message = toSlackMessage(record);
      assertValid(validSlack, message, name);
      assert.ok(message.blocks.length <= SLACK_LIMITS.blocks);
    });
  }

  it("escapes survey and operator text so that it cannot mention or link", () => {
    const message = toSlackMessage(records.firing);
    const all = JSON.stringify(message);
    assert.ok(!all.includes("<!channel>") && !all.includes("<!here>"), `no raw mention: ${all}`);
    assert.ok(all.includes("&lt;!here&gt;"));
    assert.ok(message.text.includes("&lt;!channel&gt; &amp; co"));
  });

  it("says firing or resolved, with the window and the baseline", () => {
    assert.match(toSlackMessage(records.firing).text, /Firing: .* rose to \d+\.\d% \(95% CI/);
    const text = toSlackMessage(records.resolved).text;
    assert.match(text, /Resolved: .* back to \d+\.\d%.* fixed baseline of 10\.0%.* It fired for /);
  });

  it("links to the dashboard only when given, encoding what would break Slack's link syntax", () => {
    const context = (r: CallSurveyAlert) => JSON.stringify(toSlackMessage(r).blocks.at(-1));
    assert.ok(!context(records.firing).includes("Open in Aftercall"));
    assert.ok(context(records.resolved).includes("<https://surveys.example.com/a%7Cb|Open in Aftercall>"));
  });
});

describe("toTeamsMessage", () => {
  const records = {
    firing: buildAlertRecord({ ...firing, explanations: [explanations[1] as ExcessExplanation] }),
    resolved: buildAlertRecord({ ...resolved, dashboardUrl: "https://surveys.example.com/#/alerts/rule_01" }),
    "worst case": worstCase(),
  };
  for (const [name, record] of Object.entries(records)) {
    it(`builds a documented Adaptive Card message within the size limit (${name})`, () => {
      const message = toTeamsMessage(record);
      assertValid(validTeams, message, name);
      const bytes = teamsMessageBytes(message);
      assert.ok(
        bytes <= TEAMS_BYTE_BUDGET && TEAMS_BYTE_BUDGET < TEAMS_MESSAGE_LIMIT_BYTES,
        `${bytes} bytes`,
      );
    });
  }

  it("drops explanation lines, then explanations, to fit a smaller budget", () => {
    const record = records["worst case"];
    const full = teamsMessageBytes(toTeamsMessage(record));
    const smaller = toTeamsMessage(record, Math.floor(full * 0.8));
    assert.ok(teamsMessageBytes(smaller) <= full * 0.8);
    assertValid(validTeams, smaller, "trimmed");
    const bare = toTeamsMessage(record, 100);
    assert.ok(!JSON.stringify(bare).includes("What carries the excess"));
    assertValid(validTeams, bare, "bare");
  });

  it("escapes Markdown in survey-provided values", () => {
    const all = JSON.stringify(toTeamsMessage(records.firing));
    assert.ok(!all.includes("[click](https"), "no link markup");
    assert.ok(all.includes("\\\\[click\\\\]"), "brackets escaped");
  });

  it("offers the dashboard as the only action, when given", () => {
    const card = (r: CallSurveyAlert) => toTeamsMessage(r).attachments[0]?.content;
    assert.equal(card(records.firing)?.actions, undefined);
    assert.deepEqual(card(records.resolved)?.actions, [
      {
        type: "Action.OpenUrl",
        title: "Open in Aftercall",
        url: "https://surveys.example.com/#/alerts/rule_01",
      },
    ]);
    assert.equal(card(records.resolved)?.body[0]?.type, "TextBlock");
  });
});
