import type { AnalyticsReads } from "../analytics/analytics-reads.js";
import { breakdown, tagCounts } from "../analytics/rollup-query.js";
import type { SurveyQuery } from "../surveys/survey-query.js";
import type { AlertRule } from "./alert-rule.js";
import { type Breakdown, type Counts, type ExcessExplanation, explainExcess } from "./explain.js";

/**
 * The breakdowns an alert explains itself with, read from the analytics of the rule's cohort in the
 * window and in the baseline period: issue tags of the rule's category, app versions and platforms.
 * (Network bands join when the analytics have them.)
 */
export const EXPLAINED_BY = ["tag", "appVersion", "platform"] as const;

interface Periods {
  window: { fromMs: number; toMs: number };
  baseline: { fromMs: number; toMs: number };
  totals: { window: Counts; baseline: Counts };
}

const asQuery = (rule: AlertRule, period: { fromMs: number; toMs: number }): SurveyQuery => ({
  ...rule.filter,
  fromMs: period.fromMs,
  toMs: period.toMs,
});

async function partition(
  reads: AnalyticsReads,
  projectId: string,
  rule: AlertRule,
  periods: Periods,
  by: "appVersion" | "platform",
): Promise<Breakdown> {
  const [inWindow, inBaseline] = await Promise.all([
    breakdown(reads, projectId, asQuery(rule, periods.window), rule.category, by),
    breakdown(reads, projectId, asQuery(rule, periods.baseline), rule.category, by),
  ]);
  const baselineOf = new Map(inBaseline.map((b) => [b.value ?? "(none)", b]));
  return {
    dimension: by,
    partition: true,
    values: inWindow.map((w) => {
      const b = baselineOf.get(w.value ?? "(none)");
      return {
        value: w.value ?? "(none)",
        window: { surveys: w.surveys, poor: w.poor },
        baseline: { surveys: b?.surveys ?? 0, poor: b?.poor ?? 0 },
      };
    }),
    total: periods.totals,
  };
}

/** Tags overlap: per tag, the category's surveys and the poor ones carrying the tag (explain.ts). */
async function tags(reads: AnalyticsReads, projectId: string, rule: AlertRule, periods: Periods) {
  const [inWindow, inBaseline] = await Promise.all([
    tagCounts(reads, projectId, asQuery(rule, periods.window)),
    tagCounts(reads, projectId, asQuery(rule, periods.baseline)),
  ]);
  const ofCategory = (list: typeof inWindow) =>
    new Map(list.filter((t) => t.category === rule.category).map((t) => [t.tag, t.poorCount]));
  const w = ofCategory(inWindow);
  const b = ofCategory(inBaseline);
  const result: Breakdown = {
    dimension: "tag",
    partition: false,
    values: [...w].map(([tag, poor]) => ({
      value: tag,
      window: { surveys: periods.totals.window.surveys, poor },
      baseline: { surveys: periods.totals.baseline.surveys, poor: b.get(tag) ?? 0 },
    })),
    total: periods.totals,
  };
  return result;
}

/** Explanations of an alert's excess, one per breakdown of {@link EXPLAINED_BY}. */
export async function explainAlert(
  reads: AnalyticsReads,
  projectId: string,
  rule: AlertRule,
  periods: Periods,
): Promise<ExcessExplanation[]> {
  const breakdowns = await Promise.all([
    tags(reads, projectId, rule, periods),
    partition(reads, projectId, rule, periods, "appVersion"),
    partition(reads, projectId, rule, periods, "platform"),
  ]);
  return breakdowns.map((b) => explainExcess(b));
}
