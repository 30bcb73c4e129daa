import type { SurveyRecord } from "@aftercall/schema";
import type { CommittedSurvey, GroupOutcome, PendingSurvey, SurveyGroup } from "./pending-survey.js";

/** A survey already stored, as far as idempotency needs to know it. */
export interface StoredSurvey {
  contentHash: string;
  record: SurveyRecord;
}

export interface CommitPlan {
  /** Surveys to insert, in a stable (project, id) order so concurrent writers lock in the same order. */
  inserts: PendingSurvey[];
  outcomes: GroupOutcome[];
}

/** `project_id` and `id` joined: the identity of a survey across projects. */
export const surveyKey = (projectId: string, id: string): string => `${projectId}\u0000${id}`;

/**
 * Decide, without touching storage, what a commit of `groups` does given the surveys already stored:
 * a retry with the same content is answered from the stored record, the same id with other content makes
 * its whole group a conflict (nothing of it is written), and an id repeated across groups in this very
 * commit is written once and answered as a retry for the later groups.
 */
export function planCommit(
  groups: readonly SurveyGroup[],
  existing: ReadonlyMap<string, StoredSurvey>,
): CommitPlan {
  const claimed = new Map<string, StoredSurvey>();
  const inserts: PendingSurvey[] = [];
  const outcomes = groups.map((group): GroupOutcome => {
    const conflictingIds: string[] = [];
    const surveys: CommittedSurvey[] = [];
    const fresh = new Map<string, PendingSurvey>();
    for (const pending of group) {
      const key = surveyKey(pending.record.projectId, pending.record.id);
      const known = existing.get(key) ?? claimed.get(key) ?? fresh.get(key);
      if (known && known.contentHash !== pending.contentHash) conflictingIds.push(pending.record.id);
      else if (known) surveys.push({ created: false, record: known.record });
      else {
        fresh.set(key, pending);
        surveys.push({ created: true, record: pending.record });
      }
    }
    if (conflictingIds.length > 0) return { status: "conflict", conflictingIds };
    for (const [key, pending] of fresh) {
      claimed.set(key, pending);
      inserts.push(pending);
    }
    return { status: "committed", surveys };
  });
  inserts.sort(
    (a, b) => compare(a.record.projectId, b.record.projectId) || compare(a.record.id, b.record.id),
  );
  return { inserts, outcomes };
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Distinct (project, id) pairs of all groups, to look up before planning. */
export function groupKeys(groups: readonly SurveyGroup[]): Array<{ projectId: string; id: string }> {
  const seen = new Map<string, { projectId: string; id: string }>();
  for (const group of groups) {
    for (const { record } of group)
      seen.set(surveyKey(record.projectId, record.id), { projectId: record.projectId, id: record.id });
  }
  return [...seen.values()];
}
