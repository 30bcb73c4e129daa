import type { AlertRuleInput, Category, ValidationIssue } from "./api.js";

/**
 * The new-rule form's fields as the rule body the API takes, and the server's refusals placed on the
 * fields they name. The form's input names are the body's dotted paths (`baseline.days`), so an issue's
 * `path` finds its input without a table of its own. Empty fields are left out for the server to fill
 * (its defaults, docs/alerts.md, are only shown as placeholders here); the server alone validates, so
 * its message is the one the user reads.
 *
 * @module
 */

/** The server's defaults (docs/alerts.md), shown as placeholders; the server fills them, not the form. */
export const RULE_DEFAULTS = {
  windowMinutes: 60,
  minimumSurveys: 30,
  baselineDays: 7,
  baselineMinimumSurveys: 500,
  minimumEffect: 0.05,
  falseAlarmsPerWeek: 0.1,
} as const;

/** The cohort filters the form offers (the CLI and the API take the others too). */
export const FILTER_FIELDS = ["appVersion", "platform"] as const;

/** Every input of the form, by its dotted path in the rule body. */
export const RULE_FIELD_PATHS = [
  "name",
  "category",
  "windowMinutes",
  "minimumSurveys",
  "baseline.type",
  "baseline.days",
  "baseline.minimumSurveys",
  "baseline.poorRate",
  "minimumEffect.value",
  "minimumEffect.type",
  "falseAlarmsPerWeek",
  ...FILTER_FIELDS.map((f) => `filter.${f}` as const),
] as const;
export type RuleFieldPath = (typeof RULE_FIELD_PATHS)[number];

/** A number as typed; what is not one goes as `NaN` (JSON null), which the server refuses by name. */
const num = (text: string) => Number(text.trim());

/** The rule body for the form's values (a `FormData`'s entries), leaving out every empty field. */
export function ruleFromForm(form: { get(name: string): FormDataEntryValue | null }): AlertRuleInput {
  const text = (name: RuleFieldPath) => {
    const v = form.get(name);
    return typeof v === "string" ? v.trim() : "";
  };
  const rule: AlertRuleInput = { name: text("name"), category: text("category") as Category };
  for (const field of ["windowMinutes", "minimumSurveys", "falseAlarmsPerWeek"] as const) {
    if (text(field) !== "") rule[field] = num(text(field));
  }
  if (text("baseline.type") === "fixed") {
    // A fixed rate has no default: sent even when empty, so the server says what is missing.
    rule.baseline = { type: "fixed", poorRate: num(text("baseline.poorRate") || "NaN") };
  } else if (text("baseline.days") !== "" || text("baseline.minimumSurveys") !== "") {
    // A trailing baseline is sent whole: the field left empty keeps its default.
    rule.baseline = {
      type: "trailing",
      days: text("baseline.days") === "" ? RULE_DEFAULTS.baselineDays : num(text("baseline.days")),
      minimumSurveys:
        text("baseline.minimumSurveys") === ""
          ? RULE_DEFAULTS.baselineMinimumSurveys
          : num(text("baseline.minimumSurveys")),
    };
  }
  const effectType = text("minimumEffect.type") === "ratio" ? "ratio" : "difference";
  // A ratio has no default value: sent even when empty, so the server says what is missing.
  if (text("minimumEffect.value") !== "" || effectType === "ratio")
    rule.minimumEffect = { type: effectType, value: num(text("minimumEffect.value") || "NaN") };
  const filter: Record<string, string> = {};
  for (const f of FILTER_FIELDS) if (text(`filter.${f}`) !== "") filter[f] = text(`filter.${f}`);
  if (Object.keys(filter).length > 0) rule.filter = filter;
  return rule;
}

/**
 * The issues by the input they belong to: the input of the same path, or else the first input inside
 * the named object (`minimumEffect` → `minimumEffect.value`); issues no input matches (the whole body,
 * a field the form does not offer) are kept under `""`, shown above the form.
 */
export function issuesByField(issues: ValidationIssue[]): Map<RuleFieldPath | "", string[]> {
  const out = new Map<RuleFieldPath | "", string[]>();
  for (const issue of issues) {
    const paths: readonly string[] = RULE_FIELD_PATHS;
    const field = (
      paths.includes(issue.path)
        ? issue.path
        : (RULE_FIELD_PATHS.find((p) => issue.path !== "" && p.startsWith(`${issue.path}.`)) ?? "")
    ) as RuleFieldPath | "";
    out.set(field, [...(out.get(field) ?? []), issue.message]);
  }
  return out;
}
