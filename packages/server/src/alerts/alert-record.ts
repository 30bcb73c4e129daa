/**
 * `CallSurveyAlert`: the record of one alert transition (firing or resolved), self-contained so that a
 * receiver understands it without asking Aftercall: which rule, which project and category, what changed
 * and when, the numbers behind it and what carries the excess. The lead renders it into delivery records
 * (category `CallSurveyAlert`) and into the chat payloads of slack-message.ts and teams-message.ts.
 */
import type { AlertRecord } from "@aftercall/api";
import type { AlertRule } from "./alert-rule.js";
import type { AlertStatus, AlertTransition, TransitionReason } from "./alert-state.js";
import type { AlertStatistics, RateWithInterval } from "./detector.js";
import type { ExcessExplanation } from "./explain.js";

type Iso = string;

/** The rule as it was when the transition happened (rules can be edited later). */
export type AlertRuleSnapshot = AlertRule & { id: string };

export interface CallSurveyAlert {
  /** `<rule id>:<to>:<epoch ms>`: the same on every delivery of this transition, for de-duplication. */
  id: string;
  projectId: string;
  /** When the transition happened (the evaluation's time), ISO 8601 UTC. */
  time: Iso;
  rule: AlertRuleSnapshot;
  transition: { from: AlertStatus; to: AlertStatus; reason: TransitionReason };
  /** While firing: since when; for a resolution: when the firing began. */
  firingSince: Iso | null;
  statistics: {
    window: RateWithInterval & { from: Iso; to: Iso };
    baseline: RateWithInterval & { type: "trailing" | "fixed"; from: Iso; to: Iso };
    evidence: (RateWithInterval & { since: Iso }) | null;
    test: AlertStatistics["test"];
  };
  /** One entry per breakdown the lead computed (tags, app versions, dimensions, bands). */
  explanations: ExcessExplanation[];
  links: { dashboard: string | null };
}

export interface AlertRecordInput {
  projectId: string;
  rule: AlertRuleSnapshot;
  transition: AlertTransition;
  statistics: AlertStatistics;
  explanations?: readonly ExcessExplanation[];
  /** `DetectorState.firing.sinceMs` after the transition. */
  firingSinceMs?: number | null;
  /** Absolute URL of the rule's page on the dashboard, if the server knows its public URL. */
  dashboardUrl?: string | null;
}

const iso = (ms: number): Iso => new Date(ms).toISOString();

/** Stable id of the record of a transition. */
export const alertRecordId = (ruleId: string, t: Pick<AlertTransition, "to" | "atMs">): string =>
  `${ruleId}:${t.to}:${t.atMs}`;

/**
 * Assemble the record of a transition from the detector's output.
 *
 * @example
 * const { transition, statistics, state } = evaluateRule(rule, previous, input);
 * if (transition && notifies(transition))
 *   record = buildAlertRecord({ projectId, rule: { ...rule, id }, transition, statistics,
 *                               firingSinceMs: state.firing?.sinceMs, explanations });
 */
export function buildAlertRecord(input: AlertRecordInput): CallSurveyAlert {
  const { statistics: s, transition: t } = input;
  const { fromMs: wFrom, toMs: wTo, ...window } = s.window;
  const { fromMs: bFrom, toMs: bTo, ...baseline } = s.baseline;
  let evidence: CallSurveyAlert["statistics"]["evidence"] = null;
  if (s.evidence) {
    const { sinceMs, ...rest } = s.evidence;
    evidence = { ...rest, since: iso(sinceMs) };
  }
  const record: CallSurveyAlert = {
    id: alertRecordId(input.rule.id, t),
    projectId: input.projectId,
    time: iso(t.atMs),
    rule: structuredClone(input.rule),
    transition: { from: t.from, to: t.to, reason: t.reason },
    firingSince: input.firingSinceMs == null ? null : iso(input.firingSinceMs),
    statistics: {
      window: { ...window, from: iso(wFrom), to: iso(wTo) },
      baseline: { ...baseline, from: iso(bFrom), to: iso(bTo) },
      evidence,
      test: { ...s.test },
    },
    explanations: structuredClone([...(input.explanations ?? [])]),
    links: { dashboard: input.dashboardUrl ?? null },
  };
  // The API declares this shape for its readers (the dashboard among them): a field added here without
  // being declared there fails this build rather than their reading.
  return record satisfies AlertRecord;
}
