/**
 * Alerts on call-quality complaints: the pure core (rule validation, detection, explanation, records
 * and chat payloads). See docs/alerts.md for the method.
 */
export type { AlertRecordInput, AlertRuleSnapshot, CallSurveyAlert } from "./alert-record.js";
export { alertRecordId, buildAlertRecord } from "./alert-record.js";
export type {
  AlertBaseline,
  AlertFilter,
  AlertRule,
  AlertRuleCode,
  AlertRuleIssue,
  AlertRuleResult,
  MinimumEffect,
} from "./alert-rule.js";
export { ALERT_RULE_CODES, ALERT_RULE_LIMITS, boundaryRate, validateAlertRule } from "./alert-rule.js";
export type { AlertSignals, AlertStatus, AlertTransition, TransitionReason } from "./alert-state.js";
export { ALERT_STATUSES, notifies, RESOLVED_HOLD_MS } from "./alert-state.js";
export type {
  AlertStatistics,
  BaselineCounts,
  Decision,
  DetectorState,
  Evaluation,
  EvaluationInput,
  HoldReason,
  RateWithInterval,
} from "./detector.js";
export { baselinePeriod, evaluateRule, newDetectorState, RESOLVE_THRESHOLD } from "./detector.js";
export type {
  Breakdown,
  BreakdownValue,
  ExcessContribution,
  ExcessExplanation,
  ExplainOptions,
} from "./explain.js";
export { explainExcess, MAX_BREAKDOWN_VALUES } from "./explain.js";
export type { SlackMessage } from "./slack-message.js";
export { toSlackMessage } from "./slack-message.js";
export type { SlotCounts } from "./slot-window.js";
export { MAX_SLOTS_PER_INTAKE } from "./slot-window.js";
export type { TeamsMessage } from "./teams-message.js";
export { TEAMS_BYTE_BUDGET, toTeamsMessage } from "./teams-message.js";
