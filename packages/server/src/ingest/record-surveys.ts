import type { SurveyWarning } from "@aftercall/api";
import { type SurveySubmission, type ValidationIssue, validateSurvey } from "@aftercall/schema";
import { AftercallError } from "../errors.js";
import { type DimensionFold, OTHER_DIMENSION_VALUE } from "../limits/dimension-caps.js";
import type { Project } from "../projects/project.js";
import { type ClientTimeWindow, clientTimeIssue } from "./client-time.js";
import type { GroupCommitter } from "./group-commit.js";
import { type CommittedSurvey, type PendingSurvey, toPendingSurvey } from "./pending-survey.js";
import { redactorOf } from "./redaction.js";

export interface IngestContext {
  committer: GroupCommitter;
  /** Server clock; injectable for tests. */
  now: () => Date;
  /** Called after surveys were committed (wakes the delivery engine). */
  onCommitted?: () => void;
  /**
   * How far a `clientTime` may be from the receive time ({@link DEFAULT_CLIENT_TIME_WINDOW} unless
   * configured); `false` accepts any.
   */
  clientTimeWindow: ClientTimeWindow | false;
  /**
   * What the rollups count of a survey's custom dimensions under the project's caps
   * (limits/dimension-caps.ts); absent, everything it sent.
   */
  foldDimensions?: (
    project: Project,
    dimensions: Record<string, string>,
    receivedAt: number,
  ) => Promise<DimensionFold>;
}

/** A committed survey and what the server changed about it without refusing it. */
export interface RecordedSurvey extends CommittedSurvey {
  warnings: SurveyWarning[];
}

/**
 * Validate a list of untrusted surveys for a project; `pathPrefix(i)` names each one in errors. With
 * `received`, each `clientTime` must also be within its window of the receive time.
 */
export function validateAll(
  project: Project,
  inputs: readonly unknown[],
  pathPrefix: (index: number) => string,
  received?: { atMs: number; window: ClientTimeWindow | false },
): SurveySubmission[] {
  const valid: SurveySubmission[] = [];
  const errors: ValidationIssue[] = [];
  inputs.forEach((input, index) => {
    const result = validateSurvey(input, { requireOverallRating: project.requireOverallRating });
    const late =
      result.ok && received && clientTimeIssue(result.value.clientTime, received.atMs, received.window);
    if (result.ok && !late) valid.push(result.value);
    else {
      const prefix = pathPrefix(index);
      for (const e of result.ok ? [late as ValidationIssue] : result.errors) {
        errors.push(
          prefix
            ? { ...e, path: e.path ? `${prefix}.${e.path}` : prefix, message: `${prefix}: ${e.message}` }
            : e,
        );
      }
    }
  });
  if (errors.length > 0) {
    throw new AftercallError(
      "VALIDATION_FAILED",
      (errors[0] as ValidationIssue).message,
      errors.slice(0, 100),
    );
  }
  return valid;
}

/**
 * Durably record validated surveys of one request, all or nothing. Resolves once committed; a retry of
 * already stored content resolves with the stored records, other content under a stored id is a conflict.
 */
export async function recordSurveys(
  ctx: IngestContext,
  project: Project,
  submissions: readonly SurveySubmission[],
): Promise<RecordedSurvey[]> {
  const receivedAt = ctx.now();
  const redact = redactorOf(project);
  const group: PendingSurvey[] = submissions.map((submission) =>
    toPendingSurvey(
      submission,
      { projectId: project.id, receivedAt },
      redact,
      project.surveyConfig.networkBands,
    ),
  );
  const duplicateInRequest = findDuplicateContent(group);
  if (duplicateInRequest) throw duplicateInRequest;
  const warnings = await foldAll(ctx, project, group, receivedAt.getTime());
  let outcome: Awaited<ReturnType<GroupCommitter["commit"]>>;
  try {
    outcome = await ctx.committer.commit(group);
  } catch (cause) {
    throw Object.assign(
      new AftercallError(
        "STORE_UNAVAILABLE",
        "The survey could not be stored; nothing was written. Please try again.",
      ),
      { cause },
    );
  }
  ctx.onCommitted?.();
  if (outcome.status === "conflict") {
    const ids = outcome.conflictingIds.join(", ");
    throw new AftercallError(
      "SURVEY_CONFLICT",
      `A survey with id ${ids} was already submitted with different content.`,
    );
  }
  // A retry replays the survey stored the first time, with what its first answer said.
  return outcome.surveys.map((s, i) => ({ ...s, warnings: s.created ? (warnings[i] ?? []) : [] }));
}

/** Sets each survey's rollup dimensions under the caps; the warnings of each, in order. */
async function foldAll(
  ctx: IngestContext,
  project: Project,
  group: PendingSurvey[],
  receivedAt: number,
): Promise<SurveyWarning[][]> {
  const warnings: SurveyWarning[][] = [];
  for (const pending of group) {
    const dimensions = pending.record.dimensions;
    if (!ctx.foldDimensions || Object.keys(dimensions).length === 0) {
      warnings.push([]);
      continue;
    }
    const fold = await ctx.foldDimensions(project, dimensions, receivedAt);
    if (fold.rollup) pending.rollupDimensions = fold.rollup;
    warnings.push([
      ...fold.valuesFolded.map((key) => ({
        code: "DIMENSION_VALUE_FOLDED" as const,
        field: `dimensions.${key}`,
        message: `dimensions.${key} has reached the project's distinct values for today; this value is stored with the survey and counted as "${OTHER_DIMENSION_VALUE}" in the analytics.`,
      })),
      ...fold.keysNotRolledUp.map((key) => ({
        code: "DIMENSION_KEY_NOT_ROLLED_UP" as const,
        field: `dimensions.${key}`,
        message: `The project has reached its distinct dimension keys; dimensions.${key} is stored with the survey but not counted in the analytics.`,
      })),
    ]);
  }
  return warnings;
}

/** Two different surveys under one id in the same request can never both be stored. */
function findDuplicateContent(group: readonly PendingSurvey[]): AftercallError | undefined {
  const seen = new Map<string, string>();
  for (const { record, contentHash } of group) {
    const previous = seen.get(record.id);
    if (previous !== undefined && previous !== contentHash) {
      return new AftercallError(
        "SURVEY_CONFLICT",
        `The batch contains two different surveys with id ${record.id}.`,
      );
    }
    seen.set(record.id, contentHash);
  }
  return undefined;
}
