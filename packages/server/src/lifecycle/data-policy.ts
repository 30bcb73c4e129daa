import type { DataPolicy } from "@aftercall/api";
import type { ValidationIssue } from "@aftercall/schema";
import { AftercallError } from "../errors.js";
import { checkRedactionPattern, MAX_REDACTION_PATTERNS } from "../ingest/redaction.js";
import { updateDataPolicy } from "../projects/project-store.js";
import type { Database } from "../store/database.js";

/**
 * A project's data policy: how long surveys, their free text and lifecycle events are kept, and what is
 * redacted before a survey is stored. The shape (ranges, sizes, defaults) is the API contract's
 * `DataPolicySchema`, checked before a handler runs; the rules here are the ones a shape cannot say.
 *
 * @module
 */

/** Every rule of a policy the schema cannot express, as validation issues naming the field. */
export function dataPolicyIssues(policy: DataPolicy): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const { surveysDays, freeTextDays } = policy.retention;
  if (surveysDays !== null && freeTextDays !== null && freeTextDays > surveysDays) {
    issues.push({
      code: "OUT_OF_RANGE",
      path: "retention.freeTextDays",
      message: `retention.freeTextDays (${freeTextDays}) must not exceed retention.surveysDays (${surveysDays}): the text goes with the survey.`,
    });
  }
  if (policy.redaction.patterns.length > MAX_REDACTION_PATTERNS)
    issues.push({
      code: "TOO_LONG",
      path: "redaction.patterns",
      message: `redaction.patterns may hold at most ${MAX_REDACTION_PATTERNS} patterns.`,
    });
  policy.redaction.patterns.forEach((pattern, i) => {
    const problem = checkRedactionPattern(pattern);
    if (problem)
      issues.push({
        code: "INVALID_FORMAT",
        path: `redaction.patterns[${i}]`,
        message: `redaction.patterns[${i}] ${problem}.`,
      });
  });
  return issues;
}

/** Check and store a project's policy; it applies to what arrives once key caches refresh (seconds). */
export async function setDataPolicy(
  db: Database,
  projectId: string,
  policy: DataPolicy,
): Promise<DataPolicy> {
  const issues = dataPolicyIssues(policy);
  if (issues.length > 0)
    throw new AftercallError("VALIDATION_FAILED", (issues[0] as ValidationIssue).message, issues);
  if (!(await updateDataPolicy(db, projectId, policy)))
    throw new AftercallError("NOT_FOUND", `Project ${projectId} was not found.`);
  return policy;
}
