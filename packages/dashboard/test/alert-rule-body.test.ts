/**
 * The new-rule form's body: empty fields are left out for the server to fill, a trailing baseline goes
 * whole, values without a default go even when empty (so the server names what is missing), and the
 * server's issues land on the input of their path or of the object they name.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { issuesByField, ruleFromForm } from "../src/alert-rule-body.js";

const form = (fields: Record<string, string>) => ({ get: (name: string) => fields[name] ?? null });

describe("the new alert rule form's body", () => {
  it("leaves out every empty field", () => {
    assert.deepEqual(
      ruleFromForm(
        form({ name: " Audio ", category: "audio", "baseline.type": "trailing", "minimumEffect.value": "" }),
      ),
      { name: "Audio", category: "audio" },
    );
  });

  it("sends what was typed, a trailing baseline whole, and the cohort filter", () => {
    assert.deepEqual(
      ruleFromForm(
        form({
          name: "Audio on 2.4",
          category: "audio",
          windowMinutes: "120",
          minimumSurveys: "50",
          falseAlarmsPerWeek: "0.5",
          "baseline.type": "trailing",
          "baseline.days": "14",
          "minimumEffect.type": "ratio",
          "minimumEffect.value": "1.5",
          "filter.appVersion": "2.4.0",
          "filter.platform": "",
        }),
      ),
      {
        name: "Audio on 2.4",
        category: "audio",
        windowMinutes: 120,
        minimumSurveys: 50,
        falseAlarmsPerWeek: 0.5,
        baseline: { type: "trailing", days: 14, minimumSurveys: 500 },
        minimumEffect: { type: "ratio", value: 1.5 },
        filter: { appVersion: "2.4.0" },
      },
    );
  });

  it("sends values without a default even when empty, and non-numbers as null, for the server to name", () => {
    const body = ruleFromForm(
      form({
        name: "x",
        category: "video",
        windowMinutes: "sixty",
        "baseline.type": "fixed",
        "minimumEffect.type": "ratio",
      }),
    );
    assert.equal(
      JSON.stringify(body),
      JSON.stringify({
        name: "x",
        category: "video",
        windowMinutes: null,
        baseline: { type: "fixed", poorRate: null },
        minimumEffect: { type: "ratio", value: null },
      }),
    );
  });

  it("places the server's issues on their inputs, the others above the form", () => {
    const placed = issuesByField([
      { code: "OUT_OF_RANGE", path: "minimumEffect.value", message: "too big" },
      { code: "EFFECT_UNREACHABLE", path: "minimumEffect", message: "never fires" },
      { code: "INVALID_TYPE", path: "baseline", message: "not an object" },
      { code: "UNKNOWN_FIELD", path: "filter.browser", message: "not offered" },
      { code: "INVALID_TYPE", path: "", message: "not an object at all" },
    ]);
    assert.deepEqual(Object.fromEntries(placed), {
      "minimumEffect.value": ["too big", "never fires"],
      "baseline.type": ["not an object"],
      "": ["not offered", "not an object at all"],
    });
  });
});
