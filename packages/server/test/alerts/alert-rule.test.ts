/**
 * validateAlertRule: the rule's shape with its defaults, and a specific, stable error (code, path,
 * message naming the field) for every way a rule can be wrong.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ALERT_RULE_CODES,
  type AlertRuleIssue,
  boundaryRate,
  validateAlertRule,
} from "../../src/alerts/alert-rule.js";
import type { SurveyQuery } from "../../src/surveys/survey-query.js";

function errors(input: unknown): AlertRuleIssue[] {
  const result = validateAlertRule(input);
  assert.equal(result.ok, false, `expected errors for ${JSON.stringify(input)}`);
  return result.ok ? [] : result.errors;
}

function onlyError(input: unknown): AlertRuleIssue {
  const list = errors(input);
  assert.equal(list.length, 1, JSON.stringify(list));
  const [issue] = list as [AlertRuleIssue];
  assert.ok(ALERT_RULE_CODES.includes(issue.code));
  assert.ok(issue.message.includes(issue.path), `message "${issue.message}" names ${issue.path}`);
  return issue;
}

const base = { name: "Audio complaints", category: "audio" };

describe("validateAlertRule", () => {
  it("fills every default of a minimal rule", () => {
    const result = validateAlertRule(base);
    assert.deepEqual(result, {
      ok: true,
      value: {
        name: "Audio complaints",
        category: "audio",
        filter: {},
        windowMinutes: 60,
        baseline: { type: "trailing", days: 7, minimumSurveys: 500 },
        minimumSurveys: 30,
        minimumEffect: { type: "difference", value: 0.05 },
        falseAlarmsPerWeek: 0.1,
      },
    });
  });

  it("keeps a full rule, normalising a tag given as 'category:Tag'", () => {
    const result = validateAlertRule({
      ...base,
      filter: { appVersion: "5.2.0", platform: "iOS", tag: "audio:Echo", dimensions: { region: "eu-west" } },
      windowMinutes: 120,
      baseline: { type: "fixed", poorRate: 0.08 },
      minimumSurveys: 50,
      minimumEffect: { type: "ratio", value: 1.5 },
      falseAlarmsPerWeek: 0.05,
    });
    assert.ok(result.ok);
    assert.deepEqual(result.value.filter, {
      appVersion: "5.2.0",
      platform: "iOS",
      tag: { category: "audio", tag: "Echo" },
      dimensions: { region: "eu-west" },
    });
    assert.deepEqual(result.value.baseline, { type: "fixed", poorRate: 0.08 });
    // The filter is a SurveyQuery as far as the store is concerned.
    const query: SurveyQuery = result.value.filter;
    assert.equal(query.appVersion, "5.2.0");
  });

  it("accepts a tag as { category, tag }", () => {
    const result = validateAlertRule({ ...base, filter: { tag: { category: "video", tag: "Freezes" } } });
    assert.ok(result.ok);
    assert.deepEqual(result.value.filter.tag, { category: "video", tag: "Freezes" });
  });

  it("refuses what is not an object", () => {
    for (const input of [null, [], "rule", 3]) assert.equal(onlyError(input).code, "INVALID_TYPE");
  });

  it("names missing required fields", () => {
    const list = errors({});
    assert.deepEqual(
      list.map((e) => [e.code, e.path]),
      [
        ["REQUIRED", "name"],
        ["REQUIRED", "category"],
      ],
    );
  });

  it("refuses unknown fields at every level", () => {
    assert.deepEqual(
      errors({
        ...base,
        treshold: 3,
        filter: { appversion: "1" },
        baseline: { type: "trailing", weeks: 1 },
      }).map((e) => [e.code, e.path]),
      [
        ["UNKNOWN_FIELD", "treshold"],
        ["UNKNOWN_FIELD", "filter.appversion"],
        ["UNKNOWN_FIELD", "baseline.weeks"],
      ],
    );
  });

  it("checks the name", () => {
    assert.equal(onlyError({ ...base, name: "   " }).code, "INVALID_FORMAT");
    assert.equal(onlyError({ ...base, name: "a\u0007b" }).code, "INVALID_FORMAT");
    assert.equal(onlyError({ ...base, name: "x".repeat(101) }).code, "TOO_LONG");
    assert.equal(onlyError({ ...base, name: 7 }).code, "INVALID_TYPE");
  });

  it("checks the category and the tag against the catalogue", () => {
    assert.deepEqual(pick(onlyError({ ...base, category: "chat" })), ["UNKNOWN_CATEGORY", "category"]);
    assert.deepEqual(pick(onlyError({ ...base, filter: { tag: "audio:Freezes" } })), [
      "UNKNOWN_ISSUE_TAG",
      "filter.tag.tag",
    ]);
    assert.deepEqual(pick(onlyError({ ...base, filter: { tag: "chat:Echo" } })), [
      "UNKNOWN_CATEGORY",
      "filter.tag.category",
    ]);
    assert.deepEqual(pick(onlyError({ ...base, filter: { tag: "audio:Echo:x" } })), [
      "INVALID_FORMAT",
      "filter.tag",
    ]);
  });

  it("checks context filters and dimensions like a survey's own limits", () => {
    assert.deepEqual(pick(onlyError({ ...base, filter: { appVersion: "v".repeat(65) } })), [
      "TOO_LONG",
      "filter.appVersion",
    ]);
    assert.deepEqual(pick(onlyError({ ...base, filter: { dimensions: { "1bad": "x" } } })), [
      "INVALID_FORMAT",
      "filter.dimensions.1bad",
    ]);
    assert.deepEqual(pick(onlyError({ ...base, filter: { dimensions: { region: "" } } })), [
      "INVALID_FORMAT",
      "filter.dimensions.region",
    ]);
    const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, "v"]));
    assert.deepEqual(pick(onlyError({ ...base, filter: { dimensions: many } })), [
      "TOO_MANY",
      "filter.dimensions",
    ]);
  });

  it("checks ranges and whole numbers", () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ windowMinutes: 5 }, "OUT_OF_RANGE", "windowMinutes"],
      [{ windowMinutes: 60.5 }, "NOT_INTEGER", "windowMinutes"],
      [{ windowMinutes: "60" }, "INVALID_TYPE", "windowMinutes"],
      [{ minimumSurveys: 0 }, "OUT_OF_RANGE", "minimumSurveys"],
      [{ falseAlarmsPerWeek: 0 }, "OUT_OF_RANGE", "falseAlarmsPerWeek"],
      [{ falseAlarmsPerWeek: Number.NaN }, "INVALID_TYPE", "falseAlarmsPerWeek"],
      [{ baseline: { type: "trailing", days: 60 } }, "OUT_OF_RANGE", "baseline.days"],
      [{ baseline: { type: "fixed" } }, "REQUIRED", "baseline.poorRate"],
      [{ baseline: { type: "fixed", poorRate: 1 } }, "OUT_OF_RANGE", "baseline.poorRate"],
      [{ baseline: { type: "weekly" } }, "INVALID_FORMAT", "baseline.type"],
      [{ minimumEffect: { type: "difference", value: 0.001 } }, "OUT_OF_RANGE", "minimumEffect.value"],
      [{ minimumEffect: { type: "ratio", value: 1 } }, "OUT_OF_RANGE", "minimumEffect.value"],
      [{ minimumEffect: { type: "percent", value: 5 } }, "INVALID_FORMAT", "minimumEffect.type"],
    ];
    for (const [change, code, path] of cases)
      assert.deepEqual(pick(onlyError({ ...base, ...change })), [code, path]);
  });

  it("refuses a fixed baseline whose minimum effect reaches 100 %", () => {
    const issue = onlyError({
      ...base,
      baseline: { type: "fixed", poorRate: 0.6 },
      minimumEffect: { type: "ratio", value: 2 },
    });
    assert.equal(issue.code, "EFFECT_UNREACHABLE");
  });

  it("reports every problem at once", () => {
    assert.equal(errors({ name: "", category: "x", windowMinutes: 0, minimumSurveys: -1 }).length, 4);
  });
});

describe("boundaryRate", () => {
  it("adds a difference and multiplies by a ratio", () => {
    assert.equal(boundaryRate(0.1, { type: "difference", value: 0.05 }), 0.1 + 0.05);
    assert.equal(boundaryRate(0.1, { type: "ratio", value: 1.5 }), 0.1 * 1.5);
  });
});

function pick(issue: AlertRuleIssue): [string, string] {
  return [issue.code, issue.path];
}
